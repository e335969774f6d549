"""The CA backend interface: what the portal asks of a certificate authority, whichever it is."""

import abc
import uuid
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509

from ..pki.names import HolderIdentity


class CaError(Exception):
    """Something the CA answered or failed to answer. `str(error)` is for logs and staff, in English."""


class CaUnavailable(CaError):
    """Transient: timeout, connection refused, 5xx, throttled. Retrying later may succeed."""


class CaRejected(CaError):
    """The CA refused the request itself (bad data, not released yet): retrying the same will not help."""


class CaUnknown(CaError):
    """The CA does not know this reference or serial."""


class CaMisconfigured(CaError):
    """Credentials or addresses are wrong on our side: staff must fix the settings."""


@dataclass(frozen=True)
class Submission:
    reference: str
    status: str  # PENDING, RELEASED or REJECTED below
    message: str = ""

    PENDING = "pending"
    RELEASED = "released"
    REJECTED = "rejected"


@dataclass(frozen=True)
class IssuedCertificate:
    certificate: x509.Certificate
    chain: list[x509.Certificate]  # the issuer first, up to and including the root


@dataclass(frozen=True)
class NegativeListAnswer:
    """The CA's Lista Negativa about a holder: `listed` or not, the CA's reference for the query, and (when listed)
    its reason — for staff, never for the customer."""

    listed: bool
    reference: str
    reason: str = ""


class CaBackend(abc.ABC):
    name: str

    @abc.abstractmethod
    def submit(self, *, request_key: uuid.UUID, order_number: str, identity: HolderIdentity) -> Submission:
        """Hand over a verified request. Idempotent by `request_key`: a repeat returns the same reference."""

    @abc.abstractmethod
    def negative_list_check(self, *, cpf: str, cnpj: str = "") -> NegativeListAnswer:
        """Is the person on camera (`cpf`) — or, for an e-CNPJ, the company (`cnpj`) — on the CA's Lista Negativa?

        DOC-ICP-05: the CA gives its ARs an interface to the list, and a listed holder is not validated. Asked before
        the agent may validate and again before the hand-off; errors as the other calls (CaUnavailable…).
        """

    @abc.abstractmethod
    def poll(self, reference: str) -> Submission:
        """Where the request stands. Raises CaUnknown for a reference the CA never gave."""

    def issuing_ca_name(self) -> str | None:
        """The name the CA writes as the subject's first OU, when it is known before issuance (None if not)."""
        return None

    @abc.abstractmethod
    def issue(self, *, reference: str, csr: x509.CertificateSigningRequest) -> IssuedCertificate:
        """Sign the holder's key (proved by the CSR) with the identity submitted under `reference`."""

    @abc.abstractmethod
    def revoke(self, *, serial: int, reason: int, revoked_at: datetime) -> None:
        """Revoke with an RFC 5280 reason code. Idempotent; CaUnknown for a serial the CA never issued."""

    @abc.abstractmethod
    def publish_crl(self) -> bytes:
        """A freshly signed CRL (DER) of the issuing CA, with every revocation so far."""

    @abc.abstractmethod
    def ocsp_response(self, request_der: bytes) -> bytes:
        """An RFC 6960 OCSPResponse (DER) answering `request_der`; malformed requests get an error status."""
