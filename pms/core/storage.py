"""Blob storage for files the service keeps (issued documents, print runs): one small interface.

A folder under the instance directory by default; an S3-compatible bucket when `PMS_STORAGE_URL`
says `s3://bucket/prefix?endpoint=https://host&region=r` (credentials from the usual AWS_*
variables or the machine's role), so that several web servers behind one proxy share what any of
them wrote. Keys are relative POSIX paths (`documents/ab/abcdef….pdf`); a key is written once and
never changed in place (content-addressed writers make a rewrite a no-op).
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path, PurePosixPath
from typing import Iterator, Optional, Protocol
from urllib.parse import parse_qs, urlsplit

from flask import current_app


def write_atomically(path: str | Path, data: bytes) -> None:
    """Write to a temp file in the same directory, fsync, rename: readers never see half a file.

    The temp file's name is unique per call (not per process): two threads of one web worker
    writing the same content-addressed key at once must not share one temp file."""
    target = Path(path)
    fd, temp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    temp = Path(temp_name)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(temp, 0o644)  # mkstemp's 0600 would hide the file from a web server of another user
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


class StorageError(RuntimeError):
    """The store could not be reached or refused the operation."""


class Storage(Protocol):
    """What every store offers."""

    def put(self, key: str, data: bytes, *, content_type: str = "application/octet-stream") -> None:
        """Store `data` under `key` (atomically: readers see the whole blob or none)."""

    def get(self, key: str) -> bytes:
        """The blob under `key` (FileNotFoundError when there is none)."""

    def exists(self, key: str) -> bool:
        """Whether a blob is stored under `key`."""

    def delete(self, key: str) -> None:
        """Remove the blob under `key` if there is one."""

    def keys(self, prefix: str = "") -> Iterator[str]:
        """Every key under `prefix`, in no particular order."""


def check_key(key: str) -> str:
    """A key as stored: relative, no `..`, no empty parts (it becomes a path on disk)."""
    path = PurePosixPath(key)
    if not key or path.is_absolute() or any(part in ("", ".", "..") for part in key.split("/")):
        raise ValueError(f"not a storage key: {key!r}")
    return key


class LocalStorage:
    """Files under one folder (the default: `<instance>/storage`)."""

    def __init__(self, root: str | Path):
        self.root = Path(root)

    def path(self, key: str) -> Path:
        return self.root / check_key(key)

    def put(self, key: str, data: bytes, *, content_type: str = "application/octet-stream") -> None:
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(target, data)

    def get(self, key: str) -> bytes:
        return self.path(key).read_bytes()

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def keys(self, prefix: str = "") -> Iterator[str]:
        base = self.root / prefix if prefix else self.root
        if not base.exists():
            return
        for path in base.rglob("*"):
            if path.is_file() and not path.name.startswith("."):
                yield path.relative_to(self.root).as_posix()


class S3Storage:
    """Objects in an S3-compatible bucket (AWS, MinIO, Ceph), under an optional prefix."""

    def __init__(self, bucket: str, prefix: str = "", *, endpoint_url: Optional[str] = None,
                 region: Optional[str] = None, client=None):
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        if client is None:
            import boto3  # only deployments that configure a bucket load it

            client = boto3.client("s3", endpoint_url=endpoint_url, region_name=region)
        self.client = client

    def _name(self, key: str) -> str:
        check_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    def put(self, key: str, data: bytes, *, content_type: str = "application/octet-stream") -> None:
        self.client.put_object(Bucket=self.bucket, Key=self._name(key), Body=data, ContentType=content_type)

    def get(self, key: str) -> bytes:
        from botocore.exceptions import ClientError

        try:
            return self.client.get_object(Bucket=self.bucket, Key=self._name(key))["Body"].read()
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                raise FileNotFoundError(key) from None
            raise StorageError(str(exc)) from exc

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self._name(key))
            return True
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404", "NotFound"):
                return False
            raise StorageError(str(exc)) from exc

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._name(key))

    def keys(self, prefix: str = "") -> Iterator[str]:
        full = self._name(prefix) if prefix else (f"{self.prefix}/" if self.prefix else "")
        skip = len(self.prefix) + 1 if self.prefix else 0
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=full):
            for item in page.get("Contents", []):
                yield item["Key"][skip:]


def storage_from_url(url: str, instance_dir: str | Path) -> Storage:
    """The store a `PMS_STORAGE_URL` names (empty: `<instance>/storage`); ValueError when malformed."""
    if not url:
        return LocalStorage(Path(instance_dir) / "storage")
    parts = urlsplit(url)
    if parts.scheme == "file":
        if not parts.path:
            raise ValueError("PMS_STORAGE_URL file:// needs a folder, e.g. file:///srv/pms/storage")
        return LocalStorage(parts.path)
    if parts.scheme == "s3":
        if not parts.netloc:
            raise ValueError("PMS_STORAGE_URL s3:// needs a bucket, e.g. s3://pms-documents/prod")
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        unknown = sorted(set(query) - {"endpoint", "region"})
        if unknown:
            raise ValueError(f"PMS_STORAGE_URL: unknown parameters {', '.join(unknown)} (endpoint, region)")
        return S3Storage(parts.netloc, parts.path, endpoint_url=query.get("endpoint"), region=query.get("region"))
    raise ValueError(f"PMS_STORAGE_URL must be file:///folder or s3://bucket/prefix, not {url!r}")


def storage() -> Storage:
    """The app's store (built once per app)."""
    app = current_app._get_current_object()
    store = app.extensions.get("pms.storage")
    if store is None:
        store = storage_from_url(app.config.get("STORAGE_URL", ""), app.config["INSTANCE_DIR"])
        app.extensions["pms.storage"] = store
    return store
