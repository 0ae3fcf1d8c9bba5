"""Ticket photos: validated by content, re-encoded without metadata, stored with random names."""
from __future__ import annotations

import io
import secrets
import warnings
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Optional

from flask import current_app
from flask_babel import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import func, select

from pms.core import clock
from pms.core.auth import Principal
from pms.core.errors import Conflict, Invalid, NotFound
from pms.core.storage import storage
from pms.maintenance import messages as msg
from pms.maintenance import permissions
from pms.maintenance.models import Ticket, TicketPhoto
from pms.maintenance.services.common import lock_ticket
from pms.maintenance.services.history import _event

MAX_PHOTO_BYTES = 5 * 1024 * 1024
MAX_PHOTOS_PER_TICKET = 6
# Pixels are refused from the header, before anything is decoded. A JPEG is decoded at a reduced
# scale (Pillow's draft: 1/2, 1/4 or 1/8 of each side, straight from the DCT), so a phone's 12–48 MP
# photo costs little; PNG and WebP can only be decoded whole, so they get a smaller bound. Six
# 7000×7000 PNGs once cost 8.5 s of CPU and three such requests in parallel doubled the memory.
MAX_PIXELS = 40_000_000
MAX_PIXELS_DECODED_WHOLE = 16_000_000
# Photos are stored (and served to every viewer) at most this many pixels on their longest side.
MAX_SIDE = 2048
# Pillow's own guard for every image it opens in this process (it warns above, and refuses above
# twice this); the checks below refuse earlier and with a clear message.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
# Pillow format → (content type, extension, save options). Re-encoding drops EXIF/GPS, XMP, text.
FORMATS = {
    "JPEG": ("image/jpeg", "jpg", {"quality": 85, "optimize": True}),
    "PNG": ("image/png", "png", {"compress_level": 6}),
    "WEBP": ("image/webp", "webp", {"quality": 85}),
}


@dataclass
class Upload:
    filename: str
    data: bytes


@dataclass
class CleanImage:
    content_type: str
    extension: str
    data: bytes
    width: int
    height: int


def sniff(data: bytes) -> Optional[str]:
    """The Pillow format named by the file's magic bytes, or None (the file name is never trusted)."""
    if data[:3] == b"\xff\xd8\xff":
        return "JPEG"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "PNG"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    return None


def clean_image(data: bytes, field: str = "photo") -> CleanImage:
    """Validate an upload by content, refuse it by its header when it has too many pixels, and
    re-encode it once: at most MAX_SIDE px on its longest side, turned the way the phone was held,
    without any metadata (EXIF, GPS, XMP, text)."""
    def bad(message):
        return Invalid(_("The photo was refused."), fields={field: [message]})

    if len(data) > MAX_PHOTO_BYTES:
        raise bad(_("A photo may be at most 5 MB."))
    fmt = sniff(data)
    if fmt is None:
        raise bad(_("Only JPEG, PNG or WebP images are accepted."))
    too_large = bad(_("The image is too large."))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:  # reads the header only
                if probe.format != fmt:
                    raise bad(_("The file content does not match an image."))
                pixels = probe.width * probe.height
                if pixels > MAX_PIXELS or (fmt != "JPEG" and pixels > MAX_PIXELS_DECODED_WHOLE):
                    raise too_large
                probe.verify()
            with Image.open(io.BytesIO(data)) as img:
                if fmt == "JPEG":
                    img.draft("RGB", (MAX_SIDE, MAX_SIDE))  # decode at the smallest scale still ≥ MAX_SIDE
                img.load()
                img.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS, reducing_gap=3.0)
                # Keep how the phone held the camera, then drop the EXIF block that said so.
                img = ImageOps.exif_transpose(img)
                if fmt == "JPEG" and img.mode not in ("RGB", "L"):
                    img = img.convert("RGB")
                content_type, ext, options = FORMATS[fmt]
                out = io.BytesIO()
                for key in ("exif", "xmp", "XML:com.adobe.xmp", "comment"):
                    img.info.pop(key, None)
                img.save(out, format=fmt, exif=b"", **options)
                return CleanImage(content_type, ext, out.getvalue(), img.width, img.height)
    except Invalid:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise too_large from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise bad(_("The file is not a readable image.")) from exc


PHOTO_PREFIX = "photos/tickets/"  # their key in the shared store (`core.storage`, PMS_STORAGE_URL)


def legacy_upload_dir() -> Path:
    """Where photos were kept before the shared store (read only: files stored there still serve)."""
    return Path(current_app.config["INSTANCE_DIR"]) / "uploads" / "tickets"


def photo_count(session, ticket: Ticket) -> int:
    return session.scalar(select(func.count(TicketPhoto.id)).where(TicketPhoto.ticket_id == ticket.id)) or 0


def add_photos(session, principal: Principal, ticket: Ticket, uploads: list[Upload], *,
               now: Optional[datetime] = None) -> list[TicketPhoto]:
    """Attach photos: all are checked before any is stored, so a bad one saves nothing."""
    permissions.ensure(principal, "photo.add")
    lock_ticket(session, ticket)  # the count and the status below are read under the ticket's lock
    if ticket.status in ("closed", "cancelled"):
        raise Conflict(_("Photos cannot be added to a closed request."))
    if not uploads:
        raise Invalid(_("Choose a photo."), fields={"photos": [_("Choose a photo.")]})
    if photo_count(session, ticket) + len(uploads) > MAX_PHOTOS_PER_TICKET:
        raise Invalid(_("Too many photos."),
                      fields={"photos": [_("At most %(n)d photos per request.", n=MAX_PHOTOS_PER_TICKET)]})
    cleaned = [clean_image(u.data, field=f"photos.{i}") for i, u in enumerate(uploads)]
    now = now or clock.now()
    # In the shared store, so every web server behind the proxy serves what any of them received.
    store, written, photos = storage(), [], []
    try:
        for img in cleaned:
            name = f"{secrets.token_hex(16)}.{img.extension}"
            store.put(PHOTO_PREFIX + name, img.data, content_type=img.content_type)
            written.append(PHOTO_PREFIX + name)
            photo = TicketPhoto(ticket_id=ticket.id, estate_id=ticket.estate_id, stored_name=name,
                                content_type=img.content_type, size_bytes=len(img.data), width=img.width,
                                height=img.height, uploaded_by_id=principal.user_id or None, uploaded_at=now)
            session.add(photo)
            photos.append(photo)
        _event(session, ticket, principal, now, ticket.status, ticket.status, kind="photo",
               message=msg.PHOTOS_ADDED, params={"n": len(photos)})
        session.flush()
    except Exception:
        for key in written:
            store.delete(key)
        raise
    return photos


def photos_of(session, ticket: Ticket) -> list[TicketPhoto]:
    return list(session.scalars(select(TicketPhoto).where(TicketPhoto.ticket_id == ticket.id)
                                .order_by(TicketPhoto.id)))


def photo_file(session, ticket: Ticket, photo_id: int) -> tuple[bytes, str]:
    """The bytes and type of a photo of this (already authorised) ticket; 404 otherwise."""
    photo = session.scalar(select(TicketPhoto).where(TicketPhoto.id == photo_id,
                                                     TicketPhoto.ticket_id == ticket.id))
    if photo is None:
        raise NotFound(_("Photo not found."))
    store = storage()
    if store.exists(PHOTO_PREFIX + photo.stored_name):
        return store.get(PHOTO_PREFIX + photo.stored_name), photo.content_type
    path = legacy_upload_dir() / photo.stored_name
    if not path.is_file():
        raise NotFound(_("Photo not found."))
    return path.read_bytes(), photo.content_type
