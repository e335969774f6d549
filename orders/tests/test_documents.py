"""Uploading identity documents from the order page, and who may see them."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from orders.models import Document, Order
from orders.services.retention import retention_run
from tecnosign.audit.models import AuditEvent
from tecnosign.filecrypto import MAGIC
from tecnosign.tests.auth import staff_login

from .factories import CnpjProductFactory, OrderFactory, UserFactory
from .files import clean_pdf, jpeg_bytes

pytestmark = pytest.mark.django_db

PDF = clean_pdf()


@pytest.fixture
def private_storage(settings):
    return Path(settings.STORAGES["private"]["OPTIONS"]["location"])


def stored_files(root: Path) -> set[Path]:
    return {path for path in root.rglob("*") if path.is_file()}


def upload(page, order, *files, kind="identity", identity_type="cnh", replaces=None):
    data = {"kind": kind, "identity_type": identity_type, "files": list(files)}
    if replaces:
        data["replaces"] = replaces
    return page.post(f"/pedido/{order.number}/documentos/", data, follow=True)


def test_a_pdf_and_a_jpeg_complete_the_documents(customer, private_storage):
    order = OrderFactory(status=Order.Status.PAID)
    page = customer(order)

    response = upload(
        page,
        order,
        SimpleUploadedFile("cnh-frente.pdf", PDF, "application/pdf"),
        SimpleUploadedFile("cnh verso.JPG", jpeg_bytes(), "image/jpeg"),
    )

    assert "Recebemos: cnh-frente.pdf, cnh verso.JPG." in response.text
    order.refresh_from_db()
    assert order.status == Order.Status.DOCUMENTS_RECEIVED
    documents = list(order.documents.order_by("id"))
    assert [d.content_type for d in documents] == ["application/pdf", "image/jpeg"]
    for document in documents:
        assert "cnh" not in document.file.name and document.file.name.startswith("documents/")
        # Encrypted at rest: ciphertext on the disk, the original through the storage (test_encryption_at_rest.py).
        assert (private_storage / document.file.name).read_bytes()[:8] == MAGIC
        with document.file.open("rb") as stored:
            assert stored.read(4) in (b"%PDF", b"\xff\xd8\xff\xe0")
    assert "cnh-frente.pdf" in page.get(f"/pedido/{order.number}/").text


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("documento.pdf", b"MZ\x90\x00\x03" + b"\x00" * 200, "não é PDF, JPEG nem PNG"),
        ("foto.jpg", b"", "está vazio"),
        ("grande.pdf", b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024) + b"%%EOF", "passa de 10 MB"),
        ("quebrado.png", b"\x89PNG\r\n\x1a\n" + b"lixo" * 20, "está corrompida"),
        ("cortado.pdf", b"%PDF-1.4\n" + b"x" * 2000, "incompleto ou corrompido"),
    ],
    ids=["renamed-executable", "empty", "oversize", "corrupt-png", "truncated-pdf"],
)
def test_refused_files_get_a_message_and_change_nothing(customer, name, content, message, private_storage):
    order = OrderFactory(status=Order.Status.PAID)
    before = stored_files(private_storage)

    response = upload(customer(order), order, SimpleUploadedFile(name, content, "application/pdf"))

    assert message in response.text
    order.refresh_from_db()
    assert order.status == Order.Status.PAID and not Document.objects.exists()
    assert stored_files(private_storage) == before


def test_ecnpj_needs_the_company_articles_too(customer):
    order = OrderFactory(
        status=Order.Status.PAID, product=CnpjProductFactory(), cnpj="11222333000181", company_name="Padaria Ltda"
    )
    page = customer(order)

    upload(page, order, SimpleUploadedFile("rg.pdf", PDF))
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert "Contrato social" in page.get(f"/pedido/{order.number}/").text

    upload(page, order, SimpleUploadedFile("contrato.pdf", PDF), kind="company_articles", identity_type="")
    order.refresh_from_db()
    assert order.status == Order.Status.DOCUMENTS_RECEIVED


def test_replacing_a_file_keeps_the_old_one_in_the_audit_trail(customer):
    order = OrderFactory(status=Order.Status.PAID)
    page = customer(order)
    upload(page, order, SimpleUploadedFile("borrado.jpg", jpeg_bytes()))
    old = Document.objects.get()

    upload(page, order, SimpleUploadedFile("nitido.jpg", jpeg_bytes()), replaces=old.pk)

    old.refresh_from_db()
    assert old.superseded_at is not None and old.file  # kept, out of the dossier
    current = order.documents.filter(superseded_at__isnull=True).get()
    assert current.original_name == "nitido.jpg"
    event = AuditEvent.objects.get(action="document.replaced")
    assert event.before["document"] == old.pk and event.after["document"] == current.pk
    assert "borrado.jpg" not in page.get(f"/pedido/{order.number}/").text


def test_identity_type_is_required_and_unpaid_orders_take_no_documents(customer):
    paid = OrderFactory(status=Order.Status.PAID)
    response = upload(customer(paid), paid, SimpleUploadedFile("rg.pdf", PDF), identity_type="")
    assert "Informe qual é o documento de identidade." in response.text

    unpaid = OrderFactory()
    response = upload(customer(unpaid), unpaid, SimpleUploadedFile("rg.pdf", PDF))
    assert "não é possível enviar documentos agora" in response.text
    assert not Document.objects.exists()


def test_only_authorised_staff_see_the_file(client, customer, admin_client):
    order = OrderFactory(status=Order.Status.PAID)
    upload(customer(order), order, SimpleUploadedFile("rg.pdf", PDF))
    document = Document.objects.get()
    url = f"/retaguarda/documentos/{document.public_id}/arquivo/"

    assert client.get(url).status_code == 302  # the customer's own session: to the admin login
    staff_without_permission = UserFactory(username="estagiario", is_staff=True)
    staff_login(client, staff_without_permission)
    assert client.get(url).status_code == 403
    assert not AuditEvent.objects.filter(action="document.viewed").exists()

    response = admin_client.get(url)  # a superuser sees every order's documents, audited
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf" and response["Cache-Control"] == "private, no-store"
    viewed = AuditEvent.objects.get(action="document.viewed")
    assert viewed.after == {"document": document.pk, "superuser": True} and viewed.object_id == str(order.pk)
    assert "/media/" not in str(document.file.name)
    with pytest.raises(ValueError, match="not accessible via a URL"):
        document.file.url  # noqa: B018 (the storage must refuse to build a public URL)


def test_the_file_url_carries_a_random_identifier_and_the_old_pk_form_is_gone(customer, admin_client):
    # given two documents uploaded one after the other
    order = OrderFactory(status=Order.Status.PAID)
    upload(customer(order), order, SimpleUploadedFile("rg.pdf", PDF), SimpleUploadedFile("rg2.pdf", PDF))
    first, second = order.documents.order_by("pk")

    # when a superuser tries the sequential form of the URL, and the order's admin page
    by_pk = admin_client.get(f"/retaguarda/documentos/{first.pk}/arquivo/")
    page = admin_client.get(f"/admin/orders/order/{order.pk}/change/")

    # then the pk form does not exist, and the links carry 128-bit random identifiers, not counting up
    assert by_pk.status_code == 404
    assert first.public_id.version == 4 and first.public_id != second.public_id
    assert f"/retaguarda/documentos/{first.public_id}/arquivo/" in page.text
    assert f"/retaguarda/documentos/{first.pk}/" not in page.text
    assert not AuditEvent.objects.filter(action="document.viewed").exists()


def test_retention_purges_only_orders_that_never_reached_issuance(customer, private_storage):
    cancelled = OrderFactory(status=Order.Status.PAID)
    issued = OrderFactory(status=Order.Status.PAID)
    for order in (cancelled, issued):
        upload(customer(order), order, SimpleUploadedFile("rg.pdf", PDF))
    long_ago = timezone.now() - timedelta(days=91)
    Order.objects.filter(pk=cancelled.pk).update(status=Order.Status.CANCELLED, status_changed_at=long_ago)
    Order.objects.filter(pk=issued.pk).update(status=Order.Status.ISSUED, status_changed_at=long_ago)

    assert retention_run() == 1

    gone = cancelled.documents.get()
    kept = issued.documents.get()
    gone_path = private_storage / AuditEvent.objects.get(action="document.purged").before["file"]
    assert gone.purged_at and not gone.file and not gone_path.exists()
    assert kept.purged_at is None and (private_storage / kept.file.name).exists()
    assert AuditEvent.objects.filter(action="document.purged", object_id=str(cancelled.pk)).count() == 1
    assert retention_run() == 0
