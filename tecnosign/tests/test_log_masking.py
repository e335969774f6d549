"""CPF, CNPJ and e-mail never in logs or error reports in clear (tecnosign.logmask, attached in settings.LOGGING)."""

import io
import logging
import smtplib

import pytest
from django.core import mail
from django.test import RequestFactory, override_settings

from orders.tests.factories import OrderFactory, valid_cnpj, valid_cpf
from tecnosign.logmask import (
    CNPJ_MASK,
    CPF_MASK,
    EMAIL_MASK,
    MaskingAdminEmailHandler,
    PersonalDataFilter,
    mask_personal_data,
)
from tecnosign.notifications.models import OutboxMessage
from tecnosign.notifications.services import MAX_ATTEMPTS, notify

pytestmark = pytest.mark.django_db

ALPHANUMERIC_CNPJ = "12ABC34501DE35"  # Receita Federal's example of the alphanumeric CNPJ


@pytest.fixture
def console_log():
    """What the configured console handler writes (the one production's log collector reads)."""
    handler = next(
        handler
        for handler in logging.getLogger().handlers
        if any(isinstance(existing, PersonalDataFilter) for existing in handler.filters)
    )
    stream = io.StringIO()
    previous = handler.setStream(stream)
    yield stream
    handler.setStream(previous)


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("cpf 529.982.247-25 recusado", f"cpf {CPF_MASK} recusado"),
        ("cpf=52998224725&x=1", f"cpf={CPF_MASK}&x=1"),
        ("cnpj 11.222.333/0001-81.", f"cnpj {CNPJ_MASK}."),
        ("/pedido/11222333000181/", f"/pedido/{CNPJ_MASK}/"),
        (f"cnpj {ALPHANUMERIC_CNPJ}", f"cnpj {CNPJ_MASK}"),
        ("cnpj 12.ABC.345/01DE-35", f"cnpj {CNPJ_MASK}"),
        ("<Joao.Silva+nf@empresa.com.br>: recipient rejected", f"<{EMAIL_MASK}>: recipient rejected"),
    ],
)
def test_each_form_of_cpf_cnpj_and_email_is_masked(text, masked):
    assert mask_personal_data(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "order TS2345ABCD paid",
        "sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "document 1b4e28ba-2fa1-11d2-883f-0016d3cca427",
        "took 1234567890 ns",
        "serial 12ABC34501DE36 has wrong check digits",  # alphanumeric but not a CNPJ: left alone
    ],
)
def test_what_is_not_personal_data_is_left_alone(text):
    assert mask_personal_data(text) == text


def test_the_outbox_failure_log_masks_the_recipient_the_server_echoed(monkeypatch, on_commit, caplog, console_log):
    # Given an order whose e-mail the mail server keeps refusing, quoting the address, on its last attempt
    cpf = valid_cpf(7)
    order = OrderFactory(email="maria.titular@exemplo.com.br", person_cpf=cpf)

    def refuse(self, fail_silently=False):
        raise smtplib.SMTPRecipientsRefused({order.email: (550, f"<{order.email}> unknown user, CPF {cpf}".encode())})

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", refuse)
    message = notify("order_created", to=order.email, key="log-mask:1", obj=order, context={"order": order})
    OutboxMessage.objects.filter(pk=message.pk).update(attempts=MAX_ATTEMPTS - 1)

    # When the delivery task runs and gives the message up (it logs the error)
    with caplog.at_level(logging.ERROR, logger="tecnosign.notifications.services"), on_commit():
        from tecnosign.notifications.tasks import send_outbox_message

        send_outbox_message.apply(args=(message.pk,))

    # Then the log line is there, and neither the address nor the CPF is in it
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.FAILED
    assert "given up after" in caplog.text and "given up after" in console_log.getvalue()
    for written in (caplog.text, console_log.getvalue()):
        assert order.email not in written and cpf not in written
        assert EMAIL_MASK in written and CPF_MASK in written


def test_django_request_warnings_mask_a_url_with_an_email_and_a_cpf(client, caplog, console_log):
    # Given a URL that carries an e-mail address and a CPF (and a CNPJ in the query string)
    cpf, cnpj = valid_cpf(8), valid_cnpj(8)

    # When it is requested and Django logs the 404
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client.get(f"/nada/joao@exemplo.com.br/{cpf}/?cnpj={cnpj}")

    # Then the warning names the page, masked
    assert response.status_code == 404
    assert "Not Found" in caplog.text and "Not Found" in console_log.getvalue()
    for written in (caplog.text, console_log.getvalue()):
        assert "joao@exemplo.com.br" not in written and cpf not in written
        assert f"/nada/{EMAIL_MASK}/{CPF_MASK}/" in written


def test_a_traceback_is_masked_too(console_log):
    # Given an exception whose message carries a CPF
    cpf = valid_cpf(9)
    logger = logging.getLogger("tecnosign.tests.masking")

    # When it is logged with its traceback
    try:
        raise ValueError(f"holder {cpf} not found")
    except ValueError:
        logger.exception("lookup failed for %s", "ana@exemplo.com.br")

    # Then neither the message nor the traceback shows it
    written = console_log.getvalue()
    assert "Traceback" in written and "ValueError" in written
    assert cpf not in written and "ana@exemplo.com.br" not in written
    assert f"holder {CPF_MASK} not found" in written


@override_settings(ADMINS=[("Operação", "operacao@tecnosign.test")])
def test_the_error_email_to_admins_is_masked(client):
    # Given a request that fails with a 500 and carries a CPF and an e-mail in the URL
    cpf = valid_cpf(10)
    handler = next(h for h in logging.getLogger("django").handlers if isinstance(h, MaskingAdminEmailHandler))
    request_logger = logging.getLogger("django.request")
    record = request_logger.makeRecord(
        "django.request", logging.ERROR, __file__, 1, "Internal Server Error: %s", (f"/x/{cpf}/a@b.com.br",), None
    )
    record.status_code = 500
    record.request = RequestFactory().get(f"/x/{cpf}/", {"email": "quem@exemplo.com.br"})

    # When the admins' handler reports it
    handler.handle(record)

    # Then the e-mail went, with no CPF or address in the subject or the body (the request's query included)
    assert len(mail.outbox) == 1
    report = mail.outbox[0]
    assert "Internal Server Error" in report.subject
    for text in (report.subject, report.body):
        assert cpf not in text and "quem@exemplo.com.br" not in text and "a@b.com.br" not in text
    assert not report.alternatives
