"""Where checkpoints are kept: write-once storage the application can add to but not rewrite.

`AUDIT_CHECKPOINT_SINK` chooses it: a directory (the embedded default, in var/; in production a mount the
application can only add to), or `s3://bucket/prefix`, a bucket with S3 Object Lock whose objects are written
in compliance mode, which nobody — not even the account's root — can delete or overwrite before they expire.
"""

import os
import secrets
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.utils import timezone


class CheckpointSink(Protocol):
    def add(self, name: str, data: bytes) -> bool:
        """Store `data` as `name` unless that name exists; False when it did (nothing is overwritten)."""

    def entries(self) -> Iterator[tuple[str, bytes]]:
        """Every stored copy, by name (a versioned bucket may hold several under one name: all are checked)."""

    def latest(self) -> list[tuple[str, bytes]]:
        """The copies stored under the highest name (the last checkpoint)."""


class DirectorySink:
    """One file per checkpoint, created exclusively and left read-only (0444)."""

    def __init__(self, root: str | Path):
        self.root = Path(root)

    def __str__(self) -> str:
        return str(self.root)

    def add(self, name: str, data: bytes) -> bool:
        self.root.mkdir(parents=True, exist_ok=True)
        # Written whole under a private name, then linked to its own name: link() refuses an existing name like
        # O_EXCL does, and a crash mid-write never leaves a truncated checkpoint behind.
        scratch = self.root / f".{name}.{secrets.token_hex(8)}.tmp"
        fd = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o444)
        try:
            with os.fdopen(fd, "wb") as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            try:
                os.link(scratch, self.root / name)
            except FileExistsError:
                return False
        finally:
            scratch.unlink(missing_ok=True)
        directory = os.open(self.root, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
        return True

    def _names(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(e.name for e in os.scandir(self.root) if e.name.endswith(".json") and not e.name.startswith("."))

    def entries(self) -> Iterator[tuple[str, bytes]]:
        for name in self._names():
            yield name, (self.root / name).read_bytes()

    def latest(self) -> list[tuple[str, bytes]]:
        names = self._names()
        return [(names[-1], (self.root / names[-1]).read_bytes())] if names else []


class S3ObjectLockSink:
    """Objects in a bucket with Object Lock (versioning on): compliance-mode retention, never overwritten.

    A put is conditional (`If-None-Match: *`), so an existing checkpoint is not replaced; and since a versioned
    bucket keeps every version and a delete only hides one behind a marker, reading goes through all versions.
    """

    def __init__(self, url: str):
        import boto3  # loaded only when this sink is configured

        bucket, _, prefix = url.removeprefix("s3://").partition("/")
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.client = boto3.client("s3", endpoint_url=settings.AUDIT_CHECKPOINT_S3_ENDPOINT_URL or None)

    def __str__(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"

    def add(self, name: str, data: bytes) -> bool:
        from botocore.exceptions import ClientError

        retain_until = timezone.now() + timedelta(days=settings.AUDIT_CHECKPOINT_RETENTION_DAYS)
        try:
            self.client.put_object(
                Bucket=self.bucket,
                Key=self.prefix + name,
                Body=data,
                ContentType="application/json",
                IfNoneMatch="*",
                ObjectLockMode="COMPLIANCE",
                ObjectLockRetainUntilDate=retain_until,
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "PreconditionFailed":
                return False
            raise
        return True

    def _versions(self) -> list[tuple[str, str]]:
        versions = []
        for page in self.client.get_paginator("list_object_versions").paginate(Bucket=self.bucket, Prefix=self.prefix):
            for version in page.get("Versions", []):
                name = version["Key"].removeprefix(self.prefix)
                if name.endswith(".json") and "/" not in name:
                    versions.append((name, version["VersionId"]))
        return sorted(versions)

    def _read(self, name: str, version_id: str) -> bytes:
        return self.client.get_object(Bucket=self.bucket, Key=self.prefix + name, VersionId=version_id)["Body"].read()

    def entries(self) -> Iterator[tuple[str, bytes]]:
        for name, version_id in self._versions():
            yield name, self._read(name, version_id)

    def latest(self) -> list[tuple[str, bytes]]:
        versions = self._versions()
        if not versions:
            return []
        last = versions[-1][0]
        return [(name, self._read(name, version_id)) for name, version_id in versions if name == last]


def checkpoint_sink() -> CheckpointSink:
    target = settings.AUDIT_CHECKPOINT_SINK
    if target.startswith("s3://"):
        return S3ObjectLockSink(target)
    return DirectorySink(target)
