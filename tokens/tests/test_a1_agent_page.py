"""The fallback for browsers without Web Crypto RSA, on the portal's side: the issuance page offers the local agent,
whose page drives the same issuance endpoints; and, with a real agent (`--no-token`), the key its page has it make
gets its certificate from the portal and ends in a .pfx on the customer's computer — never a key made by the portal.
The page itself runs in Chromium in test_a1_agent_browser."""

import contextlib
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import pkcs12

from issuance.models import Certificate
from issuance.services import issuance_submit
from issuance.tests.helpers import a1_authorise, a1_issue_as_customer, a1_send_csr
from orders.models import Order
from orders.tests.factories import OrderFactory
from tecnosign.audit.models import AuditEvent

from .a3 import released_a3_order
from .harness import start_agent

pytestmark = pytest.mark.django_db
FILE_PASSWORD = "Arquivo#Meu2026"


def released_a1_order(run_on_commit=contextlib.nullcontext, **fields) -> Order:
    order = OrderFactory(status=Order.Status.VERIFIED, **fields)
    with run_on_commit():
        issuance_submit(order)
    order.refresh_from_db()
    return order


def test_the_issuance_page_offers_the_agent_whose_page_drives_the_same_endpoints(customer, local_ca, on_commit):
    order = released_a1_order(on_commit)
    client = customer(order)

    issuance_page = client.get(f"/pedido/{order.number}/emitir/").text
    agent_page = client.get(f"/pedido/{order.number}/emitir/agente/")

    # The issuance page's section for a browser that cannot make the key (shown by its script) links the agent.
    assert 'id="a1-sem-webcrypto" hidden' in issuance_page
    assert f'href="/pedido/{order.number}/emitir/agente/"' in issuance_page
    assert "Emitir com o agente TecnoSign" in issuance_page
    assert agent_page.status_code == 200 and "no-store" in agent_page["Cache-Control"]
    text = agent_page.text
    assert "python -m tokens.agent --no-token --portal-origin http://testserver" in text
    assert f'data-authorise-url="/pedido/{order.number}/emitir/autorizar/"' in text
    assert f'data-csr-url="/pedido/{order.number}/emitir/csr/"' in text
    assert "tokens/agente-base.js" in text and "tokens/emitir-a1-agente.js" in text
    assert 'id="secao-midias"' not in text  # no token is listed: the agent makes the key in software


def test_the_agent_page_needs_access_and_an_a1_that_may_be_issued_now(client, customer, local_ca, on_commit):
    order = released_a1_order(on_commit)
    a3 = released_a3_order(on_commit)
    issued = released_a1_order(on_commit, email="outra@exemplo.com.br")
    a1_issue_as_customer(issued)

    anonymous = client.get(f"/pedido/{order.number}/emitir/agente/")
    for_a3 = customer(a3).get(f"/pedido/{a3.number}/emitir/agente/").text
    for_issued = customer(issued).get(f"/pedido/{issued.number}/emitir/agente/").text

    assert anonymous.status_code == 302 and anonymous["Location"] == "/pedido/"
    assert "Este certificado é A3" in for_a3 and 'id="form-a1-agente"' not in for_a3
    assert "já foi emitido em" in for_issued and 'id="form-a1-agente"' not in for_issued


def test_a_key_the_agent_makes_gets_its_certificate_and_ends_in_a_pfx_on_the_customers_computer(
    customer, local_ca, on_commit, tmp_path
):
    # Given a released A1 order and the agent on the customer's computer, started without a token
    order = released_a1_order(on_commit)
    portal = customer(order)
    folder = tmp_path / "certificados"
    agent = start_agent(None, tmp_path / "agent.json", "--a1-dir", str(folder))
    try:
        # when the page's steps run: the password at the portal, the key at the agent, the request at the portal,
        # the file at the agent
        delivery = a1_authorise(portal, order).json()
        made = agent.client().a1_generate(subject=delivery["subject"], bits=delivery["key_bits"])
        issued = a1_send_csr(portal, order, made["csr"]).json()
        written = agent.client().a1_write_pkcs12(
            made["key_id"],
            certificate_pem=issued["certificate"],
            chain_pems=issued["chain"],
            password=FILE_PASSWORD,
            friendly_name=delivery["friendly_name"],
            filename=delivery["filename"],
            kdf_rounds=delivery["kdf_rounds"],
        )
    finally:
        agent.stop()

    # then the order is issued for the agent's key, and the file on that computer holds key, certificate and chain
    order.refresh_from_db()
    assert order.status == Order.Status.ISSUED
    record = Certificate.objects.get(order=order)
    assert written["path"] == str(folder / f"certificado-a1-maria-da-silva-{order.number}.pfx")
    key, certificate, chain = pkcs12.load_key_and_certificates(
        Path(written["path"]).read_bytes(), FILE_PASSWORD.encode()
    )
    assert certificate == x509.load_pem_x509_certificate(record.certificate_pem.encode())
    assert key.public_key() == certificate.public_key()
    assert [c.subject.rfc4514_string() for c in chain] == [local_ca.issuing.subject, local_ca.root.subject]
    assert AuditEvent.objects.get(action="certificate.issued").after["kind"] == "A1"
