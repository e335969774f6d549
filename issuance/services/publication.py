"""Publication: the CRL (regenerated after each revocation and on a schedule) and the OCSP responder.

The portal publishes for the local CA. An external AC writes its own CRL and OCSP URLs in the certificates
it signs and serves them itself (its adapter can still fetch both through the backend interface).

ICP-BRASIL.md, "Revocation": revoke at once; a CRL at least every CRL_PUBLISH_INTERVAL_HOURS with nextUpdate
CRL_NEXT_UPDATE_HOURS ahead (6 h and 12 h by default).
"""

from datetime import timedelta

from cryptography import x509
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ..backends import get_backend
from ..models import CertificateAuthority, RevocationList

# Published lists kept per CA for support and audits; older ones are superseded and dropped.
KEEP_LISTS = 20
# The scheduled run republishes this long before the interval ends, so a beat every 10 minutes never
# lets the list get older than the interval.
SCHEDULE_MARGIN = timedelta(minutes=15)


def crl_publish() -> RevocationList:
    """Have the local CA sign a fresh CRL and store it as the one served at the URL named in its certificates."""
    with transaction.atomic():
        der = get_backend("local").publish_crl()
        crl = x509.load_der_x509_crl(der)
        issuer = crl.issuer.rfc4514_string()
        authority = CertificateAuthority.objects.get(subject=issuer, role=CertificateAuthority.Role.ISSUING)
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
    """The scheduled publication: a new CRL when the last is about to be CRL_PUBLISH_INTERVAL_HOURS old.

    Only for the local CA: an external AC names and publishes its own CRL in the certificates it signs.
    """
    if settings.CA_BACKEND != "local":
        return None
    latest = RevocationList.objects.filter(authority__active=True).order_by("-this_update").first()
    interval = timedelta(hours=settings.CRL_PUBLISH_INTERVAL_HOURS)
    if latest is not None and latest.this_update + interval - SCHEDULE_MARGIN > timezone.now():
        return None
    return crl_publish()


def ocsp_respond(request_der: bytes) -> bytes:
    """RFC 6960 answer to a DER OCSPRequest: good, revoked or unknown, or an error status when malformed."""
    return get_backend("local").ocsp_response(request_der)
