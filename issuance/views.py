"""The public PKI endpoints named in the certificates: CRL, OCSP, the CA certificates. (A1 issuance: views_a1.)"""

import base64
import binascii

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from .models import CertificateAuthority
from .services.publication import crl_latest, crl_publish, ocsp_respond

OCSP_REQUEST = "application/ocsp-request"
OCSP_RESPONSE = "application/ocsp-response"


def _authority(slug: str, *roles) -> CertificateAuthority:
    authority = CertificateAuthority.objects.filter(slug=slug, role__in=roles).first()
    if authority is None:
        raise Http404("AC desconhecida")
    return authority


@require_GET
def crl(request, slug: str):
    """The issuing CA's current CRL; published on the spot when none is current (a missed beat)."""
    authority = _authority(slug, CertificateAuthority.Role.ISSUING)
    latest = crl_latest(authority)
    if (latest is None or latest.next_update <= timezone.now()) and authority.active:
        latest = crl_publish()
    if latest is None:
        raise Http404("LCR indisponível")
    response = HttpResponse(bytes(latest.der), content_type="application/pkix-crl")
    response["Content-Disposition"] = f'inline; filename="{slug}.crl"'
    response["Last-Modified"] = latest.this_update.strftime("%a, %d %b %Y %H:%M:%S GMT")
    # Short caching: a revocation republishes at once and relying parties should see it soon.
    response["Cache-Control"] = "public, max-age=300"
    return response


@require_GET
def ca_certificate(request, slug: str):
    authority = _authority(slug, CertificateAuthority.Role.ROOT, CertificateAuthority.Role.ISSUING)
    der = x509.load_pem_x509_certificate(authority.certificate_pem.encode()).public_bytes(serialization.Encoding.DER)
    response = HttpResponse(der, content_type="application/pkix-cert")
    response["Content-Disposition"] = f'inline; filename="{slug}.crt"'
    response["Cache-Control"] = "public, max-age=86400"
    return response


def _ocsp_http(der: bytes, *, cache: bool) -> HttpResponse:
    response = HttpResponse(ocsp_respond(der), content_type=OCSP_RESPONSE)
    response["Cache-Control"] = "public, max-age=60" if cache else "no-store"
    return response


@csrf_exempt
@require_POST
def ocsp_post(request):
    """RFC 6960 Appendix A.1: the DER request as the body of a POST with Content-Type application/ocsp-request."""
    content_type = request.content_type or ""
    if content_type != OCSP_REQUEST:
        return HttpResponse("Content-Type deve ser application/ocsp-request", status=415, content_type="text/plain")
    return _ocsp_http(request.body, cache=False)


@require_GET
def ocsp_get(request, encoded: str):
    """RFC 6960 Appendix A.1: GET {url}/{url-encoding of base-64 encoding of the DER request}."""
    try:
        der = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        der = b""
    return _ocsp_http(der, cache=True)
