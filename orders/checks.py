"""Start-up checks for payments: production never runs the sandbox gateway, and always names a real one."""

from django.conf import settings
from django.core import checks
from django.core.checks import Error, register
from django.core.exceptions import ImproperlyConfigured

from tecnosign.filecrypto import parse_master_keys
from tecnosign.startup import STARTUP

from .payments.gateways import GATEWAYS, gateway_name_for
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
    errors = []
    for method in ("pix", "boleto", "card"):
        errors += _method_gateway_errors(method, gateway_name_for(method))
    return list({error.msg: error for error in errors}.values())  # one gateway behind several methods: said once


def _method_gateway_errors(method: str, name: str) -> list[Error]:
    setting = (
        f"PAYMENT_GATEWAY_{method.upper()}"
        if getattr(settings, f"PAYMENT_GATEWAY_{method.upper()}", "")
        else ("PAYMENT_GATEWAY")
    )
    if name not in GATEWAYS:
        return [Error(f"{setting} must be one of {', '.join(sorted(GATEWAYS))}, not {name!r}.", id="orders.E002")]
    gateway = GATEWAYS[name]
    if method not in gateway.methods:
        return [Error(f"{setting}={name} cannot charge {method}.", id="orders.E010")]
    if name == SandboxGateway.name and not sandbox_allowed():
        return [
            Error(
                f"{setting}=sandbox with DEBUG off: its test cards and simulated payments would pay real orders.",
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
    return [Error(problem, id="orders.E011") for problem in gateway.configuration_problems()]


@register(STARTUP)
def private_storage_keys_check(app_configs, **kwargs) -> list[Error]:
    """Documents are encrypted with a key the database does not hold: production must bring one."""
    if settings.STORAGES["private"].get("OPTIONS", {}).get("key_wrapper"):
        return []  # a KMS adapter wraps the data keys
    if not settings.PRIVATE_STORAGE_MASTER_KEYS:
        return [
            Error(
                "PRIVATE_STORAGE_MASTER_KEYS is not set: with DEBUG off there is no default key for the documents "
                "encrypted at rest.",
                hint="openssl rand -base64 32 (keep it outside the database and its backups; README, 'Encrypted at "
                "rest').",
                id="orders.E005",
            )
        ]
    try:
        parse_master_keys(settings.PRIVATE_STORAGE_MASTER_KEYS)
    except ImproperlyConfigured as error:
        return [Error(str(error), id="orders.E006")]
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
