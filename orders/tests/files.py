"""Files to upload in tests: sound ones, and the hostile ones a probe sends (bombs, PDFs with active content)."""

import io
import struct
import zlib

from PIL import Image
from pypdf import PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject


def jpeg_bytes(size=(64, 40)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 180, 160)).save(buffer, format="JPEG")
    return buffer.getvalue()


def png_bytes(size=(40, 60)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "white").save(buffer, format="PNG")
    return buffer.getvalue()


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def bomb_png(width: int = 20_000, height: int = 10_000) -> bytes:
    """A real decompression bomb: a 1-bit black image of width × height, about 24 KB that inflate to 25 MB of rows
    (and to 200 MB once Pillow decodes it to one byte a pixel)."""
    rows = zlib.compress(b"\x00" * ((width // 8 + 1) * height), 9)
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # bit depth 1, greyscale
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", rows) + _png_chunk(b"IEND", b"")


def _pdf(writer: PdfWriter) -> bytes:
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def clean_pdf(pages: int = 1) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(595, 842)
    return _pdf(writer)


def _javascript(code: str) -> DictionaryObject:
    return DictionaryObject({NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject(code)})


def active_pdf(kind: str) -> bytes:
    """A one-page PDF carrying one kind of active content, as an attacker builds it."""
    writer = PdfWriter()
    page = writer.add_blank_page(595, 842)
    root = writer.root_object
    if kind == "open_action_javascript":
        root[NameObject("/OpenAction")] = writer._add_object(_javascript("app.alert('TecnoSign');"))
    elif kind == "names_javascript":
        from pypdf.actions import JavaScript

        writer.add_open_action(JavaScript("this.print({bUI: false});"))
    elif kind == "page_additional_actions":
        page[NameObject("/AA")] = DictionaryObject({NameObject("/O"): _javascript("this.submitForm('x');")})
    elif kind == "launch":
        root[NameObject("/OpenAction")] = DictionaryObject(
            {NameObject("/S"): NameObject("/Launch"), NameObject("/F"): TextStringObject("cmd.exe")}
        )
    elif kind == "embedded_file":
        writer.add_attachment("leia-me.exe", b"MZ\x90\x00")
    elif kind == "xfa":
        root[NameObject("/AcroForm")] = DictionaryObject(
            {NameObject("/Fields"): ArrayObject(), NameObject("/XFA"): TextStringObject("<xdp:xdp/>")}
        )
    elif kind == "encrypted":
        writer.encrypt(user_password="segredo", owner_password="segredo", algorithm="AES-128")
    else:
        raise ValueError(kind)
    return _pdf(writer)


class CountingStream:
    """The request body as the server hands it to Django, counting every byte read from it."""

    def __init__(self, data: bytes):
        self._data = io.BytesIO(data)
        self.bytes_read = 0

    def read(self, size=-1):
        chunk = self._data.read(size)
        self.bytes_read += len(chunk)
        return chunk

    def readline(self, size=-1):
        line = self._data.readline(size)
        self.bytes_read += len(line)
        return line
