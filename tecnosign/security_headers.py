"""The browser's defences beyond Django's own: a Permissions-Policy on every answer, and the CSP violation reports.

The Content-Security-Policy itself is django-csp's (`settings.CONTENT_SECURITY_POLICY`, middleware
`csp.middleware.CSPMiddleware`); browsers send its violations to `csp_report` through `report-uri`. Not `report-to`:
Chromium then queues reports for the Reporting API instead, which the browser tests saw delivered not at all, while
`report-uri` reports arrive at once from every current browser (tests/e2e/test_csp.py). The endpoint reads the
Reporting API's format too, so adding `report-to` and a `Reporting-Endpoints` header later needs nothing more.

Permissions-Policy: every powerful feature a page of the portal does not use is off, for the page and any frame it
embeds. A view that needs one turns it on for itself with `@permissions_policy(camera="self")` — the only one today
is the agent's dossier page, which captures the holder's face. Features the browser allows same-origin by default and
the portal uses (WebAuthn's `publickey-credentials-*` for staff security keys, `fullscreen`) are left out of the list.
"""

import json
import logging
import re
from functools import wraps

from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from tecnosign import ratelimit
from tecnosign.http import client_ip

logger = logging.getLogger("tecnosign.csp")

# Off everywhere unless a view turns it on (`permissions_policy`).
_FEATURES_OFF = (
    "accelerometer",
    "camera",
    "display-capture",
    "geolocation",
    "gyroscope",
    "hid",
    "magnetometer",
    "microphone",
    "midi",
    "payment",
    "serial",
    "usb",
)
PERMISSIONS_POLICY: dict[str, tuple[str, ...]] = dict.fromkeys(_FEATURES_OFF, ())
REPORT_MAX_BYTES = 64 * 1024
REPORTS_PER_IP, REPORTS_WINDOW_SECONDS = 100, 600


def permissions_policy(**features: str):
    """Allow features for one view's answers: `camera="self"` (an origin list; "self" or quoted origins)."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            response = view(*args, **kwargs)
            allowed = getattr(response, "_permissions_policy", {})
            allowed.update({name.replace("_", "-"): tuple(value.split()) for name, value in features.items()})
            response._permissions_policy = allowed
            return response

        return wrapper

    return decorator


def permissions_policy_header(allowed: dict[str, tuple[str, ...]] | None = None) -> str:
    policy = {**PERMISSIONS_POLICY, **(allowed or {})}
    return ", ".join(f"{feature}=({' '.join(origins)})" for feature, origins in policy.items())


class SecurityHeadersMiddleware:
    """The Permissions-Policy of every answer, with the view's own additions (`permissions_policy`)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "Permissions-Policy" not in response:
            response["Permissions-Policy"] = permissions_policy_header(getattr(response, "_permissions_policy", None))
        return response


# --- violation reports ---------------------------------------------------------------------------------------

# A long random path segment is a one-time link's token (/pedido/acesso/<token>/): never copied into a log.
_TOKEN_SEGMENT = re.compile(r"[A-Za-z0-9_\-:]{20,}")
_UNPRINTABLE = re.compile(r"[^\x20-\x7e]")


def _url(value) -> str:
    """A URL as logged: no query string or fragment (they may carry personal data), tokens hidden, printable."""
    text = str(value or "")[:500]
    text = text.split("?", 1)[0].split("#", 1)[0]
    return _UNPRINTABLE.sub("?", _TOKEN_SEGMENT.sub("[token]", text))[:200]


def _text(value) -> str:
    return _UNPRINTABLE.sub("?", str(value if value is not None else ""))[:100]


def _violations(body: bytes) -> list[dict]:
    """The violations in a report-uri body ({"csp-report": {…}}) or a Reporting API batch ([{"type", "body"}])."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return []
    if isinstance(data, dict) and isinstance(data.get("csp-report"), dict):
        report = data["csp-report"]
        return [
            {
                "document": report.get("document-uri"),
                "directive": report.get("effective-directive") or report.get("violated-directive"),
                "blocked": report.get("blocked-uri"),
                "source": report.get("source-file"),
                "line": report.get("line-number"),
                "disposition": report.get("disposition"),
            }
        ]
    if isinstance(data, list):
        return [
            {
                "document": item["body"].get("documentURL"),
                "directive": item["body"].get("effectiveDirective"),
                "blocked": item["body"].get("blockedURL"),
                "source": item["body"].get("sourceFile"),
                "line": item["body"].get("lineNumber"),
                "disposition": item["body"].get("disposition"),
            }
            for item in data[:20]
            if isinstance(item, dict) and item.get("type") == "csp-violation" and isinstance(item.get("body"), dict)
        ]
    return []


@csrf_exempt  # browsers send reports without cookies or tokens
@require_POST
def csp_report(request):
    """Log each violation a browser reports, one structured line each; 204 whatever was sent (a body that is not a
    report is ignored), 413 past REPORT_MAX_BYTES. At most REPORTS_PER_IP reports are logged per address in
    REPORTS_WINDOW_SECONDS: a page that misbehaves, or someone posting junk, cannot flood the log."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > REPORT_MAX_BYTES:
        return HttpResponse(status=413)
    violations = _violations(request.body[:REPORT_MAX_BYTES])
    if not violations:
        # Junk is ignored, not refused: a 4xx would put a django.request warning in the log per post, the very flood
        # the limit below keeps out.
        return HttpResponse(status=204)
    ip = client_ip(request) or "unknown"
    if ratelimit.register_hit("csp-report", ip, window=REPORTS_WINDOW_SECONDS) > REPORTS_PER_IP:
        return HttpResponse(status=204)
    for violation in violations:
        logger.warning(
            "csp violation directive=%s blocked=%s document=%s source=%s line=%s disposition=%s",
            _text(violation["directive"]),
            _url(violation["blocked"]),
            _url(violation["document"]),
            _url(violation["source"]),
            _text(violation["line"]),
            _text(violation["disposition"]),
        )
    return HttpResponse(status=204)
