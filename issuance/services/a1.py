"""A1 issuance: with the issuance password, make the key pair, have the CA sign it, hand over one PKCS#12.

The private key exists only in this process's memory and in the PKCS#12 returned to the customer's browser;
it is never written to the database, a file, a log or a cache.
"""

from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.db import transaction
from django.utils.text import slugify

from orders.models import Order
from tecnosign.audit.services import Actor

from ..models import Certificate, IssuanceRequest
from ..pki.names import common_name
from ..pki.pkcs12 import a1_bundle
from .handoff import delivery_kind, identity_from_order
from .issue import AlreadyIssued, IssuanceUnavailable, brasilia, certificate_issue, issuance_password_check


@dataclass(frozen=True)
class A1Delivery:
    pkcs12: bytes
    filename: str
    certificate: Certificate


def a1_check_issuable(order: Order) -> IssuanceRequest:
    """The order's issuance request, when the customer may issue now; otherwise the reason, in Portuguese."""
    request = IssuanceRequest.objects.filter(order=order).first()
    if order.status in (Order.Status.ISSUED, Order.Status.REVOKED):
        certificate = order.certificates.order_by("-issued_at").first()
        when = f" em {brasilia(certificate.issued_at)} (Brasília)" if certificate else ""
        raise AlreadyIssued(
            f"O certificado deste pedido já foi emitido e baixado{when}. Por segurança o arquivo é entregue uma "
            "única vez e a chave privada não fica guardada conosco. Se o arquivo se perdeu ou corrompeu, "
            "veja as garantias de revogação e reemissão."
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


def a1_issue(*, order: Order, password: str, actor: Actor) -> A1Delivery:
    """The customer's issuance: check the issuance password (attempts limited), then issue and package."""
    request = a1_check_issuable(order)
    issuance_password_check(request=request, order=order, password=password, actor=actor)
    return a1_issue_certificate(request=request, order=order, password=password, actor=actor)


def a1_issue_certificate(*, request: IssuanceRequest, order: Order, password: str, actor: Actor) -> A1Delivery:
    """Key pair, CA signature and PKCS#12, recorded in one transaction. Only after the password is checked."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=settings.A1_KEY_SIZE)
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, order.number)]))
        .sign(key, hashes.SHA256())
    )
    with transaction.atomic():
        # a1_check_issuable runs again under the lock: a concurrent click may have issued while this one made its key.
        issued = certificate_issue(
            request=request, order=order, csr=csr, actor=actor, check=a1_check_issuable, kind="A1"
        )
        # Built before commit: if packaging failed, nothing would be recorded as delivered.
        bundle = a1_bundle(
            key=key,
            certificate=issued.certificate,
            chain=issued.chain,
            password=password,
            friendly_name=common_name(identity_from_order(issued.order)),
            kdf_rounds=settings.A1_PKCS12_KDF_ROUNDS,
        )
    current = issued.order
    filename = f"certificado-a1-{slugify(current.holder_name)[:40]}-{current.number}.pfx"
    return A1Delivery(pkcs12=bundle, filename=filename, certificate=issued.record)
