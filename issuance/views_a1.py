"""A1 issuance from the customer's browser: the page, and the JSON endpoints its script calls.

The page's script (static/issuance/emitir.js, with PKI.js) makes the key pair, sends the portal the issuance
password and then the certificate request, and gets back the certificate and its chain; it builds the PKCS#12 with
the password the customer chose on the page and saves it. No private key and no file password ever reach the portal.

1. POST …/emitir/autorizar/  {password}  — the issuance password; the session may then send a request for
   A1_AUTHORISATION_MINUTES. Answers what the page needs: the subject, the key size, the file's iterations and name.
2. POST …/emitir/csr/        {csr}       — a1_issue_from_csr; answers the certificate and the chain.
Errors are `{"code", "message", "errors": [{"field", "code", "message"}]}` in Portuguese. The local agent's page
(tokens, for browsers without Web Crypto RSA) calls the same two.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.shortcuts import render
from django.utils import formats, timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from orders.decorators import customer_order_api, customer_order_view
from orders.models import Order
from tecnosign.audit.services import Actor
from tecnosign.errors import DomainError
from tecnosign.http import json_answer, json_body, json_error

from .models import Certificate
from .selectors import FILE_LOST, WITHOUT_WEB_CRYPTO, a1_page_offers
from .services.a1 import a1_check_issuable, a1_delivery, a1_issue_from_csr
from .services.issue import AlreadyIssued, CaFailed, IssuanceLocked, IssuanceUnavailable, issuance_password_check

SESSION_KEY = "issuance.a1.authorised"
# The first that matches: CaFailed is an IssuanceUnavailable.
STATUS_BY_ERROR = {IssuanceLocked: 429, CaFailed: 503, AlreadyIssued: 409, IssuanceUnavailable: 409}


def _domain_error(error: DomainError):
    status = next((code for kind, code in STATUS_BY_ERROR.items() if isinstance(error, kind)), 400)
    return json_error(error.code, error.message, status=status, field=error.field)


def _invalid_body():
    return json_error("invalid_json", "O corpo da requisição deve ser um objeto JSON.", status=400)


def _authorised(request, order: Order) -> bool:
    granted = request.session.get(SESSION_KEY, {}).get(order.number)
    if not isinstance(granted, str):
        return False
    age = timezone.now() - datetime.fromisoformat(granted)
    return timedelta(0) <= age <= timedelta(minutes=settings.A1_AUTHORISATION_MINUTES)


def _when(moment) -> str:
    return formats.date_format(timezone.localtime(moment), "d/m/Y H:i")


@never_cache
@require_GET
@customer_order_view
def a1_issue_page(request, order: Order):
    """The page: the issuance password, the file's password, and the script that makes key, request and file."""
    context = {
        "order": order,
        "state": "issuable",
        "blocked": "",
        "key_bits": settings.A1_KEY_SIZE,
        "minutes": settings.A1_AUTHORISATION_MINUTES,
        "alternatives": a1_page_offers(order, WITHOUT_WEB_CRYPTO),
    }
    try:
        a1_check_issuable(order)
    except DomainError as error:
        context.update(state="blocked", blocked=error.message)
        certificate = Certificate.objects.filter(order=order).order_by("-issued_at").first()
        if order.status == Order.Status.ISSUED and certificate is not None:
            # The key was the browser's: if the page closed before the file was saved, it is gone for good.
            context.update(state="issued", certificate=certificate, offers=a1_page_offers(order, FILE_LOST))
    return render(request, "issuance/a1_issue.html", context)


@never_cache
@require_POST
@customer_order_api
def a1_authorise(request, order: Order):
    body = json_body(request)
    if body is None:
        return _invalid_body()
    password = body.get("password")
    if not isinstance(password, str) or not password:
        return json_error("password_required", "Digite a senha de emissão.", status=400, field="password")
    try:
        issuance_request = a1_check_issuable(order)
        issuance_password_check(
            request=issuance_request, order=order, password=password, actor=Actor.from_request(request, label="cliente")
        )
        delivery = a1_delivery(order)
    except DomainError as error:
        return _domain_error(error)
    request.session[SESSION_KEY] = {**request.session.get(SESSION_KEY, {}), order.number: timezone.now().isoformat()}
    return json_answer(
        {
            "subject": delivery.subject,
            "key_bits": delivery.key_bits,
            "kdf_rounds": delivery.kdf_rounds,
            "filename": delivery.filename,
            "friendly_name": delivery.friendly_name,
            "valid_minutes": settings.A1_AUTHORISATION_MINUTES,
        }
    )


@never_cache
@require_POST
@customer_order_api
def a1_csr(request, order: Order):
    body = json_body(request)
    if body is None:
        return _invalid_body()
    try:
        a1_check_issuable(order)  # an issued order says so, whatever the state of the authorisation
    except DomainError as error:
        return _domain_error(error)
    if not _authorised(request, order):
        return json_error(
            "issuance_password_required",
            "Confirme a senha de emissão antes de enviar o pedido de certificado: a confirmação vale "
            f"{settings.A1_AUTHORISATION_MINUTES} minutos.",
            status=403,
            field="password",
        )
    csr = body.get("csr")
    if not isinstance(csr, str):
        return json_error("csr_missing", "Envie o pedido de certificado (CSR) gerado no navegador.", status=400)
    try:
        issued = a1_issue_from_csr(order=order, csr_pem=csr, actor=Actor.from_request(request, label="cliente"))
    except DomainError as error:
        return _domain_error(error)
    request.session[SESSION_KEY] = {
        number: granted for number, granted in request.session.get(SESSION_KEY, {}).items() if number != order.number
    }
    certificate = issued.certificate
    return json_answer(
        {
            "certificate": issued.certificate_pem,
            "chain": issued.chain_pems,
            "serial": certificate.serial,
            "subject": certificate.subject,
            "not_before": _when(certificate.not_before),
            "not_after": _when(certificate.not_after),
        }
    )
