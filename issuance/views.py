"""Customer issuance (A1 download) and the public PKI endpoints named in the certificates (CRL, OCSP, CA)."""

import base64
import binascii

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from orders.decorators import customer_order_view
from orders.models import Order
from tecnosign.audit.services import Actor

from .forms import A1IssueForm
from .models import CertificateAuthority
from .services.a1 import a1_check_issuable, a1_issue
from .services.issue import AlreadyIssued, IssuanceLocked, IssuanceUnavailable, WrongIssuancePassword
from .services.publication import crl_latest, crl_publish, ocsp_respond

OCSP_REQUEST = "application/ocsp-request"
OCSP_RESPONSE = "application/ocsp-response"


@never_cache
@require_http_methods(["GET", "POST"])
@customer_order_view(ask="Para emitir o certificado, informe o número do pedido e o CPF/CNPJ do titular.")
def a1_issue_view(request, order: Order):
    form = A1IssueForm(request.POST or None)
    context = {"order": order, "form": form, "blocked": ""}
    try:
        a1_check_issuable(order)
    except AlreadyIssued as error:
        context["blocked"] = error.message
        return render(request, "issuance/a1_issue.html", context, status=410 if request.method == "POST" else 200)
    except IssuanceUnavailable as error:
        context["blocked"] = error.message
        return render(request, "issuance/a1_issue.html", context, status=409 if request.method == "POST" else 200)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                delivery = a1_issue(
                    order=order,
                    password=form.cleaned_data["password"],
                    actor=Actor.from_request(request, label="cliente"),
                )
            except IssuanceLocked as error:
                form.add_error(None, error.message)
                status = 429
            except WrongIssuancePassword as error:
                form.add_error("password", error.message)
            except AlreadyIssued as error:
                context["blocked"] = error.message
                status = 410
            except IssuanceUnavailable as error:
                form.add_error(None, error.message)
                status = 503
            else:
                response = HttpResponse(delivery.pkcs12, content_type="application/x-pkcs12")
                response["Content-Disposition"] = f'attachment; filename="{delivery.filename}"'
                return response
    return render(request, "issuance/a1_issue.html", context, status=status)


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
