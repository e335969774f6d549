"""The replacement order a guarantee gives: at no cost, linked to the original, as far as the reason allows."""

from decimal import Decimal

import pytest
import time_machine
from cryptography import x509
from stdnum.br import cnpj as stdnum_cnpj

from issuance.models import Certificate, IssuanceRequest
from issuance.tests.helpers import a1_authorise, a1_issue_through_the_page
from orders.models import CommissionEntry, Order
from orders.services.commissions import commission_accrue
from orders.tests.factories import A3TokenProductFactory, CnpjProductFactory
from revocation.models import RevocationRequest

from .helpers import (
    ISSUANCE_PASSWORD,
    NEW_ISSUANCE_PASSWORD,
    NEW_REVOCATION_PASSWORD,
    brt,
    confirm_reissue,
    issue_a1,
    issue_a3,
    open_revocation,
    revoke,
    run_reissue_beat,
)

pytestmark = pytest.mark.django_db
S = Order.Status
ISSUED_AT = brt(2026, 12, 1, 10, 0)
CNPJ = "00000010000127"
BRANCH = "000000100002" + stdnum_cnpj.calc_check_digits("000000100002")
OTHER_COMPANY = "000000200001" + stdnum_cnpj.calc_check_digits("000000200001")


def test_lost_password_reissue_proves_the_contact_then_is_held_handed_off_and_issues_a_new_a1(client, on_commit):
    order, certificate = issue_a1(on_commit, at=ISSUED_AT)

    with time_machine.travel(brt(2026, 12, 5, 15, 0), tick=False):
        open_revocation(client, order)
        with on_commit():
            revoked = revoke(client, certificate, "password_lost")
        replacement = Order.objects.get(replaces=order)
        waiting_page = client.get(revoked["Location"]).text
        confirmed = confirm_reissue(client, replacement, on_commit)
        held_page = client.get(f"/pedido/{replacement.number}/").text
    run_reissue_beat(on_commit, brt(2026, 12, 5, 17, 1))
    with time_machine.travel(brt(2026, 12, 5, 17, 5), tick=False):
        replacement_page = client.get(f"/pedido/{replacement.number}/").text
        issuance_page = client.get(f"/pedido/{replacement.number}/emitir/").text
        old_password = a1_authorise(client, replacement, ISSUANCE_PASSWORD)
        key, issued = a1_issue_through_the_page(client, replacement, NEW_ISSUANCE_PASSWORD)
        original_page = client.get(f"/pedido/{order.number}/").text

    assert revoked["Location"] == f"/pedido/{replacement.number}/"
    assert "abra o link que enviamos ao <strong>e-mail cadastrado</strong>" in waiting_page
    assert confirmed.status_code == 302 and confirmed["Location"] == f"/pedido/{replacement.number}/"
    assert "enviada à Autoridade Certificadora em <strong>05/12/2026 às 17:00</strong>" in held_page
    # awaiting_payment → paid (no cost) → verified (validation reused, contact proved) → held → released → issued.
    history = list(replacement_history(replacement))
    assert history == ["awaiting_payment", "paid", "verified", "released", "issued"]
    assert "reemissão em garantia, sem custo</strong>, do pedido " + order.number in replacement_page
    # The replacement is issued through the same browser issuance as any A1: a new key, made on the customer's side.
    assert f'href="/pedido/{replacement.number}/emitir/"' in replacement_page
    assert 'id="form-a1"' in issuance_page
    assert IssuanceRequest.objects.get(order=replacement).status == IssuanceRequest.Status.RELEASED
    assert old_password.status_code == 400
    assert issued.status_code == 200
    new_cert = x509.load_pem_x509_certificate(issued.json()["certificate"].encode())
    assert new_cert.public_key() == key.public_key()
    assert new_cert.public_key() != x509.load_pem_x509_certificate(certificate.certificate_pem.encode()).public_key()
    new_record = Certificate.objects.get(order=replacement)
    assert new_record.serial == format(new_cert.serial_number, "X") != certificate.serial
    assert new_record.status == Certificate.Status.VALID
    assert Order.objects.get(pk=replacement.pk).status == S.ISSUED
    assert "Revogado em</dt><dd>05/12/2026 15:00 (Brasília)" in original_page
    assert "Perdi ou esqueci a senha do certificado" in original_page
    assert f'href="/pedido/{replacement.number}/"' in original_page


def replacement_history(order):
    from tecnosign.audit.models import AuditEvent

    return (
        AuditEvent.objects.filter(
            object_type="orders.order", object_id=str(order.pk), action__in=["order.created", "order.status"]
        )
        .order_by("id")
        .values_list("after__status", flat=True)
    )


def test_a_forgotten_pis_goes_into_the_reissued_certificate(client, on_commit):
    order, certificate = issue_a1(on_commit, at=ISSUED_AT)

    with time_machine.travel(brt(2026, 12, 8, 9, 0), tick=False):
        open_revocation(client, order)
        invalid = revoke(client, certificate, "pis_cei_missing", pis_nis="120.56478.91-1")
        nothing = revoke(client, certificate, "pis_cei_missing")
        with on_commit():
            revoke(client, certificate, "pis_cei_missing", pis_nis="120.56478.91-0", cei="1234.56789.01-2")
        replacement = Order.objects.get(replaces=order)
        confirm_reissue(client, replacement, on_commit)
    run_reissue_beat(on_commit, brt(2026, 12, 8, 11, 0))
    with time_machine.travel(brt(2026, 12, 8, 11, 5), tick=False):
        _, issued = a1_issue_through_the_page(client, replacement, NEW_ISSUANCE_PASSWORD)

    assert invalid.status_code == 400 and "PIS/NIS inválido" in invalid.text
    assert nothing.status_code == 400 and "Informe o PIS/NIS ou o CEI" in nothing.text
    assert (replacement.pis_nis, replacement.cei) == ("12056478910", "123456789012")
    cert = x509.load_pem_x509_certificate(issued.json()["certificate"].encode())
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    other = {name.type_id.dotted_string: name.value for name in san.get_values_for_type(x509.OtherName)}
    assert b"12041985" + b"52998224725" + b"12056478910" in other["2.16.76.1.3.1"]
    assert b"123456789012" in other["2.16.76.1.3.6"]


def test_another_branch_is_redone_for_the_right_cnpj_with_documents_and_validation_again(client, on_commit):
    order, certificate = issue_a1(
        on_commit, at=ISSUED_AT, product=CnpjProductFactory(), cnpj=CNPJ, company_name="Padaria Pão Bom Ltda"
    )

    with time_machine.travel(brt(2026, 12, 8, 18, 0), tick=False):
        open_revocation(client, order, "00.000.010/0001-27")
        same = revoke(client, certificate, "wrong_branch", new_cnpj=CNPJ)
        other_company = revoke(client, certificate, "wrong_branch", new_cnpj=OTHER_COMPANY)
        invalid = revoke(client, certificate, "wrong_branch", new_cnpj="00.000.010/0002-00")
        with on_commit():
            done = revoke(client, certificate, "wrong_branch", new_cnpj=stdnum_cnpj.format(BRANCH))
        page = client.get(done["Location"]).text

    assert same.status_code == 400 and "é o mesmo do certificado revogado" in same.text
    assert other_company.status_code == 400 and "é de outra empresa" in other_company.text
    assert invalid.status_code == 400 and "CNPJ inválido" in invalid.text
    replacement = Order.objects.get(replaces=order)
    assert (replacement.status, replacement.cnpj, replacement.price) == (S.PAID, BRANCH, Decimal("0.00"))
    assert replacement.company_name == order.company_name and replacement.person_cpf == order.person_cpf
    assert not IssuanceRequest.objects.filter(order=replacement).exists()
    assert "Enviar documentos" in page and stdnum_cnpj.format(BRANCH) in page
    certificate.refresh_from_db()
    assert certificate.revocation_reason == Certificate.Reason.AFFILIATION_CHANGED


def test_the_partners_commission_is_reversed_when_a_guarantee_reissue_replaces_the_sale(client, on_commit):
    reissued, reissued_cert = issue_a1(on_commit, at=ISSUED_AT, email="a@exemplo.com.br")
    kept, kept_cert = issue_a1(on_commit, at=ISSUED_AT, email="b@exemplo.com.br")
    for order in (reissued, kept):
        commission_accrue(order=order)  # what the payment confirmation did

    with time_machine.travel(brt(2026, 12, 3, 9, 0), tick=False):
        open_revocation(client, reissued)
        with on_commit():
            revoke(client, reissued_cert, "file_corrupted")
        open_revocation(client, kept)
        with on_commit():
            revoke(client, kept_cert, "computer_stolen")  # no guarantee: the sale stands

    replacement = Order.objects.get(replaces=reissued)
    reversal = CommissionEntry.objects.get(order=reissued, kind=CommissionEntry.Kind.REVERSAL)
    accrual = CommissionEntry.objects.get(order=reissued, kind=CommissionEntry.Kind.ACCRUAL)
    assert reversal.amount == -accrual.amount == Decimal("-15.99")
    assert reversal.partner_id == reissued.partner_id
    assert replacement.number in reversal.reason
    assert not CommissionEntry.objects.filter(order=replacement).exists()
    assert not CommissionEntry.objects.filter(order=kept, kind=CommissionEntry.Kind.REVERSAL).exists()


def test_an_a3_reissue_records_the_media_as_already_with_the_customer(client, on_commit):
    order, certificate = issue_a3(on_commit, at=ISSUED_AT, product=A3TokenProductFactory())

    with time_machine.travel(brt(2026, 12, 2, 9, 0), tick=False):
        open_revocation(client, order)
        with on_commit():
            revoke(client, certificate, "password_lost")
        replacement = Order.objects.get(replaces=order)
        confirm_reissue(client, replacement, on_commit)
    run_reissue_beat(on_commit, brt(2026, 12, 2, 11, 0))

    replacement.refresh_from_db()
    handoff = IssuanceRequest.objects.get(order=replacement)
    assert replacement.status == S.RELEASED
    assert handoff.media_delivered_at is not None


def test_a_revoked_certificate_cannot_be_revoked_again(client, on_commit):
    order, certificate = issue_a1(on_commit, at=ISSUED_AT)

    with time_machine.travel(brt(2026, 12, 2, 9, 0), tick=False):
        open_revocation(client, order)
        with on_commit():
            revoke(client, certificate, "computer_stolen")
        again = revoke(client, certificate, "file_corrupted")

    assert again.status_code == 410
    assert "Este certificado já foi revogado em 02/12/2026 às 09:00 (Brasília)" in again.text
    assert RevocationRequest.objects.filter(certificate=certificate).count() == 1
    assert not Order.objects.filter(replaces=order).exists()


def test_a_reissue_does_not_restart_the_guarantee(client, on_commit):
    order, certificate = issue_a1(on_commit, at=ISSUED_AT)  # 14 days: until 15/12
    with time_machine.travel(brt(2026, 12, 10, 9, 0), tick=False):
        open_revocation(client, order)
        with on_commit():
            revoke(client, certificate, "file_corrupted")
        replacement = Order.objects.get(replaces=order)
        confirm_reissue(client, replacement, on_commit)
    run_reissue_beat(on_commit, brt(2026, 12, 10, 11, 0))
    with time_machine.travel(brt(2026, 12, 10, 11, 5), tick=False):
        a1_issue_through_the_page(client, replacement, NEW_ISSUANCE_PASSWORD)
    new_certificate = Certificate.objects.get(order=replacement)

    with time_machine.travel(brt(2026, 12, 16, 9, 0), tick=False):
        open_revocation(client, replacement)
        page = client.get(f"/revogar/{new_certificate.serial}/").text
        with on_commit():  # the revocation password the holder chose on the reissue link's page
            revoke(client, new_certificate, "file_corrupted", password=NEW_REVOCATION_PASSWORD)

    assert "Garantia de 14 dias encerrada em 15/12/2026 (emitido em 01/12/2026)" in page
    assert not Order.objects.filter(replaces=replacement).exists()
    assert RevocationRequest.objects.get(certificate=new_certificate).within_guarantee is False
