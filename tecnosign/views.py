import sys

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_control

from .outage import DATABASE_OUTAGE, database_unavailable
from .page_cache import PUBLIC_MAX_AGE, public_page


def home(request):
    return public_page(request, "home", lambda: render(request, "home.html"), public=True, max_age=PUBLIC_MAX_AGE)


def not_found(request, exception=None):
    return render(request, "404.html", status=404)


def server_error(request):
    # Django calls this while handling the exception: a database outage outside a view is a 503, not a 500.
    exception = sys.exc_info()[1]
    if isinstance(exception, DATABASE_OUTAGE):
        return database_unavailable(request, exception)
    return render(request, "500.html", status=500)


FAVICON = settings.BASE_DIR / "static" / "favicon.ico"


@cache_control(max_age=86400, public=True)
def favicon(request):
    """Browsers ask for /favicon.ico on every site: the portal's icon, not a 404 in every log."""
    return HttpResponse(FAVICON.read_bytes(), content_type="image/x-icon")
