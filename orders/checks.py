"""Start-up checks for payments: production never runs the sandbox gateway, and always names a real one."""

from django.conf import settings
from django.core import checks
from django.core.checks import Error, register

from tecnosign.startup import STARTUP

from .payments.gateways import GATEWAYS
from .payments.gateways.sandbox import SandboxGateway, sandbox_allowed


@register(STARTUP)
def payment_gateway_check(app_configs, **kwargs) -> list[Error]:
    name = settings.PAYMENT_GATEWAY
    if not name:
        return [
            Error(
                "PAYMENT_GATEWAY is not set: with DEBUG off there is no default gateway.",
                hint="Name the gateway that takes this deployment's payments.",
                id="orders.E001",
            )
        ]
    if name not in GATEWAYS:
        return [Error(f"PAYMENT_GATEWAY must be one of {', '.join(sorted(GATEWAYS))}, not {name!r}.", id="orders.E002")]
    if name == SandboxGateway.name and not sandbox_allowed():
        return [
            Error(
                "PAYMENT_GATEWAY=sandbox with DEBUG off: its test cards and simulated payments would pay real orders.",
                hint="Name the production gateway, or set SANDBOX_ALLOWED=1 on a staging deployment only.",
                id="orders.E003",
            )
        ]
    if name == SandboxGateway.name and not settings.SANDBOX_WEBHOOK_SECRET:
        return [
            Error(
                "SANDBOX_WEBHOOK_SECRET is empty: the sandbox's own webhooks would be refused and nothing confirmed.",
                id="orders.E004",
            )
        ]
    return []


@register(deploy=True)
def sandbox_allowed_in_deployment_check(app_configs, **kwargs) -> list[checks.Warning]:
    if settings.SANDBOX_ALLOWED and not settings.DEBUG:
        return [
            checks.Warning(
                "SANDBOX_ALLOWED is on: this deployment takes test payments and accepts `load_demo`.",
                hint="Staging only; unset it where real customers pay.",
                id="orders.W001",
            )
        ]
    return []
