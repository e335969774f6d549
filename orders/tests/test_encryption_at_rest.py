"""Private files are encrypted at rest (tecnosign.storage, tecnosign.filecrypto): on the disk and in the bucket the
bytes are ciphertext, the authorised view returns the original, a copy taken off the disk is unreadable without the
master key, a rotation re-wraps data keys without touching the content, and files stored in clear before are still read
and then encrypted in place."""

import base64
import hashlib
import io
import os
import shutil
from pathlib import Path

import pytest
from botocore.response import StreamingBody
from botocore.stub import ANY, Stubber
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError

from orders.models import Document, Order
from tecnosign.audit.models import AuditEvent
from tecnosign.filecrypto import (
    CHUNK_SIZE,
    HEADER_SIZE,
    MAGIC,
    DecryptionFailed,
    Header,
    LocalKeyWrapper,
    master_key_id,
)
from tecnosign.storage import PrivateFileSystemStorage, PrivateS3Storage
from tecnosign.tests.auth import staff_login

from .factories import OrderFactory, UserFactory
from .files import clean_pdf, png_bytes

pytestmark = pytest.mark.django_db


def new_key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


@pytest.fixture
def private_root(settings) -> Path:
    return Path(settings.STORAGES["private"]["OPTIONS"]["location"])


def on_disk(root: Path, document: Document) -> bytes:
    return (root / document.file.name).read_bytes()


def uploaded_document(customer, content: bytes, name: str = "rg.pdf", content_type: str = "application/pdf"):
    order = OrderFactory(status=Order.Status.PAID)
    response = customer(order).post(
        f"/pedido/{order.number}/documentos/",
        {"kind": "identity", "identity_type": "rg", "files": SimpleUploadedFile(name, content, content_type)},
    )
    assert response.status_code == 302
    return order.documents.get()


def staff_view(client, document) -> bytes:
    boss = UserFactory(username="chefe", is_staff=True, is_superuser=True)
    staff_login(client, boss)
    response = client.get(f"/retaguarda/documentos/{document.public_id}/arquivo/")
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def test_a_stored_document_is_ciphertext_on_disk_and_the_authorised_view_returns_the_original(
    customer, client, private_root
):
    # Given a PDF a customer uploads on the order page
    original = clean_pdf(pages=3)

    # When it is stored
    document = uploaded_document(customer, original)
    stored = on_disk(private_root, document)

    # Then the disk holds ciphertext — not the upload, not a fragment of it — under a header naming the master key
    assert stored != original and original[:64] not in stored and b"%PDF" not in stored
    header = Header.parse(stored)
    assert stored.startswith(MAGIC) and header.key_id == storages["private"].key_wrapper().primary_key_id
    assert document.sha256 == hashlib.sha256(original).hexdigest()
    # And the staff's authorised view returns the original bytes, with their own length
    assert staff_view(client, document) == original
    assert storages["private"].size(document.file.name) == len(original)


def test_a_file_copied_off_the_disk_cannot_be_read_without_the_master_key(customer, private_root, tmp_path, settings):
    # Given a stored identity photo, copied off the disk by someone who has the files but not the environment
    original = png_bytes((300, 200))
    document = uploaded_document(customer, original, "rg.png", "image/png")
    stolen = tmp_path / "stolen"
    stolen.mkdir()
    shutil.copy(private_root / document.file.name, stolen / "copy.png")

    # When they read it through a portal of their own, with any other master key
    settings.PRIVATE_STORAGE_MASTER_KEYS = [new_key()]
    theirs = PrivateFileSystemStorage(location=stolen)

    # Then nothing opens: the data key does not unwrap, and the bytes themselves are not the photo
    with pytest.raises(DecryptionFailed, match="is not among PRIVATE_STORAGE_MASTER_KEYS"):
        theirs.open("copy.png")
    assert (stolen / "copy.png").read_bytes()[:8] == MAGIC
    assert b"PNG" not in (stolen / "copy.png").read_bytes()


def test_a_model_file_reopens_after_it_was_closed(customer, private_root):
    # Given a stored document, read once through its field and closed
    original = clean_pdf()
    document = uploaded_document(customer, original)
    with document.file.open("rb") as stored:
        first = stored.read()

    # When the same field opens it again (as Django's FieldFile does for a second read)
    with document.file.open("rb") as stored:
        second = stored.read()

    # Then both reads are the original
    assert first == second == original


def test_a_large_file_streams_through_in_chunks_and_reads_back_at_any_offset(settings, tmp_path):
    # Given a 1 MB file that does not end on a chunk boundary, saved through the private storage
    storage = PrivateFileSystemStorage(location=tmp_path)
    original = os.urandom(16 * CHUNK_SIZE + 1234)
    name = storage.save("big.bin", ContentFile(original))

    # When it is read back whole, and from an offset in the middle of a chunk
    with storage.open(name) as whole:
        everything = whole.read()
    with storage.open(name) as partial:
        partial.seek(5 * CHUNK_SIZE + 17)
        middle = partial.read(CHUNK_SIZE)

    # Then both are the original bytes, and the stored file is the original plus a header and a tag per chunk
    assert everything == original
    assert middle == original[5 * CHUNK_SIZE + 17 : 6 * CHUNK_SIZE + 17]
    assert (tmp_path / name).stat().st_size == HEADER_SIZE + len(original) + 17 * 16
    assert storage.size(name) == len(original)


@pytest.mark.parametrize("tamper", ["truncate_a_chunk", "cut_the_last_chunk", "append", "flip_a_byte", "swap_chunks"])
def test_an_altered_encrypted_file_does_not_decrypt(tmp_path, tamper):
    # Given a three-chunk encrypted file
    storage = PrivateFileSystemStorage(location=tmp_path)
    name = storage.save("doc.bin", ContentFile(os.urandom(2 * CHUNK_SIZE + 100)))
    path = tmp_path / name
    data = bytearray(path.read_bytes())
    full = CHUNK_SIZE + 16
    first, second = slice(HEADER_SIZE, HEADER_SIZE + full), slice(HEADER_SIZE + full, HEADER_SIZE + 2 * full)

    # When it is altered on the disk
    if tamper == "truncate_a_chunk":
        data = data[: HEADER_SIZE + full + 10]
    elif tamper == "cut_the_last_chunk":
        data = data[: HEADER_SIZE + 2 * full]
    elif tamper == "append":
        data += os.urandom(full)
    elif tamper == "flip_a_byte":
        data[HEADER_SIZE + full + 5] ^= 1
    else:
        data[first], data[second] = data[second], data[first]
    path.write_bytes(bytes(data))

    # Then reading it fails instead of returning altered content
    with pytest.raises(DecryptionFailed), storage.open(name) as altered:
        altered.read()


def test_rotation_rewraps_the_data_keys_without_re_encrypting_the_content(customer, client, private_root, settings):
    # Given a document stored under the old master key
    old, new = settings.PRIVATE_STORAGE_MASTER_KEYS[0], new_key()
    original = clean_pdf()
    document = uploaded_document(customer, original)
    before = on_disk(private_root, document)

    # When a new key is put first and the rotation command runs (twice: it is idempotent)
    settings.PRIVATE_STORAGE_MASTER_KEYS = [new, old]
    call_command("private_files_rewrap", stdout=io.StringIO())
    call_command("private_files_rewrap", stdout=io.StringIO())
    after = on_disk(private_root, document)

    # Then only the header changed, now naming the new key; the encrypted content is byte for byte the same
    new_id, old_id = (master_key_id(base64.b64decode(key)) for key in (new, old))
    assert Header.parse(before).key_id == old_id and Header.parse(after).key_id == new_id
    assert after[HEADER_SIZE:] == before[HEADER_SIZE:]
    # And the rotation is audited once on the document, and the old key can go: the new one alone reads it
    [event] = AuditEvent.objects.filter(action="storage.key_rewrapped")
    assert (event.object_type, event.object_id) == ("orders.document", str(document.pk))
    assert (event.before["key_id"], event.after["key_id"]) == (old_id, new_id)
    settings.PRIVATE_STORAGE_MASTER_KEYS = [new]
    assert staff_view(client, document) == original
    settings.PRIVATE_STORAGE_MASTER_KEYS = [old]
    with pytest.raises(DecryptionFailed), storages["private"].open(document.file.name) as stored:
        stored.read()


def test_a_rotation_without_the_old_key_fails_loudly_and_changes_nothing(customer, private_root, settings):
    # Given a document stored under a key that is then dropped by mistake
    document = uploaded_document(customer, clean_pdf())
    before = on_disk(private_root, document)
    settings.PRIVATE_STORAGE_MASTER_KEYS = [new_key()]

    # When the rotation runs
    with pytest.raises(CommandError, match="keep the old keys"):
        call_command("private_files_rewrap", stdout=io.StringIO(), stderr=io.StringIO())

    # Then the file is as it was and nothing was audited
    assert on_disk(private_root, document) == before
    assert not AuditEvent.objects.filter(action="storage.key_rewrapped").exists()


def test_files_stored_in_clear_before_are_read_and_then_encrypted_in_place(client, private_root):
    # Given a document stored in clear before encryption existed (the row made as document_attach made it then)
    original = clean_pdf(pages=2)
    order = OrderFactory(status=Order.Status.DOCUMENTS_RECEIVED)
    name = "documents/2026/01/legacy0123456789abcdef.pdf"
    (private_root / name).parent.mkdir(parents=True, exist_ok=True)
    (private_root / name).write_bytes(original)
    document = Document.objects.create(
        order=order,
        kind=Document.Kind.IDENTITY,
        identity_type=Document.IdentityType.CNH,
        file=name,
        original_name="cnh.pdf",
        content_type="application/pdf",
        size=len(original),
        sha256=hashlib.sha256(original).hexdigest(),
    )

    # When staff open it, then the encryption command runs (twice)
    before_encryption = staff_view(client, document)
    out = io.StringIO()
    call_command("private_files_encrypt", stdout=out)
    call_command("private_files_encrypt", stdout=io.StringIO())

    # Then it was readable in clear, is ciphertext now, still opens as the original, and the change is audited once
    assert before_encryption == original
    stored = (private_root / name).read_bytes()
    assert stored.startswith(MAGIC) and b"%PDF" not in stored
    assert staff_view(client, document) == original
    [event] = AuditEvent.objects.filter(action="storage.file_encrypted")
    assert (event.object_id, event.before["key_id"], event.after["field"]) == (str(document.pk), None, "file")
    assert "1 file(s) encrypted." in out.getvalue()
    assert not list((private_root / "documents" / "2026" / "01").glob("*.encrypting"))


def test_production_refuses_to_start_without_a_master_key(settings):
    from orders.checks import private_storage_keys_check

    # Given no master key (production has no default) or one that is not 32 bytes
    settings.PRIVATE_STORAGE_MASTER_KEYS = []
    missing = private_storage_keys_check(None)
    settings.PRIVATE_STORAGE_MASTER_KEYS = [base64.b64encode(b"short").decode()]
    short = private_storage_keys_check(None)

    # Then the start-up check refuses both
    assert [error.id for error in missing] == ["orders.E005"]
    assert [error.id for error in short] == ["orders.E006"] and "32" in short[0].msg


class Captured:
    """Stands for a parameter in the stubber's expectations, and keeps what the client actually sent."""

    value: bytes = b""

    def __eq__(self, other) -> bool:
        self.value = other.read() if hasattr(other, "read") else other
        return True


def _body(data: bytes) -> StreamingBody:
    return StreamingBody(io.BytesIO(data), len(data))


@pytest.fixture
def bucket():
    storage = PrivateS3Storage(
        bucket_name="documentos",
        region_name="us-east-1",
        access_key="test",
        secret_key="test",
        default_acl="private",
        file_overwrite=False,
    )
    with Stubber(storage.connection.meta.client) as stubber:
        yield storage, stubber
        stubber.assert_no_pending_responses()


def _put(stubber, key: str) -> Captured:
    body = Captured()
    stubber.add_response(
        "put_object",
        {},
        {
            "Bucket": "documentos",
            "Key": key,
            "Body": body,
            "ContentType": "application/octet-stream",
            "ACL": "private",
            "ChecksumAlgorithm": ANY,
        },
    )
    return body


def _get(stubber, key: str, data: bytes) -> None:
    # S3File checks the object exists, s3transfer asks its size, then the bytes.
    stubber.add_response("head_object", {"ContentLength": len(data)}, {"Bucket": "documentos", "Key": key})
    stubber.add_response("head_object", {"ContentLength": len(data)}, None)
    stubber.add_response("get_object", {"Body": _body(data), "ContentLength": len(data)}, None)


def test_the_s3_storage_uploads_ciphertext_and_reads_back_the_original(bucket):
    # Given the S3 private storage (botocore's stubber in place of the bucket)
    storage, stubber = bucket
    original = clean_pdf(pages=2)
    key = "documents/2026/11/abc.pdf"

    # When a document is saved, then opened
    uploaded = _put(stubber, key)
    storage._save(key, ContentFile(original))
    _get(stubber, key, uploaded.value)
    with storage.open(key) as stored:
        read_back = stored.read()

    # Then the bucket received ciphertext as an opaque object, and the storage returned the original
    assert uploaded.value.startswith(MAGIC) and b"%PDF" not in uploaded.value
    assert read_back == original
    # And an object copied out of the bucket does not open with another key
    header = Header.parse(uploaded.value)
    with pytest.raises(DecryptionFailed):
        LocalKeyWrapper([os.urandom(32)]).unwrap(header.key_id, header.wrapped_key)


def test_the_s3_storage_rewraps_by_rewriting_the_header_of_the_same_encrypted_body(bucket, settings):
    # Given an object encrypted under the old key
    storage, stubber = bucket
    old, new = settings.PRIVATE_STORAGE_MASTER_KEYS[0], new_key()
    key = "documents/2026/11/def.pdf"
    first = _put(stubber, key)
    storage._save(key, ContentFile(os.urandom(3 * CHUNK_SIZE)))

    # When the keys rotate and the object is re-wrapped
    settings.PRIVATE_STORAGE_MASTER_KEYS = [new, old]
    stubber.add_response(
        "get_object",
        {"Body": _body(first.value[:HEADER_SIZE])},
        {"Bucket": "documentos", "Key": key, "Range": f"bytes=0-{HEADER_SIZE - 1}"},
    )
    stubber.add_response("get_object", {"Body": _body(first.value)}, {"Bucket": "documentos", "Key": key})
    second = _put(stubber, key)
    outcome = storage.rewrap(key)

    # Then the object put back has the new key's header and exactly the same encrypted body
    assert outcome == storage.DONE
    assert Header.parse(second.value).key_id == master_key_id(base64.b64decode(new))
    assert second.value[HEADER_SIZE:] == first.value[HEADER_SIZE:]
