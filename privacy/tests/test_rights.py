"""The holder's LGPD rights from the order page (privacy app): a copy of their data and nobody else's, the contact
corrected through both e-mails, deletion that leaves exactly what the retention rules name; staff see the requests
with their deadlines; the privacy notice is versioned with the consent."""

import io
import json
import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.test import Client
from django.utils import timezone
from pypdf import PdfReader

from orders.models import Document, HolderLink, Order, Payment
from orders.tests.factories import OrderFactory, UserFactory, valid_cpf
from orders.tests.files import clean_pdf
from privacy.models import PrivacyRequest
from revocation.tests.helpers import issue_a1
from tecnosign.audit.models import AuditEvent
from tecnosign.notifications.models import OutboxMessage
from tecnosign.notifications.services import notify
from tecnosign.tests.auth import staff_login

pytestmark = pytest.mark.django_db

BRT = ZoneInfo("America/Sao_Paulo")
MARIA_CPF, OTHER_CPF = valid_cpf(501), valid_cpf(502)
MARIA = {"person_name": "Maria Titular", "person_cpf": MARIA_CPF, "email": "maria@exemplo.com.br"}


def request_right(client, order: Order, kind: str, **fields):
    return client.post(
        f"/pedido/{order.number}/privacidade/", {f"{kind}-kind": kind, **{f"{kind}-{k}": v for k, v in fields.items()}}
    )


def e_mailed_link(to: str) -> str:
    message = OutboxMessage.objects.filter(kind="privacy_confirmation", recipient=to).latest("pk")
    return re.search(r"http://testserver(/privacidade/confirmar/[^/\s]+/)", message.body_text).group(1)


def confirm(client, to: str):
    link = e_mailed_link(to)
    page = client.get(link)
    assert page.status_code == 200 and "Confirmar" in page.text
    return client.post(link)


def with_document(order: Order) -> Document:
    document = Document(
        order=order,
        kind=Document.Kind.IDENTITY,
        identity_type=Document.IdentityType.RG,
        original_name="rg.pdf",
        content_type="application/pdf",
        size=100,
        sha256="0" * 64,
    )
    document.file.save("rg.pdf", ContentFile(clean_pdf()), save=False)
    document.save()
    return document


def with_message(order: Order, key: str) -> OutboxMessage:
    message = notify("order_created", to=order.email, key=key, obj=order, context={"order": order})
    OutboxMessage.objects.filter(pk=message.pk).update(status=OutboxMessage.Status.SENT, sent_at=timezone.now())
    return message


def test_the_copy_has_the_holders_data_and_nobody_elses(customer):
    # Given Maria's two orders (one paid, with a document), an order with her CPF under another e-mail (anyone can type
    # a CPF at checkout), another person's order under her e-mail, and her session on the first order's page
    paid = OrderFactory(status=Order.Status.PAID, **MARIA)
    Payment.objects.create(
        order=paid, method="pix", gateway="sandbox", amount=paid.price, status="paid", paid_at=timezone.now()
    )
    with_document(paid)
    with_message(paid, "privacy-test:1")
    second = OrderFactory(**MARIA)
    impostor = OrderFactory(person_cpf=MARIA_CPF, person_name="Maria Titular", email="golpe@exemplo.com.br")
    relative = OrderFactory(person_cpf=OTHER_CPF, person_name="Joana Parente", email=MARIA["email"])
    page = customer(paid)

    # When she asks for a copy, confirms by the link e-mailed to her, and downloads both formats
    asked = request_right(page, paid, "export")
    before_confirmation = PrivacyRequest.objects.get()
    done = confirm(page, MARIA["email"])
    result = page.get(done["Location"])
    exported = page.get(f"/privacidade/solicitacoes/{before_confirmation.public_id}/dados.json")
    pdf = page.get(f"/privacidade/solicitacoes/{before_confirmation.public_id}/dados.pdf")

    # Then the request waited for the e-mail, and the copy has her two orders and nothing of the others
    assert asked.status_code == 200 and "Confirme pelo e-mail" in asked.text
    assert before_confirmation.status == PrivacyRequest.Status.AWAITING_CONFIRMATION
    assert result.status_code == 200 and "Baixar em PDF" in result.text
    data = json.loads(exported.content)
    assert exported["Content-Type"] == "application/json" and "no-store" in exported["Cache-Control"]
    assert [order["numero"] for order in data["pedidos"]] == [paid.number, second.number]
    assert {order["titular"]["cpf"] for order in data["pedidos"]} == {MARIA_CPF}
    first = data["pedidos"][0]
    assert first["pagamentos"][0]["situacao"] == "Pago" and first["documentos"][0]["arquivo"] == "rg.pdf"
    assert first["mensagens_enviadas"][0]["assunto"].startswith(f"Pedido {paid.number}")
    assert first["consentimento_lgpd"]["versao"] == paid.lgpd_consent_version
    text = exported.content.decode()
    for stranger in (impostor.number, relative.number, OTHER_CPF, "golpe@exemplo.com.br", "Joana Parente"):
        assert stranger not in text
    pdf_text = "".join(page_.extract_text() for page_ in PdfReader(io.BytesIO(pdf.content)).pages)
    assert paid.number in pdf_text and second.number in pdf_text and impostor.number not in pdf_text
    assert AuditEvent.objects.filter(action="privacy.exported").count() == 2


def test_without_the_e_mailed_link_there_is_no_copy(customer):
    # Given Maria asked for a copy from her order page (a session that proved the number and the CPF only)
    order = OrderFactory(**MARIA)
    page = customer(order)
    request_right(page, order, "export")
    privacy_request = PrivacyRequest.objects.get()
    answer = f"/privacidade/solicitacoes/{privacy_request.public_id}/dados.json"

    # When that session tries the answer's address; then the link is opened in her mail's browser, twice
    unconfirmed = page.get(answer)
    mail_browser = Client()
    link = e_mailed_link(MARIA["email"])
    first = mail_browser.post(link)
    again = mail_browser.post(link)

    # Then nothing is given without the link; the link works once, and only in the browser that opened it
    assert unconfirmed.status_code == 404
    assert first.status_code == 302 and mail_browser.get(answer).status_code == 200
    assert again.status_code == 410 and "não vale mais" in again.text
    assert page.get(answer).status_code == 404


def test_a_contact_correction_waits_for_both_e_mails(customer, client):
    # Given Maria's two orders under her e-mail
    first, second = OrderFactory(**MARIA), OrderFactory(**MARIA)
    page = customer(first)

    # When she asks for a new e-mail and mobile, confirms on the current e-mail, then on the new one
    request_right(page, first, "correction", new_email="maria.nova@exemplo.com.br", new_mobile="(21) 99876-5432")
    half = confirm(page, MARIA["email"])
    first.refresh_from_db()
    unchanged_until_then = (first.email, first.mobile)
    done = confirm(client, "maria.nova@exemplo.com.br")

    # Then nothing changed before the new address was proven; then both orders have the new contact, audited
    assert "Confirme o novo e-mail" in half.text
    assert unchanged_until_then == (MARIA["email"], second.mobile)
    assert done.status_code == 302
    for order in (first, second):
        order.refresh_from_db()
        assert (order.email, order.mobile) == ("maria.nova@exemplo.com.br", "+5521998765432")
    events = AuditEvent.objects.filter(action="order.contact_corrected")
    assert events.count() == 2 and all(event.after == {"fields": ["email", "mobile"]} for event in events)


def test_a_correction_without_data_is_refused_in_portuguese(customer):
    order = OrderFactory(**MARIA)

    response = request_right(customer(order), order, "correction", new_mobile="123")

    assert response.status_code == 400 and "Celular inválido" in response.text
    assert not PrivacyRequest.objects.exists() and not OutboxMessage.objects.exists()


FIELDS = ["person_name", "person_cpf", "person_birth_date", "email", "mobile", "company_name", "cnpj", "pis_nis", "cei"]


def snapshot(order: Order) -> dict:
    order.refresh_from_db()
    return {field: getattr(order, field) for field in FIELDS}


def test_a_deletion_leaves_exactly_what_the_retention_rules_name(customer, local_ca, on_commit):
    # Given Maria's orders in every retention case, each with what it holds, and another person's order
    issued, certificate = issue_a1(on_commit, at=datetime(2026, 3, 2, 10, 0, tzinfo=BRT), **MARIA)
    unpaid = OrderFactory(status=Order.Status.PAYMENT_EXPIRED, pis_nis="12345678901", **MARIA)
    paid_cancelled = OrderFactory(status=Order.Status.CANCELLED, **MARIA)
    paid_at = datetime(2026, 4, 10, 15, 0, tzinfo=BRT)
    payment = Payment.objects.create(
        order=paid_cancelled,
        method="card",
        gateway="sandbox",
        amount=Decimal("159.90"),
        status="refunded",
        paid_at=paid_at,
    )
    in_progress = OrderFactory(status=Order.Status.PAID, **MARIA)
    stranger = OrderFactory(status=Order.Status.PAYMENT_EXPIRED, person_cpf=OTHER_CPF, email="outra@exemplo.com.br")
    documents = {order.number: with_document(order) for order in (unpaid, paid_cancelled, stranger)}
    messages = {
        order.number: with_message(order, f"privacy-test:{order.number}") for order in (unpaid, issued, stranger)
    }
    HolderLink.objects.create(order=unpaid, purpose="order_access", token_digest="f" * 64, expires_at=timezone.now())
    kept = {order.number: snapshot(order) for order in (issued, in_progress, stranger)}
    page = customer(unpaid)

    # When she asks for deletion from the unpaid order's page and confirms by e-mail
    asked = request_right(page, unpaid, "deletion", confirm="on")
    done = confirm(page, MARIA["email"])
    result = page.get(done["Location"])

    # Then the unpaid order keeps nothing of her
    assert asked.status_code == 200
    assert snapshot(unpaid) == {field: date(1900, 1, 1) if field == "person_birth_date" else "" for field in FIELDS}
    # The paid one keeps its name, CPF and payment (tax records), nothing else
    after = snapshot(paid_cancelled)
    assert (after["person_name"], after["person_cpf"]) == ("Maria Titular", MARIA_CPF)
    assert (after["email"], after["mobile"], after["person_birth_date"]) == ("", "", date(1900, 1, 1))
    payment_after = Payment.objects.get(pk=payment.pk)
    assert (payment_after.amount, payment_after.paid_at, payment_after.status) == (
        Decimal("159.90"),
        paid_at,
        "refunded",
    )
    # Both lost their documents' files (the rows stay, marked) and the content of their messages
    for order in (unpaid, paid_cancelled):
        document = Document.objects.get(pk=documents[order.number].pk)
        assert document.purged_at is not None and not document.file
        assert not storages["private"].exists(documents[order.number].file.name)
    emptied = OutboxMessage.objects.get(pk=messages[unpaid.number].pk)
    assert (emptied.recipient, emptied.body_text, emptied.kind, emptied.status) == (
        "[eliminado]",
        "[eliminado]",
        "order_created",
        "sent",
    )
    # The issued order (the dossier), the order in progress and the stranger's order are exactly as they were
    for order in (issued, in_progress, stranger):
        assert snapshot(order) == kept[order.number], order.number
    assert storages["private"].exists(documents[stranger.number].file.name)
    assert Document.objects.get(pk=documents[stranger.number].pk).purged_at is None
    for number in (issued.number, stranger.number):
        assert OutboxMessage.objects.get(pk=messages[number].pk).recipient != "[eliminado]"
    # And the answer tells, item by item, what went and what stays until when
    privacy_request = PrivacyRequest.objects.get()
    cases = {entry["order"]: entry["case"] for entry in privacy_request.result["items"]}
    assert cases == {
        issued.number: "issued",
        unpaid.number: "unpaid_ended",
        paid_cancelled.number: "paid_ended",
        in_progress.number: "in_progress",
        "": "all",
    }
    dossier_until = certificate.not_after.astimezone(BRT).date().replace(year=certificate.not_after.year + 10)
    assert f"{dossier_until:%d/%m/%Y}" in result.text
    assert "10/04/2031" in result.text  # the refunded payment, 5 years on
    assert "Pedido em andamento" in result.text and ">eliminado<" in result.text and ">mantido<" in result.text
    assert privacy_request.status == PrivacyRequest.Status.COMPLETED
    assert set(AuditEvent.objects.filter(action="order.personal_data_erased").values_list("object_id", flat=True)) == {
        str(unpaid.pk),
        str(paid_cancelled.pk),
    }


def test_deletion_needs_the_confirmation_box(customer):
    order = OrderFactory(status=Order.Status.PAYMENT_EXPIRED, **MARIA)

    response = request_right(customer(order), order, "deletion")

    assert response.status_code == 400 and "Marque a confirmação" in response.text
    assert not PrivacyRequest.objects.exists()


def test_requests_past_the_limit_are_refused_and_send_nothing(customer, settings):
    settings.HOLDER_LINK_SEND_MAX_PER_ORDER = 2
    order = OrderFactory(**MARIA)
    page = customer(order)

    answers = [request_right(page, order, "export").status_code for _ in range(3)]

    assert answers == [200, 200, 429]
    assert PrivacyRequest.objects.count() == 2 and OutboxMessage.objects.count() == 2


def test_staff_see_the_requests_and_their_deadlines(client, customer):
    # Given a request answered, and one left waiting 16 days
    order = OrderFactory(**MARIA)
    page = customer(order)
    request_right(page, order, "export")
    confirm(page, MARIA["email"])
    request_right(page, order, "deletion", confirm="on")
    late = PrivacyRequest.objects.get(kind="deletion")
    PrivacyRequest.objects.filter(pk=late.pk).update(
        created_at=timezone.now() - timedelta(days=16), due_at=timezone.now() - timedelta(days=1)
    )
    staff_login(client, UserFactory(username="dpo@ts.test", is_staff=True, is_superuser=True))

    # When staff open the list
    listing = client.get("/admin/privacy/privacyrequest/")

    # Then both are there with their deadline, the late one flagged
    assert listing.status_code == 200
    assert listing.text.count(order.number) == 2
    assert "Aguardando a confirmação pelo e-mail cadastrado" in listing.text and "Atendido" in listing.text
    assert 'alt="False"' in listing.text and 'alt="True"' in listing.text  # the "prazo vencido" column


def test_the_privacy_notice_is_versioned_with_the_consent(client, settings):
    settings.LGPD_DPO_EMAIL = "dpo@tecnosign.test"

    current = client.get("/privacidade/")
    by_version = client.get(f"/privacidade/aviso/{settings.LGPD_CONSENT_VERSION}/")
    unknown = client.get("/privacidade/aviso/1999-01/")

    assert current.status_code == by_version.status_code == 200
    assert f"Versão {settings.LGPD_CONSENT_VERSION}" in current.text and "dpo@tecnosign.test" in current.text
    assert settings.LGPD_CONTROLLER_NAME in current.text and "Base legal" in current.text
    assert unknown.status_code == 404


def test_the_order_page_and_the_checkout_lead_to_the_rights_and_the_notice(customer, client):
    order = OrderFactory(**MARIA)

    page = customer(order).get(f"/pedido/{order.number}/")
    checkout = client.get(f"/l/{order.link.code}/{order.product.code}/")

    assert f'href="/pedido/{order.number}/privacidade/"' in page.text
    assert 'href="/privacidade/"' in checkout.text and f"versão {order.lgpd_consent_version}" in checkout.text
