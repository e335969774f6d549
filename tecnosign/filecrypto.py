"""Envelope encryption of the private files (identity documents, letters, face captures, dossiers) at rest.

Each file gets a random 256-bit data key; its content is AES-256-GCM in chunks of `CHUNK_SIZE` bytes (each with its
own tag, so a large file streams through in constant memory and a cut or a swapped chunk fails); the data key is
wrapped by a master key that the database never holds, and the wrapped key sits in the file's fixed-size header with
the master key's id. Rotation re-wraps the data key and rewrites the header only; the content is never re-encrypted.

    header (HEADER_SIZE bytes): MAGIC | chunk size (u32) | key id length (u8) | wrapped key length (u16)
                                | key id | wrapped data key | zero padding
    body: chunk 0 … chunk n-1, each AES-256-GCM(data key, nonce = index (11 bytes) | last (1 byte),
          associated data = MAGIC | chunk size) = ciphertext + 16-byte tag

The last chunk is flagged in its nonce, so a truncated file (or one with chunks appended) does not decrypt; an empty
file is one empty last chunk. Files without the magic are plaintext stored before encryption existed: the storage
still reads them, and `manage.py private_files_encrypt` encrypts them in place.

Master keys (`PRIVATE_STORAGE_MASTER_KEYS`): base64 of 32 random bytes each (`openssl rand -base64 32`),
comma-separated; the first wraps new data keys, every one unwraps. A key's id is derived from the key
(`master_key_id`). A KMS is an extension point: a class with `primary_key_id`, `wrap(data_key) -> (key_id, blob)` and
`unwrap(key_id, blob)` (as `LocalKeyWrapper`), named by dotted path in the storage's `key_wrapper` option — e.g. one
that calls AWS KMS `Encrypt`/`Decrypt` with the key id as the KMS key ARN. The wrapped blob may be up to
`MAX_WRAPPED_BYTES`.
"""

import base64
import binascii
import hashlib
import io
import os
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.core.exceptions import ImproperlyConfigured

MAGIC = b"TSENC1\x00\n"
HEADER_SIZE = 512
CHUNK_SIZE = 64 * 1024
TAG_SIZE = 16
_FIXED = struct.Struct(">8sIBH")  # magic, chunk size, key id length, wrapped key length
MAX_WRAPPED_BYTES = HEADER_SIZE - _FIXED.size - 255
_WRAP_CONTEXT = b"tecnosign-private-storage-data-key:"


class DecryptionFailed(Exception):
    """The file is not readable with the keys configured: unknown master key, altered, truncated or extended."""


@dataclass(frozen=True)
class Header:
    key_id: str
    wrapped_key: bytes
    chunk_size: int = CHUNK_SIZE

    def to_bytes(self) -> bytes:
        key_id = self.key_id.encode("ascii")
        if len(key_id) > 255 or len(self.wrapped_key) > MAX_WRAPPED_BYTES:
            raise ValueError("key id or wrapped key too long for the header")
        packed = _FIXED.pack(MAGIC, self.chunk_size, len(key_id), len(self.wrapped_key)) + key_id + self.wrapped_key
        return packed.ljust(HEADER_SIZE, b"\x00")

    @classmethod
    def parse(cls, data: bytes) -> "Header | None":
        """The header at the start of `data`; None when `data` is not an encrypted file (a plaintext one)."""
        if not data.startswith(MAGIC):
            return None
        if len(data) < HEADER_SIZE:
            raise DecryptionFailed("encrypted file shorter than its header")
        _, chunk_size, id_length, wrapped_length = _FIXED.unpack_from(data)
        start = _FIXED.size
        if not chunk_size or wrapped_length > MAX_WRAPPED_BYTES:
            raise DecryptionFailed("malformed header")
        key_id = data[start : start + id_length].decode("ascii", "replace")
        wrapped = data[start + id_length : start + id_length + wrapped_length]
        return cls(key_id=key_id, wrapped_key=bytes(wrapped), chunk_size=chunk_size)

    @property
    def associated_data(self) -> bytes:
        # What rotation never changes: the key id and the wrapped key are left out on purpose.
        return MAGIC + struct.pack(">I", self.chunk_size)


class KeyWrapper(Protocol):
    primary_key_id: str

    def wrap(self, data_key: bytes) -> tuple[str, bytes]: ...

    def unwrap(self, key_id: str, wrapped: bytes) -> bytes: ...


def master_key_id(key: bytes) -> str:
    return hashlib.sha256(b"tecnosign-master-key-id:" + key).hexdigest()[:16]


def parse_master_keys(values: list[str]) -> list[bytes]:
    """The keys of `PRIVATE_STORAGE_MASTER_KEYS`; ImproperlyConfigured naming the position of a bad one."""
    keys = []
    for position, value in enumerate(values, start=1):
        try:
            key = base64.b64decode(value.strip(), validate=True)
        except (binascii.Error, ValueError) as error:
            raise ImproperlyConfigured(f"PRIVATE_STORAGE_MASTER_KEYS: key {position} is not base64.") from error
        if len(key) != 32:
            raise ImproperlyConfigured(
                f"PRIVATE_STORAGE_MASTER_KEYS: key {position} has {len(key)} bytes; each must be 32 "
                "(`openssl rand -base64 32`)."
            )
        keys.append(key)
    return keys


class LocalKeyWrapper:
    """Master keys from the environment: AES-256-GCM key wrap, the key id bound as associated data."""

    def __init__(self, master_keys: list[bytes]):
        if not master_keys:
            raise ImproperlyConfigured("PRIVATE_STORAGE_MASTER_KEYS is empty: private files cannot be encrypted.")
        self._keys = {master_key_id(key): key for key in master_keys}
        self.primary_key_id = master_key_id(master_keys[0])

    @classmethod
    def from_settings(cls) -> "LocalKeyWrapper":
        from django.conf import settings

        return cls(parse_master_keys(settings.PRIVATE_STORAGE_MASTER_KEYS))

    def wrap(self, data_key: bytes) -> tuple[str, bytes]:
        nonce = os.urandom(12)
        key_id = self.primary_key_id
        wrapped = AESGCM(self._keys[key_id]).encrypt(nonce, data_key, _WRAP_CONTEXT + key_id.encode())
        return key_id, nonce + wrapped

    def unwrap(self, key_id: str, wrapped: bytes) -> bytes:
        key = self._keys.get(key_id)
        if key is None:
            raise DecryptionFailed(f"master key {key_id} is not among PRIVATE_STORAGE_MASTER_KEYS")
        try:
            return AESGCM(key).decrypt(wrapped[:12], wrapped[12:], _WRAP_CONTEXT + key_id.encode())
        except InvalidTag as error:
            raise DecryptionFailed(f"the data key does not open with master key {key_id}") from error


def _nonce(index: int, last: bool) -> bytes:
    return index.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


def read_full(source, size: int) -> bytes:
    """`size` bytes from `source`, fewer only at its end (a file or socket may return short reads)."""
    parts, wanted = [], size
    while wanted:
        data = source.read(wanted)
        if not data:
            break
        parts.append(data)
        wanted -= len(data)
    return b"".join(parts)


def new_header(wrapper: KeyWrapper) -> tuple[Header, bytes]:
    data_key = AESGCM.generate_key(bit_length=256)
    key_id, wrapped = wrapper.wrap(data_key)
    return Header(key_id=key_id, wrapped_key=wrapped), data_key


def encrypted_stream(source, wrapper: KeyWrapper) -> Iterator[bytes]:
    """The encrypted file for the plaintext read from `source`: the header, then one piece per chunk."""
    header, data_key = new_header(wrapper)
    aead, associated = AESGCM(data_key), header.associated_data
    yield header.to_bytes()
    index, current = 0, read_full(source, header.chunk_size)
    while True:
        following = read_full(source, header.chunk_size) if len(current) == header.chunk_size else b""
        last = not following
        yield aead.encrypt(_nonce(index, last), current, associated)
        if last:
            return
        index, current = index + 1, following


class IteratorReader(io.RawIOBase):
    """A read-only, non-seekable file over an iterator of byte strings (what storages' `_save` reads from)."""

    def __init__(self, pieces: Iterator[bytes]):
        self._pieces = pieces
        self._buffer = b""

    def readable(self) -> bool:
        return True

    def readinto(self, target) -> int:
        while not self._buffer:
            try:
                self._buffer = next(self._pieces)
            except StopIteration:
                return 0
        size = min(len(target), len(self._buffer))
        target[:size] = self._buffer[:size]
        self._buffer = self._buffer[size:]
        return size


def encrypting_reader(source, wrapper: KeyWrapper) -> IteratorReader:
    return IteratorReader(encrypted_stream(source, wrapper))


def plaintext_size(stored_size: int, chunk_size: int = CHUNK_SIZE) -> int:
    """The plaintext's length; DecryptionFailed when no run of full chunks and one last chunk makes `stored_size`
    (a file cut inside a chunk, so that reading to its computed end would never reach the cut)."""
    body = stored_size - HEADER_SIZE
    chunks = max(1, -(-body // (chunk_size + TAG_SIZE)))
    if body - (chunks - 1) * (chunk_size + TAG_SIZE) < TAG_SIZE:
        raise DecryptionFailed("encrypted file cut inside a chunk")
    return body - chunks * TAG_SIZE


class DecryptingReader(io.RawIOBase):
    """The plaintext of an encrypted file, read chunk by chunk from `raw` (seekable, positioned anywhere).

    Seekable, with its plaintext `size`, so Django's FileResponse sends a Content-Length and only the chunks read are
    decrypted.
    """

    def __init__(self, raw, header: Header, data_key: bytes):
        self._raw, self._header = raw, header
        self._aead = AESGCM(data_key)
        raw.seek(0, io.SEEK_END)
        stored = raw.tell()
        self.size = plaintext_size(stored, header.chunk_size)
        self._chunks = max(1, -(-(stored - HEADER_SIZE) // (header.chunk_size + TAG_SIZE)))
        self._position = 0
        self._loaded: tuple[int, bytes] | None = None

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self.size}[whence]
        if base + offset < 0:
            raise ValueError("negative seek position")
        self._position = base + offset
        return self._position

    def _chunk(self, index: int) -> bytes:
        if self._loaded is not None and self._loaded[0] == index:
            return self._loaded[1]
        full = self._header.chunk_size + TAG_SIZE
        self._raw.seek(HEADER_SIZE + index * full)
        sealed = read_full(self._raw, full)
        last = index == self._chunks - 1
        try:
            plain = self._aead.decrypt(_nonce(index, last), sealed, self._header.associated_data)
        except InvalidTag as error:
            raise DecryptionFailed(f"chunk {index} was altered, cut or moved") from error
        self._loaded = (index, plain)
        return plain

    def readinto(self, target) -> int:
        if self._position >= self.size or not len(target):
            # The last chunk is authenticated even when nothing is left to read from it (an empty file).
            if self.size == 0:
                self._chunk(0)
            return 0
        # As many bytes as asked (up to the end), across chunks: callers of File.read(n) expect a full read.
        view, filled = memoryview(target), 0
        while filled < len(view) and self._position < self.size:
            index, offset = divmod(self._position, self._header.chunk_size)
            plain = self._chunk(index)[offset:]
            size = min(len(view) - filled, len(plain))
            view[filled : filled + size] = plain[:size]
            filled += size
            self._position += size
        return filled

    def close(self) -> None:
        if not self.closed:
            self._raw.close()
        super().close()
