"""Online renewal checks, through the page's endpoint: the request signed with the holder's current certificate is
accepted; another holder's, an expired or a revoked certificate is refused with a clear message and nothing written."""

import base64
import re
from datetime import timedelta

import pytest
import time_machine
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.serialization import pkcs12
from django.contrib.auth.models import Permission
from django.utils import timezone

from issuance.models import Certificate, IssuanceRequest
from issuance.services.revocation import certificate_revoke
from issuance.tests.helpers import a1_issue_as_customer
from orders.models import HolderBiometrics, Order
from orders.tests.factories import OrderFactory, UserFactory
from renewal.models import OnlineRenewal
from renewal.services.online import online_renewal_decide, online_renewal_request
from revocation.tests.helpers import hand_off
from tecnosign.audit.models import AuditEvent
from tecnosign.audit.services import Actor
from tecnosign.errors import DomainError
from tecnosign.tests.auth import staff_login
from tokens.tests.harness import start_agent

pytestmark = pytest.mark.django_db

# The local CA is made at the real time of the run (its certificates start then): every date here is after it.
START = timezone.now().replace(microsecond=0)


def day(n: float):
    return START + timedelta(days=n)


NOW = day(200)


@pytest.fixture(autouse=True)
def _a1_allowed(settings):
    """These tests sign in Python with A1 keys they hold; the A3 path is the browser test's."""
    settings.RENEWAL_ONLINE_ALLOW_A1 = True


def issue(on_commit, at, **fields):
    with time_machine.travel(at, tick=False):
        order = hand_off(OrderFactory(status=Order.Status.VERIFIED, **fields), on_commit)
        key, issued = a1_issue_as_customer(order)
    return order, key, issued.certificate


def renewal_of(certificate, *, biometrics=True) -> Order:
    if biometrics:
        HolderBiometrics.objects.get_or_create(cpf=certificate.order.person_cpf, defaults={"source": "psbio"})
    return OrderFactory(link=certificate.order.link, renews=certificate, status=Order.Status.PAID)


def sign_and_send(customer, order, key, certificate):
    token, text = online_renewal_request(order)
    signature = key.sign(text.encode(), padding.PKCS1v15(), hashes.SHA256())
    return customer(order).post(
        f"/pedido/{order.number}/renovacao-online/assinar/",
        {
            "request": token,
            "signature": base64.b64encode(signature).decode(),
            "certificate": certificate.certificate_pem,
        },
        content_type="application/json",
    )


def nothing_written(order) -> bool:
    order.refresh_from_db()
    return (
        order.status == Order.Status.PAID
        and not OnlineRenewal.objects.filter(order=order).exists()
        and not AuditEvent.objects.filter(action="renewal.online_signed").exists()
    )


def test_a_request_signed_with_the_current_certificate_goes_to_the_verification_centre(on_commit, customer):
    _, key, current = issue(on_commit, day(1))
    renewal = renewal_of(current)

    with time_machine.travel(NOW, tick=False):
        page = customer(renewal).get(f"/pedido/{renewal.number}/").content.decode()
        response = sign_and_send(customer, renewal, key, current)

    assert "Renovar on-line com o certificado atual" in page
    assert response.status_code == 200, response.content
    assert "central de verificação" in response.json()["message"]
    renewal.refresh_from_db()
    assert renewal.status == Order.Status.VALIDATED
    evidence = OnlineRenewal.objects.get(order=renewal)
    assert evidence.signer_certificate == current and evidence.checks["ocsp"] == "good"
    assert f"pedido: {renewal.number}" in evidence.signed_request

    # the verification centre approves: the order goes to the CA without any booking
    verifier = UserFactory(username="central", is_staff=True)
    verifier.user_permissions.add(Permission.objects.get(codename="verify_dossier"))
    with time_machine.travel(NOW, tick=False), on_commit():
        online_renewal_decide(renewal=evidence, approve=True, actor=Actor(user=verifier))
    renewal.refresh_from_db()
    assert renewal.status in (Order.Status.VERIFIED, Order.Status.RELEASED)
    assert IssuanceRequest.objects.filter(order=renewal).exists()
    assert not renewal.bookings.exists()


def test_another_holders_certificate_is_refused(on_commit, customer):
    _, _, current = issue(on_commit, day(1))
    _, other_key, other = issue(on_commit, day(2), person_name="Joao Souza", person_cpf="11144477735")
    renewal = renewal_of(current)

    with time_machine.travel(NOW, tick=False):
        response = sign_and_send(customer, renewal, other_key, other)

    assert response.status_code == 400
    assert "outro titular" in response.json()["message"]
    assert nothing_written(renewal)


def test_an_expired_certificate_is_refused(on_commit, customer):
    _, old_key, old = issue(on_commit, day(1))  # 12 months: over at day(366)
    _, _, current = issue(on_commit, day(120))
    renewal = renewal_of(current)

    with time_machine.travel(day(380), tick=False):
        response = sign_and_send(customer, renewal, old_key, old)

    assert response.status_code == 400
    assert "vencido" in response.json()["message"]
    assert nothing_written(renewal)


def test_a_revoked_certificate_is_refused(on_commit, customer):
    _, revoked_key, revoked = issue(on_commit, day(1))
    _, _, current = issue(on_commit, day(2))
    with time_machine.travel(day(3), tick=False), on_commit():
        certificate_revoke(certificate=revoked, reason=Certificate.Reason.KEY_COMPROMISE, actor=Actor(label="t"))
    renewal = renewal_of(current)

    with time_machine.travel(NOW, tick=False):
        response = sign_and_send(customer, renewal, revoked_key, revoked)

    assert response.status_code == 400
    assert "revogado" in response.json()["message"]
    assert nothing_written(renewal)


def test_a_signature_that_does_not_match_is_refused(on_commit, customer):
    _, _, current = issue(on_commit, day(1))
    _, wrong_key, _ = issue(on_commit, day(2))
    renewal = renewal_of(current)

    with time_machine.travel(NOW, tick=False):
        response = sign_and_send(customer, renewal, wrong_key, current)

    assert response.status_code == 400
    assert "assinatura" in response.json()["message"]
    assert nothing_written(renewal)


def test_without_biometrics_the_page_says_why_and_offers_booking(on_commit, customer, settings):
    _, key, current = issue(on_commit, day(1))
    renewal = renewal_of(current, biometrics=False)

    with time_machine.travel(NOW, tick=False):
        page = customer(renewal).get(f"/pedido/{renewal.number}/renovacao-online/").content.decode()
        response = sign_and_send(customer, renewal, key, current)

    assert "biometria cadastrada" in page and "agendar a videoconferência" in page
    assert response.status_code == 400
    assert nothing_written(renewal)


def test_an_a1_certificate_is_not_enough_by_default(on_commit, customer, settings):
    settings.RENEWAL_ONLINE_ALLOW_A1 = False
    _, _, current = issue(on_commit, day(1))
    renewal = renewal_of(current)

    with time_machine.travel(NOW, tick=False):
        page = customer(renewal).get(f"/pedido/{renewal.number}/").content.decode()

    assert re.search(r"exige um certificado A3", page)


def test_the_verification_centre_decides_in_the_admin(on_commit, customer):
    _, key, current = issue(on_commit, day(1))
    renewal = renewal_of(current)
    support = UserFactory(username="suporte", is_staff=True)
    support.user_permissions.add(Permission.objects.get(codename="view_onlinerenewal"))
    verifier = UserFactory(username="central", is_staff=True)
    verifier.user_permissions.add(
        Permission.objects.get(codename="verify_dossier"), Permission.objects.get(codename="view_onlinerenewal")
    )

    with time_machine.travel(NOW, tick=False):
        sign_and_send(customer, renewal, key, current)
        evidence = OnlineRenewal.objects.get(order=renewal)
        url = f"/admin/renewal/onlinerenewal/{evidence.pk}/"
        page = staff_login(None, verifier).get(f"{url}change/").content.decode()
        refused = staff_login(None, support).post(f"{url}decidir/", {"decision": "approve"})
        evidence.refresh_from_db()
        assert evidence.status == OnlineRenewal.Status.PENDING
        with on_commit():
            approved = staff_login(None, verifier).post(f"{url}decidir/", {"decision": "approve"})

    assert "Aprovar" in page and renewal.number in page
    assert refused.status_code == 302
    assert approved.status_code == 302
    evidence.refresh_from_db()
    renewal.refresh_from_db()
    assert evidence.status == OnlineRenewal.Status.VERIFIED and evidence.decided_by == verifier
    assert IssuanceRequest.objects.filter(order=renewal).exists()


@pytest.fixture
def a1_agent(tmp_path):
    running = start_agent(None, tmp_path / "agent" / "agent.json", "--a1-dir", str(tmp_path / "a1"))
    yield running
    running.stop()


def test_an_a1_renewal_is_signed_by_the_agent_from_the_customers_own_file(on_commit, customer, a1_agent):
    # given the customer's A1 file (it never leaves this computer) and a paid renewal
    _, key, current = issue(on_commit, day(1))
    bundle = pkcs12.serialize_key_and_certificates(
        b"maria",
        key,
        x509.load_pem_x509_certificate(current.certificate_pem.encode()),
        None,
        serialization.BestAvailableEncryption(b"Arquivo#2026"),
    )
    renewal = renewal_of(current)
    agent = a1_agent.client()

    with time_machine.travel(NOW, tick=False):
        token, text = online_renewal_request(renewal)
    # the agent runs on the real clock (it checks each request's freshness)
    with pytest.raises(DomainError, match="senha errada"):
        agent.sign_with_pkcs12(pkcs12=bundle, password="Errada#2026", data=text.encode())
    signed = agent.sign_with_pkcs12(pkcs12=bundle, password="Arquivo#2026", data=text.encode())
    with time_machine.travel(NOW, tick=False):
        response = customer(renewal).post(
            f"/pedido/{renewal.number}/renovacao-online/assinar/",
            {"request": token, "signature": signed["signature"], "certificate": signed["certificate"]},
            content_type="application/json",
        )

    assert response.status_code == 200, response.content
    renewal.refresh_from_db()
    assert renewal.status == Order.Status.VALIDATED
