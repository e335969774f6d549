"""The customer paying on the order page, and the gateways' webhooks."""

import base64
import io

import qrcode
from django.contrib import messages
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from tecnosign.audit.services import Actor

from .boleto_pdf import boleto_pdf
from .decorators import customer_order_view
from .forms_payment import CardForm
from .models import Order, Payment
from .payments.gateways import GATEWAYS, GatewayUnavailable, WebhookRejected, configured_gateway_names, gateway_for
from .payments.gateways.sandbox import SandboxGateway, sandbox_allowed, sandbox_schedule_webhook
from .services.payments import PaymentNotAllowed, payment_start, webhook_receive
from .services.refunds import RefundNotAllowed, order_withdraw


def _sandbox_refused() -> bool:
    """The sandbox is the configured gateway where it is not allowed (production refuses to start so: defence)."""
    return SandboxGateway.name in configured_gateway_names() and not sandbox_allowed()


def _back(order: Order, anchor: str = "pagamento"):
    response = redirect("orders:detail", number=order.number)
    response["Location"] += f"#{anchor}"
    return response


@require_POST
@customer_order_view
def payment_choose(request, order: Order):
    if _sandbox_refused():
        raise Http404
    method = request.POST.get("method")
    if method not in (Payment.Method.BOLETO, Payment.Method.PIX):
        messages.error(request, "Escolha boleto, PIX ou cartão.")
        return _back(order)
    try:
        payment_start(order=order, method=method, actor=Actor.from_request(request, label="cliente"))
    except PaymentNotAllowed as error:
        messages.error(request, error.message)
    except GatewayUnavailable:
        # Nothing was stored (the charge is made inside the transaction): the customer simply tries again.
        messages.error(request, UNAVAILABLE)
    return _back(order)


UNAVAILABLE = "Não foi possível gerar a cobrança agora: o meio de pagamento não respondeu. Tente de novo em instantes."


def card_hosted_checkout() -> bool:
    """Whether cards are typed on the card gateway's own page (Mercado Pago's checkout), not in a form here."""
    return gateway_for(Payment.Method.CARD).hosted_card_checkout


def allow_card_checkout(response):
    """The order page's card form may be sent on to the card gateway's hosted checkout (its CSP `form-action`)."""
    gateway = gateway_for(Payment.Method.CARD)
    if gateway.hosted_card_checkout and gateway.checkout_origins:
        response._csp_update = {"form-action": list(gateway.checkout_origins)}
    return response


def _card_hosted(request, order: Order):
    """Create the charge and send the customer to the provider's checkout: the card never touches the portal."""
    try:
        payment = payment_start(
            order=order, method=Payment.Method.CARD, actor=Actor.from_request(request, label="cliente")
        )
    except PaymentNotAllowed as error:
        messages.error(request, error.message)
        return _back(order)
    except GatewayUnavailable:
        messages.error(request, UNAVAILABLE)
        return _back(order)
    if payment.status == Payment.Status.FAILED or not payment.checkout_url:
        messages.error(request, payment.failure_reason or UNAVAILABLE)
        return _back(order)
    return redirect(payment.checkout_url)


@require_POST
@customer_order_view
def payment_card(request, order: Order):
    if _sandbox_refused():
        raise Http404  # the sandbox's test cards would pay the order
    if card_hosted_checkout():
        return _card_hosted(request, order)
    form = CardForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"{label}: {errors[0]}" if label else errors[0])
        return _back(order)
    try:
        payment = payment_start(
            order=order,
            method=Payment.Method.CARD,
            actor=Actor.from_request(request, label="cliente"),
            card=form.card(),
        )
    except PaymentNotAllowed as error:
        messages.error(request, error.message)
        return _back(order)
    if payment.status == Payment.Status.FAILED:
        messages.error(request, f"{payment.failure_reason} Tente outro cartão ou pague por PIX ou boleto.")
    else:
        messages.success(request, f"Pagamento com cartão final {payment.card_last4} aprovado.")
    return _back(order)


def sandbox_simulation_enabled() -> bool:
    return SandboxGateway.name in configured_gateway_names() and sandbox_allowed()


@require_POST
@customer_order_view
def payment_simulate(request, order: Order):
    """Development and staging only: the sandbox "bank" pays the live charge, through the signed webhook."""
    if not sandbox_simulation_enabled():
        raise Http404
    # Only a charge the sandbox made: its "bank" knows nothing of another gateway's (a Mercado Pago boleto).
    payment = order.payments.filter(status=Payment.Status.PENDING, gateway=SandboxGateway.name).first()
    if payment is None:
        messages.error(request, "Não há cobrança em aberto para simular.")
    else:
        sandbox_schedule_webhook(charge_id=payment.charge_id, status="paid", amount=payment.amount)
        messages.success(request, "Pagamento simulado enviado pelo ambiente de testes.")
    return _back(order)


def pix_qr_data_uri(payload: str) -> str:
    image = qrcode.make(payload, box_size=6, border=2)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


@csrf_exempt
@require_POST
@never_cache
def webhook(request, gateway: str):
    if gateway not in GATEWAYS or (gateway == SandboxGateway.name and not sandbox_allowed()):
        raise Http404
    try:
        outcome = webhook_receive(gateway_name=gateway, body=request.body, headers=request.headers)
    except WebhookRejected as error:
        return JsonResponse({"error": error.code, "detail": error.message}, status=400)
    except GatewayUnavailable:
        # The charge could not be read back: nothing was stored, and the provider delivers the callback again.
        return JsonResponse({"error": "gateway_unavailable", "detail": "try again later"}, status=503)
    return JsonResponse({"received": True, "outcome": outcome})


@require_POST
@customer_order_view
def withdraw(request, order: Order):
    """The customer's withdrawal (CDC art. 49), confirmed on the order page: cancel and refund in full."""
    if request.POST.get("confirm") != "1":
        messages.error(request, "Confirme a desistência marcando a caixa.")
        return _back(order, "desistencia")
    try:
        order_withdraw(
            order=order,
            actor=Actor.from_request(request, label="cliente"),
            payee_pix_key=request.POST.get("pix_key", "")[:140],
        )
    except RefundNotAllowed as error:
        messages.error(request, error.message)
        return _back(order, "desistencia")
    messages.success(request, "Pedido cancelado. A devolução do valor pago foi solicitada e você receberá um e-mail.")
    return _back(order, "desistencia")


@never_cache
@customer_order_view
def boleto_pdf_view(request, order: Order):
    """The live boleto, printable: its digitable line and its Interleaved 2 of 5 barcode."""
    payment = (
        order.payments.filter(method=Payment.Method.BOLETO, status=Payment.Status.PENDING)
        .exclude(boleto_barcode="")
        .order_by("-id")
        .first()
    )
    if payment is None or order.status not in Order.PAYABLE:
        raise Http404
    response = HttpResponse(boleto_pdf(order, payment), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="boleto-{order.number}.pdf"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
