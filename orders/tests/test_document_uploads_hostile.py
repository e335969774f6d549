"""Hostile uploads on the order page, as the security probe sent them: refused in Portuguese, nothing saved."""

import stat
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

from orders.models import Document, Order
from tecnosign.audit.models import AuditEvent

from .factories import OrderFactory
from .files import CountingStream, active_pdf, bomb_png, clean_pdf, jpeg_bytes, png_bytes

pytestmark = pytest.mark.django_db
HUNDRED_MB = 100 * 1024 * 1024


@pytest.fixture
def private_storage(settings):
    return Path(settings.STORAGES["private"]["OPTIONS"]["location"])


def stored_files(root: Path) -> set[Path]:
    return {path for path in root.rglob("*") if path.is_file()}


def upload(page, order, *files, follow=True, **extra):
    data = {"kind": "identity", "identity_type": "cnh", "files": list(files)}
    return page.post(f"/pedido/{order.number}/documentos/", data, follow=follow, **extra)


def assert_nothing_saved(order, private_storage, files_before):
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert not Document.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="document.").exists()
    assert stored_files(private_storage) == files_before


def multipart(order_files) -> bytes:
    return encode_multipart(BOUNDARY, {"kind": "identity", "identity_type": "cnh", "files": order_files})


@pytest.mark.parametrize(
    ("size", "megapixels"),
    [
        ((20_000, 10_000), "200"),  # past Pillow's own limit: DecompressionBombError
        pytest.param(
            (12_000, 10_000),
            "120",
            marks=pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning"),
            id="pillow-only-warns",  # Pillow only warns (DecompressionBombWarning): our limit refuses it
        ),
        pytest.param(
            (12_000, 10_000),
            "120",
            marks=pytest.mark.filterwarnings("error::PIL.Image.DecompressionBombWarning"),
            id="warning-as-error",
        ),
        ((9_000, 9_000), "81"),  # under Pillow's limits, over ours (70 MP)
    ],
)
def test_a_decompression_bomb_png_is_refused_in_portuguese(customer, private_storage, size, megapixels):
    order = OrderFactory(status=Order.Status.PAID)
    before = stored_files(private_storage)
    bomb = bomb_png(*size)
    assert len(bomb) < 100_000  # small on the wire, enormous once decoded

    response = upload(customer(order), order, SimpleUploadedFile("rg.png", bomb, "image/png"))

    # The order page again, the refusal next to the file field (not a banner after a redirect).
    assert response.status_code == 400 and not response.redirect_chain
    assert 'aria-invalid="true"' in response.text and 'id="id_files_error"' in response.text
    assert f"A imagem “rg.png” é grande demais ({megapixels} megapixels). Envie uma foto de até 70 MP" in response.text
    assert_nothing_saved(order, private_storage, before)


def test_twenty_files_in_one_upload_are_refused_and_none_is_saved(customer, private_storage):
    order = OrderFactory(status=Order.Status.PAID)
    before = stored_files(private_storage)
    files = [SimpleUploadedFile(f"pagina-{n}.jpg", jpeg_bytes(), "image/jpeg") for n in range(20)]

    response = upload(customer(order), order, *files)

    assert "Envie no máximo 5 arquivos de cada vez (você escolheu 20). Nenhum arquivo foi salvo" in response.text
    assert_nothing_saved(order, private_storage, before)


@pytest.mark.parametrize(
    ("kind", "reasons"),
    [
        ("open_action_javascript", ["contém JavaScript", "ao abrir o arquivo (/OpenAction)"]),
        ("names_javascript", ["contém JavaScript"]),
        ("page_additional_actions", ["contém JavaScript", "ações automáticas", "(/AA)"]),
        ("launch", ["tenta abrir outros programas ou arquivos (/Launch)"]),
        ("embedded_file", ["traz outros arquivos anexados dentro dele"]),
        ("xfa", ["é um formulário dinâmico (XFA)"]),
        ("encrypted", ["está protegido por senha"]),
    ],
)
def test_a_pdf_with_active_content_is_refused(customer, private_storage, kind, reasons):
    order = OrderFactory(status=Order.Status.PAID)
    before = stored_files(private_storage)

    response = upload(customer(order), order, SimpleUploadedFile("cnh.pdf", active_pdf(kind), "application/pdf"))

    assert "O PDF “cnh.pdf” " in response.text
    for reason in reasons:
        assert reason in response.text
    assert "Por segurança, não aceitamos PDFs assim" in response.text
    assert_nothing_saved(order, private_storage, before)


def test_a_pdf_that_cannot_be_parsed_is_refused(customer, private_storage):
    order = OrderFactory(status=Order.Status.PAID)
    before = stored_files(private_storage)
    broken = b"%PDF-1.7\n1 0 obj<</Type/Catalog/Pages 9 0 R>>\n" + b"\x00garbage" * 200 + b"\n%%EOF\n"

    response = upload(customer(order), order, SimpleUploadedFile("cnh.pdf", broken, "application/pdf"))

    assert "O PDF “cnh.pdf” está incompleto ou corrompido e não pôde ser lido" in response.text
    assert_nothing_saved(order, private_storage, before)


def test_a_clean_pdf_a_png_and_a_jpeg_are_still_accepted(customer, private_storage):
    order = OrderFactory(status=Order.Status.PAID)

    response = upload(
        customer(order),
        order,
        SimpleUploadedFile("cnh.pdf", clean_pdf(pages=2), "application/pdf"),
        SimpleUploadedFile("frente.png", png_bytes((1200, 800)), "image/png"),
        SimpleUploadedFile("verso.jpg", jpeg_bytes((4000, 3000)), "image/jpeg"),  # a 12 MP phone photo
    )

    assert "Recebemos: cnh.pdf, frente.png, verso.jpg." in response.text
    order.refresh_from_db()
    assert order.status == Order.Status.DOCUMENTS_RECEIVED
    assert sorted(Document.objects.values_list("content_type", flat=True)) == [
        "application/pdf",
        "image/jpeg",
        "image/png",
    ]


def test_a_100_mb_body_is_refused_before_it_is_read(customer, private_storage):
    order = OrderFactory(status=Order.Status.PAID)
    page = customer(order)
    before = stored_files(private_storage)
    body = CountingStream(multipart([SimpleUploadedFile("rg.pdf", clean_pdf(), "application/pdf")]))

    response = page.post(
        f"/pedido/{order.number}/documentos/",
        content_type=MULTIPART_CONTENT,
        **{"wsgi.input": body, "CONTENT_LENGTH": str(HUNDRED_MB)},
    )

    assert response.status_code == 413
    assert body.bytes_read == 0
    assert "O envio é grande demais e foi recusado antes de ser recebido: nada foi salvo" in response.text
    assert "Envie até 5 arquivos de até 10 MB cada." in response.text
    assert f'href="/pedido/{order.number}/#documentos"' in response.text
    assert_nothing_saved(order, private_storage, before)


def test_a_chunked_body_without_length_is_refused_unread(customer, private_storage):
    order = OrderFactory(status=Order.Status.PAID)
    page = customer(order)
    before = stored_files(private_storage)
    body = CountingStream(multipart([SimpleUploadedFile("rg.pdf", clean_pdf(), "application/pdf")]))

    response = page.post(
        f"/pedido/{order.number}/documentos/",
        content_type=MULTIPART_CONTENT,
        **{"wsgi.input": body, "CONTENT_LENGTH": "", "HTTP_TRANSFER_ENCODING": "chunked"},
    )

    assert response.status_code == 411 and body.bytes_read == 0
    assert "sem o tamanho declarado e foi recusado sem ser lido" in response.text
    assert_nothing_saved(order, private_storage, before)


def test_file_bytes_past_the_limit_are_counted_and_stop_the_upload(customer, private_storage, settings):
    # A body whose declared length passes (the form's allowance for other fields) but whose files do not.
    settings.DOCUMENT_MAX_BYTES = 1000
    settings.DOCUMENT_MAX_FILES_PER_UPLOAD = 2
    order = OrderFactory(status=Order.Status.PAID)
    before = stored_files(private_storage)
    files = [SimpleUploadedFile(f"p{n}.pdf", b"%PDF-1.4\n" + b"0" * 990, "application/pdf") for n in range(3)]

    response = upload(customer(order), order, *files, follow=False)

    assert response.status_code == 413
    assert "O envio é grande demais" in response.text and "Envie até 2 arquivos de até 1 KB cada." in response.text
    assert_nothing_saved(order, private_storage, before)


def test_new_upload_folders_are_0700_and_files_0600(customer, private_storage):
    # In a month no other test uploads in, so the folders are created by this upload.
    with time_machine.travel(datetime(2031, 5, 6, 10, 0, tzinfo=ZoneInfo("America/Sao_Paulo")), tick=False):
        order = OrderFactory(status=Order.Status.PAID)
        upload(customer(order), order, SimpleUploadedFile("rg.pdf", clean_pdf(), "application/pdf"))

    document = Document.objects.get()
    path = private_storage / document.file.name
    assert path.parent == private_storage / "documents" / "2031" / "05"
    for folder in (private_storage / "documents" / "2031", path.parent):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
