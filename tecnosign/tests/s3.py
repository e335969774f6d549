"""A local S3 server (moto, started once per test session) and the private storage switched onto it.

`s3_private_storage` gives a test the portal's private storage as a deployment with `PRIVATE_STORAGE=s3` builds it:
the options come from the settings module itself, evaluated in a subprocess with that environment, and every model
file field stored in "private" is pointed at it for the test. The fixture returns the bucket's boto3 client, to look
at the objects the way the bucket's operator would.
"""

import os
import socket
from dataclasses import dataclass

import pytest
from django.apps import apps
from django.db.models import FileField

from tecnosign.storage import PrivateS3Storage, private_storage

from .settings_probe import settings_under

CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",  # moto accepts any
    "AWS_DEFAULT_REGION": "us-east-1",
}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def moto_s3_endpoint():
    """moto's S3 server on a free local port, as a separate process would serve it (real HTTP, SigV4)."""
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@dataclass
class S3Private:
    client: object
    bucket: str
    storage: PrivateS3Storage

    def object_keys(self) -> set[str]:
        listed = self.client.list_objects_v2(Bucket=self.bucket)
        return {item["Key"] for item in listed.get("Contents", [])}

    def raw(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()


_bucket_serial = iter(range(1, 1_000_000))


@pytest.fixture(scope="session")
def _s3_private_options(moto_s3_endpoint):
    return settings_under(
        {"PRIVATE_STORAGE": "s3", "PRIVATE_S3_BUCKET": "placeholder", "PRIVATE_S3_ENDPOINT_URL": moto_s3_endpoint},
        "settings.STORAGES['private']",
    )


@pytest.fixture
def s3_private_storage(settings, monkeypatch, moto_s3_endpoint, _s3_private_options):
    """The private storage on a fresh bucket of the local S3 server, for this test."""
    import boto3

    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    bucket = f"tecnosign-private-{os.getpid()}-{next(_bucket_serial)}"
    client = boto3.client("s3", endpoint_url=moto_s3_endpoint, region_name="us-east-1")
    client.create_bucket(Bucket=bucket)
    client.put_public_access_block(
        Bucket=bucket,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )
    config = dict(_s3_private_options)
    assert config["BACKEND"] == "tecnosign.storage.PrivateS3Storage"
    config["OPTIONS"] = {**config["OPTIONS"], "bucket_name": bucket}
    settings.STORAGES = {**settings.STORAGES, "private": config}  # resets django's storage handler
    storage = private_storage()
    assert isinstance(storage, PrivateS3Storage)
    # A FileField evaluates its storage callable once, when the model class is made: point those at the bucket.
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if isinstance(field, FileField) and getattr(field, "_storage_callable", None) is private_storage:
                monkeypatch.setattr(field, "storage", storage)
    return S3Private(client=client, bucket=bucket, storage=storage)


def assert_private_and_encrypted(s3: S3Private, key: str) -> bytes:
    """The object as the bucket keeps it: requested with server-side encryption, granted to its owner only, refused
    to an anonymous GET, and ciphertext of the portal's own encryption (tecnosign.filecrypto). Returns its bytes."""
    import requests

    from tecnosign.filecrypto import MAGIC

    head = s3.client.head_object(Bucket=s3.bucket, Key=key)
    assert head["ServerSideEncryption"] == "AES256", head
    assert head["ContentType"] == "application/octet-stream"
    grants = s3.client.get_object_acl(Bucket=s3.bucket, Key=key)["Grants"]
    assert [grant["Permission"] for grant in grants] == ["FULL_CONTROL"]
    assert all(grant["Grantee"]["Type"] == "CanonicalUser" for grant in grants), grants
    anonymous = requests.get(f"{s3.client.meta.endpoint_url}/{s3.bucket}/{key}", timeout=10)
    assert anonymous.status_code == 403
    stored = s3.raw(key)
    assert stored[: len(MAGIC)] == MAGIC
    return stored
