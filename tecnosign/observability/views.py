"""/metrics (Prometheus, protected) and /readyz (the orchestrator's readiness probe)."""

import hmac

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from issuance.backends import CaError, CaUnknown, get_backend
from tecnosign.health import _database_ok, _redis_ok
from tecnosign.metrics import process_registry

from .gauges import ProductCollector
from .heartbeat import heartbeat_age

METRICS_PERMISSION = "observability.view_metrics"
# A reference no CA ever gave: asking for it proves the CA answers (CaUnknown) without touching any request.
CA_PROBE_REFERENCE = "readiness-probe"


def _scrape_allowed(request) -> bool:
    """A scraper with the bearer token, or staff holding the permission in a session with its second factor."""
    token = settings.METRICS_TOKEN
    authorization = request.headers.get("Authorization", "")
    if token and authorization.startswith("Bearer "):
        return hmac.compare_digest(authorization.removeprefix("Bearer ").encode(), token.encode())
    user = request.user
    is_verified = getattr(user, "is_verified", None)
    return bool(
        user.is_authenticated
        and user.is_active
        and user.is_staff
        and is_verified is not None
        and is_verified()
        and user.has_perm(METRICS_PERMISSION)
    )


@never_cache
@require_GET
def metrics(request):
    if not _scrape_allowed(request):
        response = HttpResponse("Métricas: informe o token (Authorization: Bearer).\n", status=401)
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    product = CollectorRegistry(auto_describe=False)
    product.register(ProductCollector())
    body = generate_latest(process_registry()) + generate_latest(product)
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)


def _ca_ok() -> bool:
    try:
        get_backend().poll(CA_PROBE_REFERENCE)
    except CaUnknown:
        return True
    except (CaError, ImproperlyConfigured):
        return False
    return True


def _workers_state() -> str:
    """ok, stale, or inline (no broker: tasks run in the web process, as under `make run`)."""
    if not settings.REDIS_URL:
        return "inline"
    age = heartbeat_age()
    return "ok" if age is not None and age <= settings.WORKER_HEARTBEAT_STALE_SECONDS else "stale"


@never_cache
@require_GET
def readyz(request):
    """Ready to take traffic: /healthz's checks, and a worker beat recently, and the CA answers."""
    checks = {"database": "ok" if _database_ok() else "down"}
    if settings.REDIS_URL:
        checks["redis"] = "ok" if _redis_ok(settings.REDIS_URL) else "down"
    checks["workers"] = _workers_state()
    checks["ca"] = "ok" if checks["database"] == "ok" and _ca_ok() else "down"
    ready = all(state in ("ok", "inline") for state in checks.values())
    return JsonResponse({"status": "ready" if ready else "not_ready", "checks": checks}, status=200 if ready else 503)
