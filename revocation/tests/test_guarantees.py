"""Each of the seed's reasons, inside and outside its guarantee, at the Brasília day boundaries, through /revogar/."""

import pytest
import time_machine
from django.core import mail
from stdnum.br import cnpj as stdnum_cnpj

from issuance.models import Certificate
from orders.models import Order
from orders.tests.factories import A3TokenProductFactory, CnpjProductFactory
from revocation.models import ReissueConfirmation, RevocationRequest

from .helpers import CPF, brt, issue_a1, issue_a3, open_revocation, revoke

pytestmark = pytest.mark.django_db
C = Certificate.Reason
S = Order.Status
CNPJ = "00000010000127"  # root 00000010, branch 0001
BRANCH = "000000100002" + stdnum_cnpj.calc_check_digits("000000100002")

# Issued at 23:30 in Brasília on 02/12 — already 03/12 in UTC, so a window counted in UTC days would be off by one.
ISSUED_AT = brt(2026, 12, 2, 23, 30)

GUARANTEED = [
    pytest.param("password_lost", 14, C.SUPERSEDED, {}, {}, id="password_lost"),
    pytest.param("file_corrupted", 14, C.SUPERSEDED, {}, {}, id="file_corrupted"),
    pytest.param("pis_cei_missing", 14, C.SUPERSEDED, {}, {"pis_nis": "120.56478.91-0"}, id="pis_cei_missing"),
    pytest.param(
        "wrong_branch",
        7,
        C.AFFILIATION_CHANGED,
        {"cnpj": CNPJ, "company_name": "Padaria Pão Bom Ltda"},
        {"new_cnpj": stdnum_cnpj.format(BRANCH)},
        id="wrong_branch",
    ),
]


def _issue(on_commit, order_fields):
    if "cnpj" in order_fields:
        order_fields = {"product": CnpjProductFactory(), **order_fields}
    return issue_a1(on_commit, at=ISSUED_AT, **order_fields)


@pytest.mark.parametrize(("reason", "days", "crl_reason", "order_fields", "extra"), GUARANTEED)
def test_on_the_last_day_of_the_window_the_reissue_is_free(
    client, on_commit, reason, days, crl_reason, order_fields, extra
):
    order, certificate = _issue(on_commit, order_fields)
    last_second = brt(2026, 12, 2 + days, 23, 59, 59)

    with time_machine.travel(last_second, tick=False):
        page = client.get(open_revocation(client, order, CPF))
        assert f"reemissão sem custo até {2 + days:02d}/12/2026 (Brasília)" in page.text
        with on_commit():
            response = revoke(client, certificate, reason, **extra)

    certificate.refresh_from_db()
    order.refresh_from_db()
    assert (certificate.status, certificate.revocation_reason) == (Certificate.Status.REVOKED, crl_reason)
    assert order.status == S.REVOKED
    done = RevocationRequest.objects.get(certificate=certificate)
    assert (done.status, done.channel, done.reason, done.within_guarantee) == ("revoked", "password", reason, True)
    replacement = done.replacement
    assert replacement.replaces == order and replacement.price == 0 and replacement.commission_percent is None
    assert response.status_code == 302 and response["Location"] == f"/pedido/{replacement.number}/"
    if reason == "wrong_branch":
        # A new CNPJ is a new holder: documents and validation again.
        assert (replacement.status, replacement.cnpj) == (S.PAID, BRANCH)
    else:
        # Same holder: the original validation may be reused, once the holder proves the contact on file.
        assert replacement.status == S.PAID and replacement.cnpj == order.cnpj
        assert replacement.reissue_confirmation.status == ReissueConfirmation.Status.AWAITING_HOLDER
    [message] = [m for m in mail.outbox if m.subject == f"Certificado revogado — pedido {order.number}"]
    assert f"reemissão é sem custo, no pedido {replacement.number}" in message.body
    assert f"Revogado em: {2 + days:02d}/12/2026 23:59 (horário de Brasília)" in message.body


@pytest.mark.parametrize(("reason", "days", "crl_reason", "order_fields", "extra"), GUARANTEED)
def test_from_the_first_minute_after_the_window_it_is_revoked_without_a_reissue(
    client, on_commit, reason, days, crl_reason, order_fields, extra
):
    order, certificate = _issue(on_commit, order_fields)
    first_minute_after = brt(2026, 12, 3 + days, 0, 0)

    with time_machine.travel(first_minute_after, tick=False):
        location = open_revocation(client, order, CPF)
        before = client.get(location).text
        with on_commit():
            response = revoke(client, certificate, reason, **extra)
        page = client.get(response["Location"]).text

    assert f"Garantia de {days} dias encerrada em {2 + days:02d}/12/2026 (emitido em 02/12/2026)" in before
    certificate.refresh_from_db()
    assert (certificate.status, certificate.revocation_reason) == (Certificate.Status.REVOKED, crl_reason)
    assert Order.objects.get(pk=order.pk).status == S.REVOKED
    assert not Order.objects.filter(replaces=order).exists()
    assert RevocationRequest.objects.get(certificate=certificate).within_guarantee is False
    assert response["Location"] == f"/revogar/{certificate.serial}/"
    assert "Sem reemissão gratuita" in page
    assert "Certificado emitido em <strong>02/12/2026</strong>" in page
    assert f"garantia\n    encerrada em <strong>{2 + days:02d}/12/2026</strong> (Brasília)" in page
    # A new purchase, through the partner's link of the original sale while it still sells.
    assert f'href="http://testserver/l/{order.link.code}/"' in page
    assert f"Revogado em</dt><dd>{3 + days:02d}/12/2026 00:00 (Brasília)" in page


@pytest.mark.parametrize(
    ("reason", "crl_reason"),
    [("computer_stolen", C.KEY_COMPROMISE), ("access_withdrawn", C.CESSATION_OF_OPERATION)],
)
def test_reasons_without_guarantee_revoke_at_once_even_on_the_first_day(client, on_commit, reason, crl_reason):
    order, certificate = issue_a1(on_commit, at=ISSUED_AT)

    with time_machine.travel(brt(2026, 12, 3, 9, 0), tick=False):
        open_revocation(client, order)
        with on_commit():
            response = revoke(client, certificate, reason)
        page = client.get(response["Location"]).text

    certificate.refresh_from_db()
    assert (certificate.status, certificate.revocation_reason) == (Certificate.Status.REVOKED, crl_reason)
    assert not Order.objects.filter(replaces=order).exists()
    assert RevocationRequest.objects.get(certificate=certificate).within_guarantee is None
    assert "Este motivo não tem garantia de reemissão" in page
    assert "Revogado em</dt><dd>03/12/2026 09:00 (Brasília)" in page
    [message] = [m for m in mail.outbox if m.subject == f"Certificado revogado — pedido {order.number}"]
    assert "Revogado em: 03/12/2026 09:00 (horário de Brasília)" in message.body
    assert "Este motivo não tem garantia de reemissão" in message.body


def test_lost_media_is_an_a3_reason_and_a_key_compromise(client, on_commit):
    order, certificate = issue_a3(on_commit, at=ISSUED_AT, product=A3TokenProductFactory())

    with time_machine.travel(brt(2026, 12, 4, 10, 0), tick=False):
        page = client.get(open_revocation(client, order)).text
        with on_commit():
            revoke(client, certificate, "media_lost")

    assert "Perdi a mídia (token ou cartão)" in page
    assert "corrompeu quando eu baixei" not in page  # an A1-only reason is not offered for a token
    certificate.refresh_from_db()
    assert certificate.revocation_reason == C.KEY_COMPROMISE


def test_a_reason_that_does_not_fit_the_certificate_is_refused(client, on_commit):
    order, certificate = issue_a1(on_commit, at=ISSUED_AT)

    with time_machine.travel(brt(2026, 12, 3, 9, 0), tick=False):
        open_revocation(client, order)
        lost_media = revoke(client, certificate, "media_lost")  # A3 only
        branch = revoke(client, certificate, "wrong_branch", new_cnpj=BRANCH)  # e-CNPJ only

    assert lost_media.status_code == branch.status_code == 400
    assert "Este motivo não se aplica a este certificado" in lost_media.text
    assert "Este motivo não se aplica a este certificado" in branch.text
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.VALID
