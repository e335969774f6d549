"""Payment gateways behind one interface; `get_gateway()` returns the configured one."""

from django.conf import settings

from .base import ChargeResult, GatewayEvent, PaymentGateway, WebhookRejected
from .sandbox import SandboxGateway

GATEWAYS: dict[str, type[PaymentGateway]] = {SandboxGateway.name: SandboxGateway}


def get_gateway(name: str | None = None) -> PaymentGateway:
    name = name or settings.PAYMENT_GATEWAY
    try:
        return GATEWAYS[name]()
    except KeyError:
        raise LookupError(f"unknown payment gateway {name!r}") from None


__all__ = ["GATEWAYS", "ChargeResult", "GatewayEvent", "PaymentGateway", "WebhookRejected", "get_gateway"]
