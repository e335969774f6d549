"""The holder's certificate request (PKCS#10), whoever made the key: the A3 token or the A1 customer's browser.

One set of rules for both (`csr_certify`): a PKCS#10 in PEM or DER whose signature verifies and is SHA-2, an RSA key
of exactly the size the product asks for, the order's holder as the subject's CN; and, decided under the lock by
`certificate_issue` and a unique constraint, a key never certified before. A refused request changes nothing but the
audit log; an accepted one is signed by the CA and the order becomes `issued`.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.db import transaction

from orders.models import Order
from tecnosign.audit.services import Actor, audit_record
from tecnosign.errors import DomainError

from ..backends import get_backend
from ..models import IssuanceRequest
from ..pki.names import common_name, subject_attributes
from .authority import CaNotReady
from .handoff import identity_from_order
from .issue import CaFailed, IssuedCertificateRecord, certificate_issue

logger = logging.getLogger(__name__)

# A PKCS#10 request with an RSA-4096 key and a full ICP-Brasil subject is under 3 KB.
MAX_CSR_BYTES = 16 * 1024
ACCEPTED_HASHES = (hashes.SHA256, hashes.SHA384, hashes.SHA512)


class CsrRefused(DomainError):
    """The CSR is not one the order may have certified. `code` says why (csr_invalid, csr_key_type, …)."""

    code = "csr_refused"

    def __init__(self, message: str, *, code: str):
        super().__init__(message, code=code, field="csr")


@dataclass(frozen=True)
class KeyOrigin:
    """Where the holder's key is made, as the refusals tell the customer (A3: the token; A1: the browser)."""

    kind: str  # "A1" or "A3": the audit log's and the messages' name for it
    key_size: int
    where: str  # "na mídia", "no navegador"
    made_by: str  # whose key signs the request: "da mídia", "gerada no navegador"


def csr_subject(order: Order) -> list[list[str]]:
    """The subject the request carries: the holder's DOC-ICP-04 DN, as [attribute, value] pairs.

    The CA writes the certificate's subject from the identity it received at hand-off; the request's CN must match
    it (csr_certify checks), the rest is informative.
    """
    request = IssuanceRequest.objects.filter(order=order).first()
    backend = get_backend(request.backend if request else None)
    try:
        issuing_ca = backend.issuing_ca_name()
    except CaNotReady as exc:
        # A deployment fault (no `ca_init`, wrong CA_KEY_PASSPHRASE), not the customer's: staff must act.
        logger.error("local CA not ready, the request subject of order %s is unknown: %s", order.number, exc)
        raise CaFailed(
            "A Autoridade Certificadora não está disponível agora. Nada foi emitido nem alterado; tente de novo em "
            "alguns minutos."
        ) from exc
    pairs = subject_attributes(identity_from_order(order), issuing_ca=issuing_ca, ar_cnpj=settings.ICP_AR_CNPJ)
    return [[attribute, value] for attribute, value in pairs]


def csr_certify(
    *, order: Order, csr_pem: str | bytes, actor: Actor, check: Callable[[Order], IssuanceRequest], origin: KeyOrigin
) -> IssuedCertificateRecord:
    """`check` the order may be issued, check the request is the order's, have the CA sign its key, record it.

    Refused (CsrRefused, audited as issuance.<kind>_csr_refused, the order unchanged) before the CA sees anything;
    KeyAlreadyCertified and a second issuance are refused under the lock (certificate_issue).
    """
    request = check(order)
    try:
        csr = csr_checked(csr_pem, order=order, origin=origin)
    except CsrRefused as refusal:
        with transaction.atomic():
            audit_record(
                action=f"issuance.{origin.kind.lower()}_csr_refused",
                obj=order,
                actor=actor,
                after={"code": refusal.code},
            )
        raise
    return certificate_issue(request=request, order=order, csr=csr, actor=actor, check=check, kind=origin.kind)


def csr_checked(data: str | bytes, *, order: Order, origin: KeyOrigin) -> x509.CertificateSigningRequest:
    csr = _load(data, origin)
    try:
        public_key = csr.public_key()
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise CsrRefused(
            "A chave do pedido de certificado (CSR) é de um tipo que não reconhecemos. Certificados "
            f"{origin.kind} usam chave RSA de {origin.key_size} bits gerada {origin.where}.",
            code="csr_key_type",
        ) from exc
    if not isinstance(public_key, RSAPublicKey):
        raise CsrRefused(
            f"A chave do pedido de certificado (CSR) não é RSA. Certificados {origin.kind} ICP-Brasil usam chave RSA "
            f"de {origin.key_size} bits gerada {origin.where}.",
            code="csr_key_type",
        )
    if public_key.key_size != origin.key_size:
        raise CsrRefused(
            f"A chave do pedido de certificado (CSR) tem {public_key.key_size} bits; para certificados {origin.kind} "
            f"ela deve ter exatamente {origin.key_size} bits. Gere a chave de novo {origin.where}.",
            code="csr_key_size",
        )
    if not _sha2_signed(csr):
        raise CsrRefused(
            "O pedido de certificado (CSR) foi assinado com um resumo (hash) fraco. Use SHA-256: gere o pedido de "
            "novo pela página do pedido.",
            code="csr_weak_hash",
        )
    if not _signature_verifies(csr):
        raise CsrRefused(
            "A assinatura do pedido de certificado (CSR) não confere com a chave dele: o pedido não foi assinado "
            f"pela chave {origin.made_by} ou foi alterado no caminho. Gere a chave e o pedido de novo.",
            code="csr_signature_invalid",
        )
    expected = common_name(identity_from_order(order))
    names = [attribute.value for attribute in csr.subject.get_attributes_for_oid(NameOID.COMMON_NAME)]
    if names != [expected]:
        given = names[0] if len(names) == 1 else ("vários nomes" if names else "nenhum nome")
        raise CsrRefused(
            f"O titular do pedido de certificado (CSR) não é o deste pedido: veio “{given}”, esperávamos "
            f"“{expected}”. Gere o pedido pela página do pedido, que já preenche o titular.",
            code="csr_subject_mismatch",
        )
    return csr


def _load(data: str | bytes, origin: KeyOrigin) -> x509.CertificateSigningRequest:
    raw = data.encode("utf-8", errors="replace") if isinstance(data, str) else bytes(data or b"")
    if not raw.strip():
        raise CsrRefused(f"Envie o pedido de certificado (CSR) gerado {origin.where}.", code="csr_missing")
    if len(raw) > MAX_CSR_BYTES:
        raise CsrRefused("O pedido de certificado (CSR) enviado é grande demais.", code="csr_invalid")
    try:
        if b"-----BEGIN" in raw:
            return x509.load_pem_x509_csr(raw)
        return x509.load_der_x509_csr(raw)
    except ValueError as exc:
        raise CsrRefused(
            "O que foi enviado não é um pedido de certificado (CSR PKCS#10) válido, em PEM ou DER.", code="csr_invalid"
        ) from exc


def _sha2_signed(csr: x509.CertificateSigningRequest) -> bool:
    try:
        return isinstance(csr.signature_hash_algorithm, ACCEPTED_HASHES)
    except UnsupportedAlgorithm:
        return False


def _signature_verifies(csr: x509.CertificateSigningRequest) -> bool:
    try:
        return csr.is_signature_valid
    except (UnsupportedAlgorithm, InvalidSignature, ValueError):
        return False
