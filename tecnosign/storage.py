"""The private storage: customers' files (documents, letters, terms, face captures, dossiers), encrypted at rest on
the local disk and on S3 alike (tecnosign.filecrypto).

Encryption is the storage's business, so every file saved through `storages["private"]` — documents, revocation
letters, and whatever else a model stores there — is encrypted without its caller doing anything, and read back in
clear through the same storage. Files stored before encryption existed (no header) are still read as they are, until
`manage.py private_files_encrypt` encrypts them in place; `manage.py private_files_rewrap` re-wraps every data key
under the first master key after a rotation.
"""

import contextlib
import itertools
import os
import secrets

from django.core.files import File
from django.core.files.storage import FileSystemStorage, storages
from django.utils.module_loading import import_string
from storages.backends.s3 import S3Storage
from storages.utils import clean_name

from tecnosign.filecrypto import (
    CHUNK_SIZE,
    HEADER_SIZE,
    DecryptingReader,
    Header,
    IteratorReader,
    KeyWrapper,
    LocalKeyWrapper,
    encrypting_reader,
    plaintext_size,
    read_full,
)


def _rewind(content) -> None:
    # A stream that cannot seek is read from where it is.
    with contextlib.suppress(AttributeError, OSError, ValueError):
        content.seek(0)


class DecryptedFile(File):
    """The plaintext of a stored file; reopening it (FieldFile.open() after a close) reads it again from storage."""

    def __init__(self, reader: DecryptingReader, name: str, storage: "EncryptedStorageMixin"):
        super().__init__(reader, name=name)
        self._storage = storage

    def open(self, mode=None):
        if not self.closed:
            self.seek(0)
            return self
        reopened = self._storage._open(self.name, mode or "rb")
        self.file = reopened.file
        return self


class EncryptedStorageMixin:
    """Envelope encryption around a Django storage's `_save`/`_open`; see tecnosign.filecrypto for the format.

    `key_wrapper`: dotted path of a KMS adapter (tecnosign.filecrypto.KeyWrapper), made with no arguments; by default
    the master keys of `PRIVATE_STORAGE_MASTER_KEYS`.
    """

    PLAINTEXT, CURRENT, DONE = "plaintext", "current", "done"

    def __init__(self, *args, key_wrapper: str | None = None, **kwargs):
        self._key_wrapper_path = key_wrapper
        super().__init__(*args, **kwargs)

    def key_wrapper(self) -> KeyWrapper:
        # Read at each use, not cached: settings (and a test's override) decide, and parsing two keys costs nothing.
        if self._key_wrapper_path:
            return import_string(self._key_wrapper_path)()
        return LocalKeyWrapper.from_settings()

    def url(self, name):
        raise ValueError("Private files are not accessible via a URL; use the authorised view.")

    def _save(self, name, content):
        _rewind(content)
        return super()._save(name, File(encrypting_reader(content, self.key_wrapper()), name=name))

    def _open(self, name, mode="rb"):
        if any(flag in mode for flag in "wa+"):
            raise ValueError("Private files are written only through save().")
        raw = super()._open(name, "rb")
        header = Header.parse(read_full(raw, HEADER_SIZE))
        if header is None:  # stored before encryption: read as it is
            raw.seek(0)
            return raw
        data_key = self.key_wrapper().unwrap(header.key_id, header.wrapped_key)
        return DecryptedFile(DecryptingReader(raw, header, data_key), name, self)

    def size(self, name):
        header = Header.parse(self._stored_prefix(name))
        stored = super().size(name)
        return stored if header is None else plaintext_size(stored, header.chunk_size)

    def stored_header(self, name) -> Header | None:
        """The file's encryption header as stored; None for a file stored in clear."""
        return Header.parse(self._stored_prefix(name))

    def rewrap(self, name) -> str:
        """Re-wrap the file's data key under the first master key, rewriting the header only (the content is not
        re-encrypted). PLAINTEXT for a file stored in clear, CURRENT when already wrapped by that key, else DONE."""
        header = self.stored_header(name)
        if header is None:
            return self.PLAINTEXT
        wrapper = self.key_wrapper()
        if header.key_id == wrapper.primary_key_id:
            return self.CURRENT
        key_id, wrapped = wrapper.wrap(wrapper.unwrap(header.key_id, header.wrapped_key))
        self._replace_header(name, Header(key_id=key_id, wrapped_key=wrapped, chunk_size=header.chunk_size).to_bytes())
        return self.DONE

    def encrypt_in_place(self, name) -> str:
        """Encrypt a file stored in clear, under the same name: CURRENT when it is encrypted already, else DONE."""
        if self.stored_header(name) is not None:
            return self.CURRENT
        self._encrypt_stored(name)
        return self.DONE

    def _stored_prefix(self, name) -> bytes:
        with super()._open(name, "rb") as raw:
            return read_full(raw, HEADER_SIZE)


class PrivateFileSystemStorage(EncryptedStorageMixin, FileSystemStorage):
    """Local private files, encrypted: there is deliberately no URL for them; staff read them through a view."""

    def _replace_header(self, name, header: bytes) -> None:
        # One 512-byte write at offset 0: a single sector, so the old header or the new one, never half of each.
        with open(self.path(name), "r+b") as stored:
            stored.write(header)
            stored.flush()
            os.fsync(stored.fileno())

    def _encrypt_stored(self, name) -> None:
        path = self.path(name)
        scratch = f"{path}.{secrets.token_hex(8)}.encrypting"
        mode = self.file_permissions_mode if self.file_permissions_mode is not None else 0o600
        descriptor = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), mode)
        try:
            with os.fdopen(descriptor, "wb") as target, open(path, "rb") as source:
                for piece in encrypting_reader(source, self.key_wrapper()):
                    target.write(piece)
                target.flush()
                os.fsync(target.fileno())
            os.replace(scratch, path)  # atomic: the file is in clear or encrypted, never half-written
        except BaseException:
            if os.path.exists(scratch):
                os.remove(scratch)
            raise


class PrivateS3Storage(EncryptedStorageMixin, S3Storage):
    """Private files in an S3-compatible bucket (private ACL), encrypted before they leave the portal: the bucket's
    operator, a leaked bucket credential or a public-ACL mistake gets ciphertext only."""

    def get_object_parameters(self, name):
        # The object is ciphertext whatever the file was: never served inline, never gzipped by the storage.
        return {**super().get_object_parameters(name), "ContentType": "application/octet-stream"}

    def _object(self, name):
        return self.bucket.Object(self._normalize_name(clean_name(name)))

    def _stored_prefix(self, name) -> bytes:
        # A ranged GET: the header only, not the whole object.
        return self._object(name).get(Range=f"bytes=0-{HEADER_SIZE - 1}")["Body"].read()

    def _upload(self, name, stream) -> None:
        self._object(name).upload_fileobj(
            stream, ExtraArgs=self._get_write_parameters(name), Config=self.transfer_config
        )

    def _replace_header(self, name, header: bytes) -> None:
        # Objects cannot be changed in place: the new header and the same encrypted body, streamed (no decryption).
        body = self._object(name).get()["Body"]
        read_full(body, HEADER_SIZE)
        self._upload(name, IteratorReader(itertools.chain([header], iter(lambda: body.read(CHUNK_SIZE), b""))))

    def _encrypt_stored(self, name) -> None:
        # On a versioned bucket the plaintext stays as a noncurrent version: expire those (README).
        body = self._object(name).get()["Body"]
        self._upload(name, encrypting_reader(body, self.key_wrapper()))


def private_storage():
    """`STORAGES["private"]`, looked up when a file is stored or read (a callable, so that migrations do not record
    the backend, and tests and deployments choose it in settings)."""
    return storages["private"]
