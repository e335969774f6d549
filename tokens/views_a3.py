"""A3 installation from the customer's own browser: the page, and the JSON endpoints its script calls.

The browser talks to two parties. To the local agent (on the customer's computer) it sends the token's PIN: key
pair, CSR, certificate import. To the portal (these views) it sends the issuance password and the CSR, and gets
back the certificate. The PIN never reaches the portal; the issuance password never reaches the agent.

1. POST …/instalar/autorizar/  {password}  — the issuance password; the session may then send a CSR for
   A3_AUTHORISATION_MINUTES. Answers the subject and key label the token's CSR must carry.
2. POST …/instalar/csr/        {csr}       — a3_issue_from_csr; answers the certificate and the chain.
3. GET  …/instalar/certificado/            — an issued order's certificate, to write it on the token again.
Errors are `{"code", "message", "errors": [{"field", "code", "message"}]}` in Portuguese.
"""

import contextlib
import json
from datetime import datetime, timedelta

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import formats, timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from issuance.models import Certificate
from issuance.services.a3 import (
    a3_certificate_to_install,
    a3_check_issuable,
    a3_csr_subject,
    a3_issue_from_csr,
    a3_key_label,
    known_chain_pems,
)
from issuance.services.issue import AlreadyIssued, CaFailed, IssuanceLocked, issuance_password_check
from orders.decorators import customer_order_view
from orders.models import Order
from tecnosign.audit.services import Actor
from tecnosign.errors import DomainError

from .views import local_agent_connections

SESSION_KEY = "tokens.a3.authorised"
MAX_BODY_BYTES = 64 * 1024
STATUS_BY_ERROR = {IssuanceLocked: 429, CaFailed: 503}


def _error(code: str, message: str, *, status: int, field: str | None = None) -> JsonResponse:
    errors = [{"field": field, "code": code, "message": message}] if field else []
    return _json({"code": code, "message": message, "errors": errors}, status=status)


def _json(data: dict, *, status: int = 200) -> JsonResponse:
    return JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})


def _domain_error(error: DomainError) -> JsonResponse:
    status = next((code for kind, code in STATUS_BY_ERROR.items() if isinstance(error, kind)), 400)
    return _error(error.code, error.message, status=status, field=error.field)


def _access_refused(request) -> JsonResponse:
    return _error(
        "order_access_required",
        "Sua sessão expirou ou não dá acesso a este pedido. Abra o pedido de novo com o número e o CPF/CNPJ "
        "do titular.",
        status=403,
    )


# customer_order_view for the script's calls: a JSON 403 instead of a redirect to the look-up page.
_customer_order_api = customer_order_view(refuse=_access_refused)


def _json_body(request) -> dict | None:
    if len(request.body) > MAX_BODY_BYTES:
        return None
    try:
        body = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return None
    return body if isinstance(body, dict) else None


def _invalid_body() -> JsonResponse:
    return _error("invalid_json", "O corpo da requisição deve ser um objeto JSON.", status=400)


def _authorised(request, order: Order) -> bool:
    granted = request.session.get(SESSION_KEY, {}).get(order.number)
    if not granted:
        return False
    age = timezone.now() - datetime.fromisoformat(granted)
    return age <= timedelta(minutes=settings.A3_AUTHORISATION_MINUTES)


def _certificate_json(certificate: Certificate, *, chain: list[str] | None = None) -> dict:
    def when(moment):
        return formats.date_format(timezone.localtime(moment), "d/m/Y H:i")

    return {
        "certificate": certificate.certificate_pem,
        "chain": chain or [],
        "serial": certificate.serial,
        "subject": certificate.subject,
        "not_before": when(certificate.not_before),
        "not_after": when(certificate.not_after),
    }


@never_cache
@local_agent_connections
@customer_order_view
def a3_install(request, order: Order):
    """The page: pair with the local agent, pick the token, type the issuance password and the PIN, install."""
    context = {
        "order": order,
        "agent_default_url": settings.TOKENS_AGENT_DEFAULT_URL,
        "key_bits": settings.A3_KEY_SIZE,
        "state": "issuable",
        "blocked": "",
        "certificate": None,
    }
    try:
        a3_check_issuable(order)
    except DomainError as error:
        context.update(state="blocked", blocked=error.message)
        if isinstance(error, AlreadyIssued):
            _offer_writing_again(context, order)
    return render(request, "tokens/a3_install.html", context)


def _offer_writing_again(context: dict, order: Order) -> None:
    """An issued order's page offers to write its certificate again on the token that holds the key."""
    with contextlib.suppress(DomainError):  # revoked: nothing to write
        context.update(state="issued", certificate=a3_certificate_to_install(order))


@never_cache
@require_POST
@_customer_order_api
def a3_authorise(request, order: Order):
    body = _json_body(request)
    if body is None:
        return _invalid_body()
    password = body.get("password")
    if not isinstance(password, str) or not password:
        return _error("password_required", "Digite a senha de emissão.", status=400, field="password")
    actor = Actor.from_request(request, label="cliente")
    try:
        issuance_request = a3_check_issuable(order)
        issuance_password_check(request=issuance_request, order=order, password=password, actor=actor)
    except DomainError as error:
        return _domain_error(error)
    granted = {**request.session.get(SESSION_KEY, {}), order.number: timezone.now().isoformat()}
    request.session[SESSION_KEY] = granted
    return _json(
        {
            "subject": a3_csr_subject(order),
            "key_label": a3_key_label(order),
            "key_bits": settings.A3_KEY_SIZE,
            "valid_minutes": settings.A3_AUTHORISATION_MINUTES,
        }
    )


@never_cache
@require_POST
@_customer_order_api
def a3_csr(request, order: Order):
    body = _json_body(request)
    if body is None:
        return _invalid_body()
    try:
        a3_check_issuable(order)  # an issued order says so, whatever the state of the authorisation
    except DomainError as error:
        return _domain_error(error)
    if not _authorised(request, order):
        return _error(
            "issuance_password_required",
            "Confirme a senha de emissão antes de enviar o pedido de certificado: a confirmação vale "
            f"{settings.A3_AUTHORISATION_MINUTES} minutos.",
            status=403,
            field="password",
        )
    csr = body.get("csr")
    if not isinstance(csr, str):
        return _error("csr_missing", "Envie o pedido de certificado (CSR) gerado na mídia.", status=400, field="csr")
    try:
        issued = a3_issue_from_csr(order=order, csr_pem=csr, actor=Actor.from_request(request, label="cliente"))
    except DomainError as error:
        return _domain_error(error)
    return _json(_certificate_json(issued.certificate, chain=issued.chain_pems))


@never_cache
@require_GET
@_customer_order_api
def a3_installed_certificate(request, order: Order):
    try:
        certificate = a3_certificate_to_install(order)
    except DomainError as error:
        return _domain_error(error)
    return _json(_certificate_json(certificate, chain=known_chain_pems(certificate)))
