"""Payment gateways behind one interface; `get_gateway()` returns the configured one."""

from django.conf import settings

from .api_pix import ApiPixGateway
from .base import (
    ChargeNotFound,
    ChargeResult,
    ChargeState,
    GatewayEvent,
    GatewayUnavailable,
    PaymentGateway,
    RefundResult,
    SettlementLine,
    WebhookRejected,
)
from .mercadopago import MercadoPagoGateway
from .sandbox import SandboxGateway

GATEWAYS: dict[str, type[PaymentGateway]] = {
    SandboxGateway.name: SandboxGateway,
    ApiPixGateway.name: ApiPixGateway,
    MercadoPagoGateway.name: MercadoPagoGateway,
}


def get_gateway(name: str | None = None) -> PaymentGateway:
    name = name or settings.PAYMENT_GATEWAY
    try:
        return GATEWAYS[name]()
    except KeyError:
        raise LookupError(f"unknown payment gateway {name!r}") from None


def gateway_name_for(method: str) -> str:
    """The gateway configured for a payment method: PAYMENT_GATEWAY_PIX / _BOLETO / _CARD, else PAYMENT_GATEWAY."""
    return getattr(settings, f"PAYMENT_GATEWAY_{method.upper()}", "") or settings.PAYMENT_GATEWAY


def gateway_for(method: str) -> PaymentGateway:
    """The gateway that charges `method` (a Payment.Method value). A payment already made is always handled by
    the gateway named on its row (`get_gateway(payment.gateway)`), whatever the settings say now."""
    return get_gateway(gateway_name_for(method))


def configured_gateway_names() -> set[str]:
    """Every gateway some payment method is configured to use."""
    return {gateway_name_for(method) for method in ("pix", "boleto", "card")}


__all__ = [
    "GATEWAYS",
    "ChargeNotFound",
    "ChargeResult",
    "ChargeState",
    "GatewayEvent",
    "GatewayUnavailable",
    "PaymentGateway",
    "RefundResult",
    "SettlementLine",
    "WebhookRejected",
    "configured_gateway_names",
    "gateway_for",
    "gateway_name_for",
    "get_gateway",
]
