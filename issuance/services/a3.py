"""A3 issuance: the key pair is made on the holder's token or card, the CSR is signed there, the CA signs the key
the CSR proves, and the certificate goes back to the media. The private key never leaves the token.

Two ways in, one service: the customer's own browser on the order page (tokens.views_a3, after the issuance
password) and a registration agent's workstation job (tokens.operations, "a3_issue"). Both send the token's CSR to
`a3_issue_from_csr`, which refuses any CSR that does not belong to the order before the CA sees it.
"""

from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.conf import settings

from orders.models import Order
from tecnosign.audit.services import Actor

from ..models import Certificate, CertificateAuthority, IssuanceRequest
from .csr import KeyOrigin, csr_certify, csr_subject
from .handoff import delivery_kind
from .issue import AlreadyIssued, IssuanceUnavailable, brasilia


class MediaNotDelivered(IssuanceUnavailable):
    code = "media_not_delivered"


@dataclass(frozen=True)
class A3Issued:
    certificate: Certificate
    certificate_pem: str
    chain_pems: list[str]  # the issuing CA first, up to and including the root


def a3_check_issuable(order: Order) -> IssuanceRequest:
    """The order's issuance request when its certificate may be issued on a token now; else why not, in pt-BR."""
    request = IssuanceRequest.objects.filter(order=order).first()
    kind = delivery_kind(order.product)
    if kind == "a1":
        raise IssuanceUnavailable(
            "Este certificado é A1 (arquivo): a chave e o arquivo são gerados no seu navegador, na página de emissão "
            "do pedido, com a senha de emissão — não em token ou cartão."
        )
    if order.status == Order.Status.REVOKED:
        raise AlreadyIssued("O certificado deste pedido foi revogado. Um pedido revogado não é emitido de novo.")
    if order.status == Order.Status.ISSUED:
        certificate = order.certificates.order_by("-issued_at").first()
        when = f" em {brasilia(certificate.issued_at)} (Brasília)" if certificate else ""
        raise AlreadyIssued(
            f"O certificado deste pedido já foi emitido{when}; outro pedido de certificado (CSR) não é aceito. "
            "Se ele não ficou gravado na mídia, use “Gravar o certificado na mídia” na página de instalação, com "
            "a mesma mídia em que a chave foi gerada."
        )
    if order.status != Order.Status.RELEASED or request is None:
        if order.status == Order.Status.VERIFIED:
            raise IssuanceUnavailable(
                "O certificado ainda não foi liberado pela Autoridade Certificadora (prazo de até 24 horas). "
                "Avisaremos por e-mail assim que ele puder ser emitido."
            )
        raise IssuanceUnavailable(
            f"O pedido está em “{order.get_status_display()}”: a emissão só é possível depois da validação da "
            "identidade e da liberação pela Autoridade Certificadora."
        )
    if kind == "a3_delivery" and request.media_delivered_at is None:
        raise MediaNotDelivered(
            "A mídia (token ou cartão) deste pedido ainda não foi entregue: a emissão é feita nela, depois da "
            "entrega. Avisaremos por e-mail assim que registrarmos a entrega."
        )
    return request


def a3_csr_subject(order: Order) -> list[list[str]]:
    """The subject the token's CSR carries: the holder's DOC-ICP-04 DN, as [attribute, value] pairs for the agent."""
    return csr_subject(order)


def a3_key_label(order: Order) -> str:
    """How the key (and then the certificate) is named on the token, so people can tell it from others."""
    return f"TecnoSign {order.number}"


def a3_issue_from_csr(*, order: Order, csr_pem: str | bytes, actor: Actor) -> A3Issued:
    """Check that the token's CSR belongs to the order, have the CA sign its key, record it; the order is issued.

    Refused (CsrRefused, the order unchanged): not a PKCS#10 in PEM or DER, a signature that does not verify, a
    key that is not RSA of A3_KEY_SIZE bits, a subject CN that is not the order's holder; and (KeyAlreadyCertified,
    decided under the lock by certificate_issue and a unique constraint) a key certified before.
    """
    issued = csr_certify(order=order, csr_pem=csr_pem, actor=actor, check=a3_check_issuable, origin=_origin())
    return A3Issued(
        certificate=issued.record,
        certificate_pem=issued.record.certificate_pem,
        chain_pems=[cert.public_bytes(serialization.Encoding.PEM).decode() for cert in issued.chain],
    )


def a3_certificate_to_install(order: Order) -> Certificate:
    """The valid certificate of an issued A3 order, to write (again) on the token that holds its key."""
    certificate = (
        Certificate.objects.filter(order=order, status=Certificate.Status.VALID).order_by("-issued_at").first()
        if delivery_kind(order.product) != "a1" and order.status == Order.Status.ISSUED
        else None
    )
    if certificate is None:
        raise IssuanceUnavailable("Este pedido não tem um certificado A3 emitido e válido para gravar na mídia.")
    return certificate


def _origin() -> KeyOrigin:
    return KeyOrigin(kind="A3", key_size=settings.A3_KEY_SIZE, where="na mídia", made_by="da mídia")


def known_chain_pems(certificate: Certificate) -> list[str]:
    """The chain of a certificate the local CA signed, issuer first up to the root; empty for another CA's (its
    chain came with the issuance, and the customer's software can fetch it from the AIA address)."""
    issuer = x509.load_pem_x509_certificate(certificate.certificate_pem.encode()).issuer
    for authority in CertificateAuthority.objects.select_related("parent").exclude(role=CertificateAuthority.Role.OCSP):
        if x509.load_pem_x509_certificate(authority.certificate_pem.encode()).subject != issuer:
            continue
        chain = []
        while authority is not None:
            chain.append(authority.certificate_pem)
            authority = authority.parent
        return chain
    return []
