"""Identity documents on S3 (PRIVATE_STORAGE=s3), against a local S3 server: uploaded through the order page, kept as
private, server-side-encrypted objects of ciphertext, read back in clear only through the authorised view."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from orders.models import Document, Order
from tecnosign.tests.s3 import assert_private_and_encrypted

from .factories import OrderFactory
from .files import clean_pdf, jpeg_bytes

pytestmark = pytest.mark.django_db

PDF = clean_pdf()


def test_uploaded_documents_land_in_the_bucket_private_and_encrypted(customer, admin_client, s3_private_storage):
    order = OrderFactory(status=Order.Status.PAID)
    page = customer(order)
    jpeg = jpeg_bytes()

    response = page.post(
        f"/pedido/{order.number}/documentos/",
        {
            "kind": "identity",
            "identity_type": "cnh",
            "files": [SimpleUploadedFile("cnh.pdf", PDF, "application/pdf"), SimpleUploadedFile("v.jpg", jpeg)],
        },
        follow=True,
    )

    assert "Recebemos: cnh.pdf, v.jpg." in response.text
    order.refresh_from_db()
    assert order.status == Order.Status.DOCUMENTS_RECEIVED
    documents = list(order.documents.order_by("id"))
    assert s3_private_storage.object_keys() == {document.file.name for document in documents}
    for document, original in zip(documents, (PDF, jpeg), strict=True):
        stored = assert_private_and_encrypted(s3_private_storage, document.file.name)
        assert original[:64] not in stored
        served = admin_client.get(f"/retaguarda/documentos/{document.public_id}/arquivo/")
        assert served.status_code == 200 and served.streaming
        assert b"".join(served.streaming_content) == original
        assert served["Cache-Control"] == "private, no-store"
    with pytest.raises(ValueError, match="not accessible via a URL"):
        documents[0].file.url  # noqa: B018 (no URL of any kind for a private file)


def test_a_refused_upload_puts_nothing_in_the_bucket(customer, s3_private_storage):
    order = OrderFactory(status=Order.Status.PAID)

    response = customer(order).post(
        f"/pedido/{order.number}/documentos/",
        {"kind": "identity", "identity_type": "cnh", "files": [SimpleUploadedFile("x.pdf", b"MZ\x90\x00" * 50)]},
        follow=True,
    )

    assert "não é PDF, JPEG nem PNG" in response.text
    assert not Document.objects.exists() and s3_private_storage.object_keys() == set()
