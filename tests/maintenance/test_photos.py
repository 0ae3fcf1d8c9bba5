"""Photos: content validation, limits, EXIF/GPS stripping, storage and who may fetch them."""
import io
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from pms.maintenance.models import TicketPhoto
from pms.maintenance.services.photos import clean_image, sniff
from pms.core.errors import Invalid


def image_bytes(fmt="JPEG", size=(64, 48), gps=True, color=(200, 30, 30)) -> bytes:
    img = Image.new("RGB", size, color)
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x0112] = 6  # rotated 90° when shot
    if gps:
        exif[0x8825] = {1: "N", 2: (39.0, 54.0, 26.0), 3: "E", 4: (116.0, 23.0, 29.0)}
    out = io.BytesIO()
    img.save(out, fmt, exif=exif)
    return out.getvalue()


def upload(api, user, tid, *files):
    data = {"photos": [(io.BytesIO(content), name) for name, content in files]}
    return api.client.post(f"/api/v1/tickets/{tid}/photos", data=data, content_type="multipart/form-data",
                           headers=api.headers(user))


def stored_count(app):
    with app.app_context():
        from pms.core.db import get_session

        return get_session().scalar(select(func.count(TicketPhoto.id)))


@pytest.mark.parametrize("fmt, content_type", [("JPEG", "image/jpeg"), ("PNG", "image/png"),
                                               ("WEBP", "image/webp")])
def test_upload_strips_location_and_serves_to_the_resident(api, clock, app, fmt, content_type):
    original = image_bytes(fmt)
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)  # the test photo has GPS
    tid = api.file()["id"]
    r = upload(api, "resident", tid, (f"kitchen.{fmt.lower()}", original))
    assert r.status_code == 201, r.get_json()
    item = r.get_json()["items"][0]
    assert item["content_type"] == content_type
    # orientation applied before the EXIF block was dropped: 64×48 shot rotated → 48×64
    assert (item["width"], item["height"]) == (48, 64)
    served = api.get("resident", item["url"])
    assert served.status_code == 200 and served.mimetype == content_type
    assert "no-store" in served.headers["Cache-Control"]
    clean = Image.open(io.BytesIO(served.data))
    assert clean.format == fmt
    assert len(clean.getexif()) == 0 and not clean.getexif().get_ifd(0x8825)
    assert b"PhoneMaker" not in served.data and b"Exif\x00\x00" not in served.data
    # kept in the shared store (PMS_STORAGE_URL; here <instance>/storage) with a random name, never
    # the client's file name, so any web server behind the proxy serves it
    files = list((Path(app.config["INSTANCE_DIR"]) / "storage" / "photos").rglob("*.*"))
    assert len(files) == 1 and "kitchen" not in files[0].name and len(files[0].stem) == 32
    assert api.get("resident", f"/api/v1/tickets/{tid}").get_json()["photos"][0]["id"] == item["id"]
    # A photo stored before the shared store (under <instance>/uploads/tickets) still serves.
    legacy = Path(app.config["INSTANCE_DIR"]) / "uploads" / "tickets"
    legacy.mkdir(parents=True, exist_ok=True)
    files[0].rename(legacy / files[0].name)
    assert api.get("resident", item["url"]).data == served.data
    (legacy / files[0].name).unlink()
    assert api.get("resident", item["url"]).status_code == 404


def test_magic_bytes_decide_not_the_name():
    assert sniff(image_bytes("PNG")) == "PNG" and sniff(image_bytes("JPEG")) == "JPEG"
    assert sniff(image_bytes("WEBP")) == "WEBP"
    assert sniff(b"GIF89a....") is None and sniff(b"%PDF-1.7") is None
    with pytest.raises(Invalid):
        clean_image(b"\xff\xd8\xff\xe0" + b"not really a jpeg" * 50)  # JPEG magic, garbage body
    with pytest.raises(Invalid):
        clean_image(b"\x89PNG\r\n\x1a\n" + image_bytes("JPEG"))      # PNG magic, JPEG inside


NOT_IMAGES = [
    ("photo.jpg", b"%PDF-1.7 this is a pdf"),
    ("photo.png", b"<svg xmlns='http://www.w3.org/2000/svg'></svg>"),
    ("photo.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 100),
    ("photo.gif", b"GIF89a" + b"\x00" * 100),
]


def test_non_images_are_refused(api, clock, app):
    tid = api.file()["id"]
    for name, content in NOT_IMAGES:
        r = upload(api, "resident", tid, (name, content))
        assert r.status_code == 422 and "photos.0" in r.get_json()["error"]["fields"], name
    assert stored_count(app) == 0


def test_size_and_count_limits_save_nothing_half(api, clock, app):
    tid = api.file()["id"]
    big = image_bytes("PNG") + b"\x00" * (5 * 1024 * 1024)  # a valid PNG start padded beyond 5 MB
    r = upload(api, "resident", tid, ("a.jpg", image_bytes()), ("big.png", big))
    assert r.status_code == 422 and "photos.1" in r.get_json()["error"]["fields"]
    assert stored_count(app) == 0
    r = upload(api, "resident", tid, *[(f"{i}.jpg", image_bytes(color=(i, 0, 0))) for i in range(4)])
    assert r.status_code == 201
    r = upload(api, "resident", tid, *[(f"x{i}.jpg", image_bytes()) for i in range(3)])
    assert r.status_code == 422 and "photos" in r.get_json()["error"]["fields"]
    assert stored_count(app) == 4
    assert upload(api, "tech", tid, ("5.jpg", image_bytes()), ("6.jpg", image_bytes())).status_code == 201
    assert upload(api, "resident", tid, ("7.jpg", image_bytes())).status_code == 422
    assert stored_count(app) == 6
    assert len(list((Path(app.config["INSTANCE_DIR"]) / "storage" / "photos").rglob("*.*"))) == 6
    # no file at all
    r = api.client.post(f"/api/v1/tickets/{tid}/photos", data={}, content_type="multipart/form-data",
                        headers=api.headers("resident"))
    assert r.status_code == 422


def test_a_50_mb_upload_is_refused_before_parsing(api, clock, app):
    tid = api.file()["id"]
    r = upload(api, "resident", tid, ("huge.jpg", b"\xff\xd8\xff" + b"\x00" * (50 * 1024 * 1024)))
    assert r.status_code == 413
    assert r.get_json()["error"]["code"] == "too_large"
    assert stored_count(app) == 0


def test_decompression_bomb_is_refused():
    img = Image.new("1", (10000, 6000))  # 60 MP, compresses to a few KB
    out = io.BytesIO()
    img.save(out, "PNG")
    with pytest.raises(Invalid):
        clean_image(out.getvalue())


def test_no_photos_on_closed_requests(api, clock):
    tid = api.file()["id"]
    api.move("resident", tid, "cancelled")
    assert upload(api, "resident", tid, ("a.jpg", image_bytes())).status_code == 409
