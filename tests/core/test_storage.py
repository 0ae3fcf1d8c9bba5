"""Storage for kept files: a folder by default, an S3-compatible bucket when PMS_STORAGE_URL names
one (tested against moto's in-process S3); keys are checked; atomic writes."""
from __future__ import annotations

import pytest

from pms.config import ConfigError, load_config
from pms.core.storage import LocalStorage, S3Storage, check_key, storage_from_url


def exercise(store) -> None:
    store.put("documents/ab/abc.pdf", b"%PDF-1.7 one", content_type="application/pdf")
    store.put("print-runs/7/YJL-3.pdf", b"two")
    assert store.get("documents/ab/abc.pdf") == b"%PDF-1.7 one"
    assert store.exists("print-runs/7/YJL-3.pdf") and not store.exists("print-runs/7/none.pdf")
    assert sorted(store.keys("print-runs")) == ["print-runs/7/YJL-3.pdf"]
    assert sorted(store.keys()) == ["documents/ab/abc.pdf", "print-runs/7/YJL-3.pdf"]
    with pytest.raises(FileNotFoundError):
        store.get("documents/ab/missing.pdf")
    store.delete("print-runs/7/YJL-3.pdf")
    assert not store.exists("print-runs/7/YJL-3.pdf")


def test_local_folder(tmp_path):
    store = LocalStorage(tmp_path / "storage")
    exercise(store)
    assert (tmp_path / "storage" / "documents" / "ab" / "abc.pdf").read_bytes() == b"%PDF-1.7 one"
    assert not list((tmp_path / "storage").rglob("*.tmp"))  # the temp file was renamed into place


def test_s3_bucket_with_a_prefix():
    import boto3
    from moto import mock_aws

    with mock_aws():
        client = boto3.client("s3", region_name="cn-north-1")
        client.create_bucket(Bucket="pms-docs", CreateBucketConfiguration={"LocationConstraint": "cn-north-1"})
        client.put_object(Bucket="pms-docs", Key="elsewhere/x", Body=b"not ours")
        store = S3Storage("pms-docs", "/prod/", client=client)
        exercise(store)
        names = sorted(o["Key"] for o in client.list_objects_v2(Bucket="pms-docs")["Contents"])
        assert names == ["elsewhere/x", "prod/documents/ab/abc.pdf"]
        assert client.head_object(Bucket="pms-docs", Key="prod/documents/ab/abc.pdf")["ContentType"] == "application/pdf"


@pytest.mark.parametrize("key", ["", "/abs", "a/../b", "a//b", "./a", "a/."])
def test_keys_stay_inside_the_store(key):
    with pytest.raises(ValueError):
        check_key(key)


def test_urls(tmp_path, monkeypatch):
    assert isinstance(storage_from_url("", tmp_path), LocalStorage)
    assert storage_from_url("", tmp_path).root == tmp_path / "storage"
    assert storage_from_url("file:///srv/pms/storage", tmp_path).root.as_posix() == "/srv/pms/storage"
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    s3 = storage_from_url("s3://pms-docs/prod?endpoint=http://127.0.0.1:9000&region=cn-north-1", tmp_path)
    assert (s3.bucket, s3.prefix, s3.client.meta.endpoint_url) == ("pms-docs", "prod", "http://127.0.0.1:9000")
    for bad in ("s3://", "s3://b/p?acl=public", "ftp://x", "file://"):
        with pytest.raises(ValueError):
            storage_from_url(bad, tmp_path)
    with pytest.raises(ConfigError, match="PMS_STORAGE_URL"):
        load_config({"PMS_STORAGE_URL": "ftp://x"})
    assert load_config({"PMS_STORAGE_URL": "s3://b/p"})["STORAGE_URL"] == "s3://b/p"


def test_two_threads_writing_one_key_at_once(tmp_path):
    """Content-addressed keys: two first downloads of one document in one process can write the
    same key with the same bytes at the same moment; neither may lose its temp file."""
    import threading

    store = LocalStorage(tmp_path / "storage")
    errors, barrier = [], threading.Barrier(8)

    def write():
        try:
            barrier.wait(timeout=10)
            for _ in range(50):
                store.put("documents/ab/same.pdf", b"%PDF-1.7 the same bytes" * 1000)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    assert store.get("documents/ab/same.pdf") == b"%PDF-1.7 the same bytes" * 1000
    assert not list((tmp_path / "storage").rglob("*.tmp"))
