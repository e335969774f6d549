"""The portal's URLs plus two bench-only views, through the same middleware and gunicorn:

- /bench/bare/: does nothing, the ceiling bench/load.py compares every page with;
- /bench/one-query/: runs one query and answers a few bytes, the ceiling bench/pages.py compares with.

Only bench/load_settings.py routes them: the portal's own URLconf never does.
"""

from django.db import connection
from django.http import HttpResponse
from django.urls import path

from tecnosign.urls import handler404, handler500
from tecnosign.urls import urlpatterns as portal_urlpatterns

__all__ = ["handler404", "handler500", "urlpatterns"]


def bare(request):
    return HttpResponse("ok", content_type="text/plain")


def one_query(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM orders_product WHERE active")
        (count,) = cursor.fetchone()
    return HttpResponse(f"{count}", content_type="text/plain")


urlpatterns = [path("bench/bare/", bare), path("bench/one-query/", one_query), *portal_urlpatterns]
