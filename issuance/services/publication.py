"""Publication: the CRL (regenerated after each revocation and on a schedule) and the OCSP responder.

ICP-BRASIL.md, "Revocation": revoke at once; a CRL at least every CRL_PUBLISH_INTERVAL_HOURS with nextUpdate
CRL_NEXT_UPDATE_HOURS ahead (6 h and 12 h by default).
"""

from datetime import timedelta

from cryptography import x509
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ..backends import CaMisconfigured, get_backend
from ..models import CertificateAuthority, RevocationList

# Published lists kept per CA for support and audits; older ones are superseded and dropped.
KEEP_LISTS = 20
# The scheduled run republishes this long before the interval ends, so a beat every 10 minutes never
# lets the list get older than the interval.
SCHEDULE_MARGIN = timedelta(minutes=15)


def crl_publish() -> RevocationList:
    """Have the CA sign a fresh CRL and store it as the one served at the URL named in the certificates."""
    backend = get_backend()
    with transaction.atomic():
        der = backend.publish_crl()
        crl = x509.load_der_x509_crl(der)
        issuer = crl.issuer.rfc4514_string()
        authority = CertificateAuthority.objects.filter(subject=issuer, role=CertificateAuthority.Role.ISSUING).first()
        if authority is None:
            raise CaMisconfigured(f"the CRL's issuer {issuer!r} is not a CA registered in the portal")
        # A list fetched from another AC is checked before it is served; the local CA signed this one just now.
        ca_cert = x509.load_pem_x509_certificate(authority.certificate_pem.encode())
        if backend.name != "local" and not crl.is_signature_valid(ca_cert.public_key()):
            raise CaMisconfigured(f"the CRL of {issuer!r} is not signed by the registered certificate")
        number = crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number
        published = RevocationList.objects.create(
            authority=authority,
            number=number,
            this_update=crl.last_update_utc,
            next_update=crl.next_update_utc,
            entries=len(crl),
            der=der,
        )
        RevocationList.objects.filter(authority=authority, number__lte=number - KEEP_LISTS).delete()
    return published


def crl_latest(authority: CertificateAuthority) -> RevocationList | None:
    return RevocationList.objects.filter(authority=authority).order_by("-number").first()


def crl_publish_if_due() -> RevocationList | None:
    """The scheduled publication: a new CRL when the last is about to be CRL_PUBLISH_INTERVAL_HOURS old."""
    latest = RevocationList.objects.filter(authority__active=True).order_by("-this_update").first()
    interval = timedelta(hours=settings.CRL_PUBLISH_INTERVAL_HOURS)
    if latest is not None and latest.this_update + interval - SCHEDULE_MARGIN > timezone.now():
        return None
    return crl_publish()


def ocsp_respond(request_der: bytes) -> bytes:
    """RFC 6960 answer to a DER OCSPRequest: good, revoked or unknown, or an error status when malformed."""
    return get_backend().ocsp_response(request_der)
