"""The holder's term on the order page: the PDF, its digest, and the acceptance with its evidence."""

import hashlib
import io
import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from orders.models import HolderTerm, Order
from orders.term_pdf import TERM_VERSION
from tecnosign.audit.models import AuditEvent

from .factories import CnpjProductFactory, OrderFactory

pytestmark = pytest.mark.django_db

DIGEST = re.compile(r'name="sha256" value="([0-9a-f]{64})"')


@pytest.fixture
def private_storage(settings):
    return Path(settings.STORAGES["private"]["OPTIONS"]["location"])


def _text(pdf: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def _offered_digest(page, order) -> str:
    return DIGEST.search(page.get(f"/pedido/{order.number}/").text).group(1)


def test_after_payment_the_order_page_offers_the_term_and_the_digest_of_that_very_pdf(customer):
    # given a paid order
    order = OrderFactory(status=Order.Status.PAID)
    page = customer(order)

    # when the holder opens the order page and the term
    html = page.get(f"/pedido/{order.number}/").text
    pdf = page.get(f"/pedido/{order.number}/termo.pdf")

    # then the page asks for the acceptance before the videoconference, and offers the PDF's own digest
    assert "Termo de titularidade e responsabilidade" in html and "Aceitar o termo" in html
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf["Cache-Control"].startswith("max-age=0") or "no-store" in pdf["Cache-Control"]
    assert DIGEST.search(html).group(1) == hashlib.sha256(pdf.content).hexdigest()
    # the same order gives the same bytes (the digest is what is accepted)
    assert page.get(f"/pedido/{order.number}/termo.pdf").content == pdf.content
    text = _text(pdf.content)
    expected = [
        "Termo de Titularidade e Responsabilidade",
        order.person_name,
        "529.982.247-25",
        order.number,
        order.product.name,
        "Deveres do titular",
        "A senha de revogação",
        TERM_VERSION,
    ]
    assert [piece for piece in expected if piece not in text] == []


def test_the_term_of_an_e_cnpj_names_the_company_and_its_legal_representative(customer):
    order = OrderFactory(
        status=Order.Status.PAID, product=CnpjProductFactory(), cnpj="11222333000181", company_name="Padaria Ltda"
    )

    text = _text(customer(order).get(f"/pedido/{order.number}/termo.pdf").content)

    assert "Padaria Ltda" in text and "11.222.333/0001-81" in text and "representante legal" in text


def test_the_holder_accepts_and_the_evidence_is_kept(customer, private_storage):
    # given a paid order and its page
    order = OrderFactory(status=Order.Status.PAID)
    page = customer(order)
    digest = _offered_digest(page, order)

    # when the holder ticks the acceptance and sends it
    response = page.post(
        f"/pedido/{order.number}/termo/",
        {"sha256": digest, "accept": "on"},
        HTTP_USER_AGENT="Mozilla/5.0 (Teste)",
        REMOTE_ADDR="203.0.113.9",
        follow=True,
    )

    # then the acceptance is stored with time, IP, browser, version and digest, the PDF kept privately, audited
    assert "Termo aceito" in response.text and "Você aceitou o termo em" in response.text
    term = HolderTerm.objects.get(order=order)
    assert (term.sha256, term.version, term.ip, term.user_agent) == (
        digest,
        TERM_VERSION,
        "203.0.113.9",
        "Mozilla/5.0 (Teste)",
    )
    # kept encrypted on disk (the private storage encrypts at rest); read back through the storage, it is the PDF
    assert (private_storage / term.file.name).exists()
    with term.file.open("rb") as kept:
        assert hashlib.sha256(kept.read()).hexdigest() == digest
    assert order.number not in term.file.name and term.file.name.startswith("terms/")
    event = AuditEvent.objects.get(action="term.accepted")
    assert event.object_id == str(order.pk) and event.ip == "203.0.113.9"
    assert event.after["sha256"] == digest and event.after["version"] == TERM_VERSION
    # the accepted term is the one served from then on
    assert hashlib.sha256(page.get(f"/pedido/{order.number}/termo.pdf").content).hexdigest() == digest


def test_accepting_twice_keeps_the_first_acceptance(customer):
    order = OrderFactory(status=Order.Status.SCHEDULED)
    page = customer(order)
    digest = _offered_digest(page, order)
    page.post(f"/pedido/{order.number}/termo/", {"sha256": digest, "accept": "on"}, REMOTE_ADDR="203.0.113.1")
    first = HolderTerm.objects.get(order=order)

    page.post(f"/pedido/{order.number}/termo/", {"sha256": digest, "accept": "on"}, REMOTE_ADDR="203.0.113.2")

    assert list(HolderTerm.objects.filter(order=order)) == [first]
    assert HolderTerm.objects.get(order=order).ip == "203.0.113.1"
    assert AuditEvent.objects.filter(action="term.accepted").count() == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"sha256": "0" * 64, "accept": "on"}, "O termo foi atualizado"),
        ({"sha256": "", "accept": "on"}, "Este campo é obrigatório"),
        ({"accept": "on"}, "Este campo é obrigatório"),
    ],
)
def test_a_term_other_than_the_one_offered_is_not_accepted(customer, private_storage, data, message):
    # given a paid order
    order = OrderFactory(status=Order.Status.PAID)
    page = customer(order)
    files_before = {path for path in private_storage.rglob("*") if path.is_file()}

    # when the acceptance names another digest (or none)
    response = page.post(f"/pedido/{order.number}/termo/", data, follow=True)

    # then it is refused with a message, and nothing is written
    assert message in response.text
    assert not HolderTerm.objects.exists() and not AuditEvent.objects.filter(action="term.accepted").exists()
    assert {path for path in private_storage.rglob("*") if path.is_file()} == files_before


def test_without_ticking_the_box_nothing_is_accepted(customer):
    order = OrderFactory(status=Order.Status.PAID)
    page = customer(order)

    response = page.post(f"/pedido/{order.number}/termo/", {"sha256": _offered_digest(page, order)}, follow=True)

    assert "leia o termo e marque que o aceita" in response.text
    assert not HolderTerm.objects.exists()


def test_before_payment_the_term_cannot_be_accepted(customer):
    order = OrderFactory(status=Order.Status.AWAITING_PAYMENT)
    page = customer(order)
    digest = hashlib.sha256(page.get(f"/pedido/{order.number}/termo.pdf").content).hexdigest()

    response = page.post(f"/pedido/{order.number}/termo/", {"sha256": digest, "accept": "on"}, follow=True)

    assert "não pode ser aceito agora" in response.text
    assert "Aceitar o termo" not in response.text
    assert not HolderTerm.objects.exists()


def test_someone_without_access_to_the_order_accepts_nothing(client):
    # given a paid order and a browser that never proved it may see it
    order = OrderFactory(status=Order.Status.PAID)

    # when it posts the acceptance and asks for the PDF
    accepted = client.post(f"/pedido/{order.number}/termo/", {"sha256": "0" * 64, "accept": "on"})
    pdf = client.get(f"/pedido/{order.number}/termo.pdf")

    # then both send it to the look-up page, and nothing is written
    assert accepted.status_code == 302 and accepted["Location"] == "/pedido/"
    assert pdf.status_code == 302 and pdf["Location"] == "/pedido/"
    assert not HolderTerm.objects.exists()
