"""Files customers upload (identity documents, the signed revocation letter): one check of what they really are.

`upload_check` is the one content check: the size, the type read from the first bytes (the name and the browser's
claim are ignored), then a full parse. Images are opened with Pillow under an explicit pixel limit
(`DOCUMENT_MAX_IMAGE_PIXELS`), so a small PNG that inflates to gigabytes is refused before it is decoded. PDFs are
parsed with pypdf and refused when they carry active content — JavaScript, actions run on opening (`/OpenAction`,
`/AA`), `/Launch`, embedded files, XFA forms — or cannot be parsed at all: staff open them in a browser.

Before any of that, `UploadLimitMiddleware` refuses an upload body too large for its view (`@upload_limited`)
without reading it: the declared Content-Length is checked first, and the bytes actually received are counted.
"""

import re
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.shortcuts import render
from django.urls import reverse
from PIL import Image, UnidentifiedImageError
from pypdf import PasswordType, PdfReader
from pypdf.errors import PyPdfError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

from .errors import DomainError

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
_SIGNATURES = ((b"%PDF-", PDF), (b"\xff\xd8\xff", JPEG), (b"\x89PNG\r\n\x1a\n", PNG))
_PILLOW_FORMATS = {JPEG: "JPEG", PNG: "PNG"}

# A scanned document is a few dozen objects, a long contract a few thousand; a file that needs more to be walked is
# refused rather than keeping a web worker busy.
PDF_MAX_OBJECTS = 200_000

# Why a PDF is refused, in the order the message lists them.
_PDF_PROBLEMS = {
    "javascript": "contém JavaScript",
    "open_action": "manda o leitor executar uma ação ao abrir o arquivo (/OpenAction)",
    "additional_actions": "tem ações automáticas, disparadas ao abrir páginas ou campos (/AA)",
    "launch": "tenta abrir outros programas ou arquivos (/Launch)",
    "embedded_file": "traz outros arquivos anexados dentro dele",
    "xfa": "é um formulário dinâmico (XFA)",
}
# Dictionary keys that carry active content wherever they appear, and the values of /S (an action's type) or /Type
# that do.
_ACTIVE_KEYS = {
    "/JS": "javascript",
    "/JavaScript": "javascript",
    "/OpenAction": "open_action",
    "/AA": "additional_actions",
    "/EmbeddedFiles": "embedded_file",
    "/EF": "embedded_file",
    "/XFA": "xfa",
}
_ACTIVE_TYPES = {"/JavaScript": "javascript", "/Launch": "launch", "/EmbeddedFile": "embedded_file"}

# What a hostile or broken file makes a parser raise, besides its own errors: a truncated stream (struct, zlib), a
# number out of range, nesting deep enough to exhaust the stack, a reference to an object of the wrong kind. The
# check fails closed: any of these is a refusal, never a 500.
_PDF_PARSE_ERRORS = (
    PyPdfError,
    ValueError,
    KeyError,
    TypeError,
    IndexError,
    AttributeError,
    ArithmeticError,
    RecursionError,
    struct.error,
    zlib.error,
)


class UploadRefused(DomainError):
    code = "upload_refused"


def human_size(size: int) -> str:
    """A byte limit as people read it: "10 MB", or "500 KB" under a megabyte."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.0f} MB"
    return f"{-(-size // 1024)} KB"


def upload_check(uploaded: UploadedFile) -> str:
    """Refuse (UploadRefused, in Portuguese) anything but a sound PDF, JPEG or PNG; return its real content type."""
    name = uploaded.name
    if not uploaded.size:
        raise UploadRefused(f"O arquivo “{name}” está vazio.", code="empty")
    if uploaded.size > settings.DOCUMENT_MAX_BYTES:
        limit = human_size(settings.DOCUMENT_MAX_BYTES)
        raise UploadRefused(f"O arquivo “{name}” passa de {limit}. Envie um arquivo menor.", code="too_large")
    uploaded.seek(0)
    head = uploaded.read(16)
    content_type = next((kind for magic, kind in _SIGNATURES if head.startswith(magic)), None)
    if content_type is None:
        raise UploadRefused(
            f"O arquivo “{name}” não é PDF, JPEG nem PNG. Envie uma foto ou um PDF do documento.", code="unknown_type"
        )
    try:
        if content_type == PDF:
            _check_pdf(uploaded)
        else:
            _check_image(uploaded, content_type)
    finally:
        uploaded.seek(0)
    return content_type


def _megapixels(pixels: int) -> str:
    return f"{pixels / 1_000_000:.0f}"


def _too_many_pixels(name: str, pixels: int | None) -> UploadRefused:
    size = f"{_megapixels(pixels)} megapixels" if pixels else "resolução acima do que conseguimos abrir"
    limit = _megapixels(settings.DOCUMENT_MAX_IMAGE_PIXELS)
    return UploadRefused(
        f"A imagem “{name}” é grande demais ({size}). Envie uma foto de até {limit} MP: a resolução normal da "
        "câmera do celular basta.",
        code="too_many_pixels",
    )


def _check_image(uploaded: UploadedFile, content_type: str) -> None:
    uploaded.seek(0)
    try:
        # Opening reads the header only; nothing is decoded before the size is known and checked.
        with Image.open(uploaded, formats=[_PILLOW_FORMATS[content_type]]) as image:
            pixels = image.width * image.height
            if pixels > settings.DOCUMENT_MAX_IMAGE_PIXELS:
                raise _too_many_pixels(uploaded.name, pixels)
            image.verify()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        # Pillow's own guard fired first (its limit is a process-wide default, above ours): same refusal. The
        # warning is an exception only where warnings are turned into errors.
        found = re.search(r"\((\d+) pixels\)", str(exc))
        raise _too_many_pixels(uploaded.name, int(found.group(1)) if found else None) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise UploadRefused(
            f"A imagem “{uploaded.name}” está corrompida. Tire a foto de novo.", code="corrupt_image"
        ) from exc


def _pdf_refused(name: str, what: str, code: str) -> UploadRefused:
    return UploadRefused(
        f"O PDF “{name}” {what}. Por segurança, não aceitamos PDFs assim: gere o arquivo de novo (abra-o e use "
        "“Imprimir” → “Salvar como PDF”) ou envie uma foto do documento.",
        code=code,
    )


def _check_pdf(uploaded: UploadedFile) -> None:
    name = uploaded.name
    # A file cut short in transit ends without its end-of-file marker.
    uploaded.seek(max(uploaded.size - 1024, 0))
    if b"%%EOF" not in uploaded.read():
        raise UploadRefused(
            f"O PDF “{name}” está incompleto ou corrompido. Gere o arquivo de novo.", code="corrupt_pdf"
        )
    uploaded.seek(0)
    try:
        reader = PdfReader(uploaded, strict=False)
        if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
            raise _pdf_refused(name, "está protegido por senha", "encrypted_pdf")
        problems = pdf_active_content(reader)
    except _PDF_PARSE_ERRORS as exc:
        raise UploadRefused(
            f"O PDF “{name}” está incompleto ou corrompido e não pôde ser lido. Gere o arquivo de novo.",
            code="corrupt_pdf",
        ) from exc
    if problems == {"too_complex"}:
        raise _pdf_refused(name, "é complexo demais para ser conferido", "complex_pdf")
    if problems:
        what = "; ".join(text for key, text in _PDF_PROBLEMS.items() if key in problems)
        raise _pdf_refused(name, what, "active_pdf")


def pdf_active_content(reader: PdfReader) -> set[str]:
    """The kinds of active content reachable from the PDF's trailer (keys of _PDF_PROBLEMS), or {"too_complex"}.

    The whole object graph is walked, not just the catalog: a viewer runs an action wherever it hangs (a page's
    /AA, an annotation's /A, a form field, a name tree). Objects nothing refers to are never run, so not walked.
    """
    found: set[str] = set()
    seen: set[tuple[int, int]] = set()
    stack: list = [reader.trailer]
    visited = 0
    while stack:
        node = stack.pop()
        if isinstance(node, IndirectObject):
            reference = (node.idnum, node.generation)
            if reference in seen:
                continue
            seen.add(reference)
            node = node.get_object()
        visited += 1
        if visited > PDF_MAX_OBJECTS:
            return {"too_complex"}
        if isinstance(node, DictionaryObject):  # streams too: their dictionary, never their content
            for key, value in dict.items(node):
                if key in _ACTIVE_KEYS:
                    found.add(_ACTIVE_KEYS[key])
                if key in ("/S", "/Type") and isinstance(value, NameObject) and value in _ACTIVE_TYPES:
                    found.add(_ACTIVE_TYPES[value])
                stack.append(value)
        elif isinstance(node, ArrayObject):
            stack.extend(node)
    return found


# --- bodies too large: refused before they are read ------------------------------------------------------------

# Room for the form's other fields and the multipart headers around the files.
FORM_OVERHEAD_BYTES = 1024 * 1024


@dataclass(frozen=True)
class UploadLimit:
    max_files: Callable[[], int]
    back: str  # the page the form is on, reversed with the upload URL's own arguments
    anchor: str

    def max_file_bytes(self) -> int:
        return self.max_files() * settings.DOCUMENT_MAX_BYTES

    def max_body_bytes(self) -> int:
        return self.max_file_bytes() + FORM_OVERHEAD_BYTES


def upload_limited(*, back: str, anchor: str = "", max_files: Callable[[], int] = lambda: 1):
    """Mark an upload view: `UploadLimitMiddleware` refuses a body above its files' limit before it is read."""

    def decorator(view):
        view.upload_limit = UploadLimit(max_files=max_files, back=back, anchor=anchor)
        return view

    return decorator


class UploadByteCounter(FileUploadHandler):
    """Counts the file bytes actually received, whatever the request declared, and stops the upload past the limit.

    First in the chain of upload handlers: it passes every chunk on to Django's own (memory or temporary file).
    """

    def __init__(self, limit: int, request=None):
        super().__init__(request)
        self.limit = limit
        self.received = 0
        self.exceeded = False

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.limit:
            self.exceeded = True
            # connection_reset: the parser stops reading here instead of draining the rest of the body.
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size):
        return None  # the next handler builds the file


class UploadLimitMiddleware:
    """Refuse upload bodies that are too large before anything reads them (placed before CsrfViewMiddleware).

    A Content-Length above the view's limit is a 413 at once, the body unread. A body without Content-Length
    (chunked) is a 411: Django's multipart parser reads exactly Content-Length bytes, so such a body would silently
    arrive empty. Otherwise the body is parsed here, through `UploadByteCounter`, and a 413 stops it at the limit;
    the view then never sees a partial upload.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        limit: UploadLimit | None = getattr(view_func, "upload_limit", None)
        if limit is None or request.method != "POST":
            return None
        declared = request.META.get("CONTENT_LENGTH") or ""
        if not declared.strip():
            if "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower():
                return _refusal(
                    request,
                    limit,
                    view_kwargs,
                    status=411,
                    message="O envio chegou sem o tamanho declarado e foi recusado sem ser lido. Envie os arquivos "
                    "de novo pelo formulário da página.",
                )
            return None
        try:
            length = int(declared)
        except ValueError:
            return None  # Django reads nothing of a body whose length it cannot read either
        if length > limit.max_body_bytes():
            return _refusal(request, limit, view_kwargs, status=413, message=_too_large_message(limit))
        counter = UploadByteCounter(limit.max_file_bytes(), request)
        request.upload_handlers.insert(0, counter)
        request.POST  # noqa: B018 (parse now, through the counter, before the CSRF check and the view read it)
        if counter.exceeded:
            return _refusal(request, limit, view_kwargs, status=413, message=_too_large_message(limit))
        return None


def _too_large_message(limit: UploadLimit) -> str:
    per_file = human_size(settings.DOCUMENT_MAX_BYTES)
    files = limit.max_files()
    allowed = f"até {files} arquivos de até {per_file} cada" if files > 1 else f"um arquivo de até {per_file}"
    return f"O envio é grande demais e foi recusado antes de ser recebido: nada foi salvo. Envie {allowed}."


def _refusal(request, limit: UploadLimit, view_kwargs, *, status: int, message: str):
    back = reverse(limit.back, kwargs=view_kwargs) + (f"#{limit.anchor}" if limit.anchor else "")
    response = render(request, "upload_refused.html", {"message": message, "back": back}, status=status)
    response["Cache-Control"] = "no-store"
    return response
