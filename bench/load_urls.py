"""The portal's URLs plus /bench/bare/: a view that does nothing, through the same middleware and gunicorn.

It is the ceiling the load bench compares every page with.
"""

from django.http import HttpResponse
from django.urls import path

from tecnosign.urls import handler404, handler500
from tecnosign.urls import urlpatterns as portal_urlpatterns

__all__ = ["handler404", "handler500", "urlpatterns"]


def bare(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/bare/", bare), *portal_urlpatterns]
