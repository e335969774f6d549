"""The database away (restart, failover, network): a clean 503 in Portuguese instead of a 500 traceback.

`DatabaseUnavailableMiddleware` answers for errors raised by views (DRF's included: its handler leaves them to
us); `tecnosign.views.server_error` (handler500) answers for the rest, e.g. a session saved after the view.
Nothing is retried here: the request may have done part of its work, and the customer is told to try again.
Connections come back by themselves (CONN_HEALTH_CHECKS), without restarting the app.
"""

import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)

DATABASE_OUTAGE = (OperationalError, InterfaceError)
MESSAGE = "O serviço está temporariamente indisponível. Nenhum dado foi perdido: tente de novo em alguns instantes."
RETRY_AFTER_SECONDS = 30


def wants_json(request) -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


def database_unavailable(request, exception: BaseException) -> HttpResponse:
    logger.warning("database unavailable during %s %s: %s", request.method, request.path, exception)
    if wants_json(request):
        response = JsonResponse({"code": "service_unavailable", "message": MESSAGE, "errors": []}, status=503)
    else:
        # Rendered without the request: context processors could reach for the session or the user, i.e. the
        # database that is away.
        response = HttpResponse(render_to_string("503.html", {"message": MESSAGE}), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, DATABASE_OUTAGE):
            return database_unavailable(request, exception)
        return None
