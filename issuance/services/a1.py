"""A1 issuance: the holder's key pair is born in the customer's browser, which sends only the certificate request
(PKCS#10); the CA signs the key the request proves; the browser packs key, certificate and chain in the PKCS#12 under
a password the customer chooses on the page, saves the file and drops the key. The portal never holds a holder's
private key, and never sees the file's password.

Two pages drive it, one service: the issuance page (issuance.views_a1, Web Crypto and PKI.js) and, for a browser
without Web Crypto RSA, the local agent's page (tokens), where the agent makes the key and writes the file on the
customer's computer. Both
1. check the issuance password (`issuance_password_check`, attempts limited) and read `a1_delivery(order)`: the
   subject, the key size, the PKCS#12's iteration count, the file's name;
2. send the request to `a1_issue_from_csr`, under the same rules as an A3 token's (issuance.services.csr), and get
   the certificate and its chain back.
Closed between the two, the page leaves the certificate issued and the key gone; the issuance page then explains it
and offers what the later apps plug in (revocation: the 14-day "arquivo corrompido" guarantee, a free reissue).
"""

from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.utils.text import slugify

from orders.models import Order
from tecnosign.audit.services import Actor

from ..models import Certificate, IssuanceRequest
from ..pki.names import common_name
from .csr import KeyOrigin, csr_certify, csr_subject
from .handoff import delivery_kind, identity_from_order
from .issue import AlreadyIssued, IssuanceUnavailable, brasilia


@dataclass(frozen=True)
class A1Delivery:
    """What the page needs to make the key, its request and the file."""

    subject: list[list[str]]  # [attribute, value] pairs, C first and CN last
    key_bits: int
    kdf_rounds: int  # PBKDF2 iterations of the key bag and the certificates, and the MAC's
    filename: str
    friendly_name: str


@dataclass(frozen=True)
class A1Issued:
    certificate: Certificate
    certificate_pem: str
    chain_pems: list[str]  # the issuing CA first, up to and including the root


def a1_check_issuable(order: Order) -> IssuanceRequest:
    """The order's issuance request, when the customer may issue now; otherwise the reason, in Portuguese."""
    request = IssuanceRequest.objects.filter(order=order).first()
    if order.status == Order.Status.REVOKED:
        raise AlreadyIssued("O certificado deste pedido foi revogado. Um pedido revogado não é emitido de novo.")
    if order.status == Order.Status.ISSUED:
        certificate = order.certificates.order_by("-issued_at").first()
        when = f" em {brasilia(certificate.issued_at)} (Brasília)" if certificate else ""
        raise AlreadyIssued(
            f"O certificado deste pedido já foi emitido{when}; outro pedido de certificado (CSR) não é aceito. A chave "
            "privada foi gerada no navegador e só existe no arquivo .pfx salvo na emissão: ela nunca chegou até nós. "
            "Se o arquivo não foi salvo, se perdeu ou corrompeu, veja as garantias de revogação e reemissão."
        )
    if delivery_kind(order.product) != "a1":
        raise IssuanceUnavailable(
            "Este certificado é A3: a emissão é feita na mídia (token ou cartão), não por download."
        )
    if order.status != Order.Status.RELEASED or request is None:
        raise IssuanceUnavailable(
            "O certificado ainda não foi liberado pela Autoridade Certificadora. Avisaremos por e-mail assim que "
            "puder ser emitido."
        )
    return request


def a1_delivery(order: Order) -> A1Delivery:
    return A1Delivery(
        subject=csr_subject(order),
        key_bits=settings.A1_KEY_SIZE,
        kdf_rounds=settings.A1_PKCS12_KDF_ROUNDS,
        filename=f"certificado-a1-{slugify(order.holder_name)[:40]}-{order.number}.pfx",
        friendly_name=common_name(identity_from_order(order)),
    )


def a1_issue_from_csr(*, order: Order, csr_pem: str | bytes, actor: Actor) -> A1Issued:
    """Check that the browser's request belongs to the order, have the CA sign its key, record it: the order is
    issued. Refused as an A3 token's request is (issuance.services.csr), with nothing changed."""
    issued = csr_certify(order=order, csr_pem=csr_pem, actor=actor, check=a1_check_issuable, origin=_origin())
    return A1Issued(
        certificate=issued.record,
        certificate_pem=issued.record.certificate_pem,
        chain_pems=[cert.public_bytes(serialization.Encoding.PEM).decode() for cert in issued.chain],
    )


def _origin() -> KeyOrigin:
    return KeyOrigin(kind="A1", key_size=settings.A1_KEY_SIZE, where="no navegador", made_by="gerada no navegador")
