"""The renewal page: from a reminder's link, a partner's link or the order page."""

import base64
import json

from csp.decorators import csp_update
from django.conf import settings
from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from orders.decorators import customer_order_api, customer_order_view
from orders.models import Product
from orders.services.access import grant_access
from tecnosign.audit.services import Actor
from tecnosign.errors import DomainError
from tecnosign.http import json_error

from .forms import RenewalForm
from .services.links import RenewalLinkInvalid, renewal_link_open
from .services.online import (
    OnlineRenewalRefused,
    online_renewal_eligibility,
    online_renewal_request,
    online_renewal_submit,
)
from .services.orders import RenewalRefused, renewal_check, renewal_offers, renewal_order_create


@require_http_methods(["GET", "POST"])
def start(request, token: str):
    try:
        certificate = renewal_link_open(token)
        renewal_check(certificate)
    except (RenewalLinkInvalid, RenewalRefused) as error:
        return render(request, "renewal/invalid.html", {"message": error.message}, status=404)
    order = certificate.order
    offers = renewal_offers(certificate)
    initial = {"email": order.email, "mobile": order.mobile_display, "product": order.product.code}
    form = RenewalForm(request.POST or None, initial=initial, offers=offers)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            renewal = renewal_order_create(
                certificate=certificate,
                product_code=data["product"],
                email=data["email"],
                mobile=data["mobile"],
                issuance_password=data["issuance_password"],
                revocation_password=data["revocation_password"],
                lgpd_consent=data["lgpd_consent"],
                actor=Actor.from_request(request, label=order.holder_document),
            )
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            grant_access(request.session, renewal)
            messages.success(request, f"Pedido de renovação {renewal.number} criado. Agora é só pagar.")
            return redirect("orders:detail", number=renewal.number)
    context = {
        "certificate": certificate,
        "order": order,
        "offers": offers,
        "form": form,
        "lgpd_version": settings.LGPD_CONSENT_VERSION,
    }
    return render(request, "renewal/start.html", context, status=400 if form.errors else 200)


# The page talks to the local agent on this computer (as the token pages do: tokens.views.local_agent_connections).
local_agent_connections = csp_update({"connect-src": ["http://127.0.0.1:*", "http://localhost:*", "http://[::1]:*"]})


@local_agent_connections
@customer_order_view(ask="Para renovar on-line, informe o número e o CPF/CNPJ do titular.")
def online(request, order):
    eligibility = online_renewal_eligibility(order)
    context = {
        "order": order,
        "eligibility": eligibility,
        "agent_default_url": settings.TOKENS_AGENT_DEFAULT_URL,
        "a1": order.renews is not None and order.renews.order.product.certificate_type == Product.CertificateType.A1,
    }
    if eligibility.allowed:
        token, text = online_renewal_request(order)
        context |= {
            "request_token": token,
            "request_text": text,
            "request_b64": base64.b64encode(text.encode()).decode(),
        }
    return render(request, "renewal/online.html", context)


@require_POST
@customer_order_api
def online_sign(request, order):
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        body = None
    if not isinstance(body, dict) or not all(isinstance(body.get(k), str) for k in FIELDS):
        return json_error("invalid_body", "Requisição inválida.", status=400)
    try:
        online_renewal_submit(
            order=order,
            request_token=body["request"],
            signature=body["signature"],
            certificate_pem=body["certificate"],
            actor=Actor.from_request(request, label=order.holder_document),
        )
    except OnlineRenewalRefused as error:
        return json_error(error.code, error.message, status=400)
    return JsonResponse({"message": SIGNED})


FIELDS = ("request", "signature", "certificate")
SIGNED = "Renovação assinada e conferida: o pedido seguiu para a central de verificação, sem videoconferência."
