"""Public pages rendered once per catalog version, for anonymous visitors.

The home page, the help centre and a partner's link page are the same for every anonymous visitor until staff or
a partner change what they show (a link, a product, a partner, an article). Their HTML is kept in the shared
cache with the *catalog version* it was rendered at; any such change bumps the version once its transaction
commits (the apps connect `public_pages_changed` to their models' signals), so the next request finds the page
out of date, renders it afresh, and the change shows at once. The version and the page come in one round trip.

Only a plain anonymous GET is served from the cache: no query string, no session cookie (a signed-in partner
sees another header), no pending flash message. Whatever varies per request (the link page's availability check
and its visit counter) runs in the view before it asks for the page; what the page shows is read in `build`,
after the version. The version is a timestamp, not a counter,
so a version lost with Redis is never reused for older content. With Redis away every request is a miss and the
page is rendered as before (tecnosign.cache degrades).
"""

import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_cache_control, patch_vary_headers

VERSION_KEY = "public-pages:version"
# Browsers and proxies may reuse home and help pages this long: a change reaches a returning visitor within a minute.
PUBLIC_MAX_AGE = 60
PAGE_TTL = 60 * 60  # seconds an unchanged page is kept; a change makes it unreachable sooner
MESSAGES_COOKIE = "messages"  # django.contrib.messages' cookie storage


def _new_version() -> str:
    cache.add(VERSION_KEY, str(time.time_ns()), None)
    return cache.get(VERSION_KEY) or "uncached"


def public_pages_changed(**_signal_kwargs) -> None:
    """A signal receiver: what a public page shows changed; the pages are rendered afresh after the commit."""
    transaction.on_commit(lambda: cache.set(VERSION_KEY, str(time.time_ns()), None))


def _cacheable(request: HttpRequest) -> bool:
    return (
        request.method in ("GET", "HEAD")
        and not request.META.get("QUERY_STRING")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and MESSAGES_COOKIE not in request.COOKIES
    )


def public_page(request: HttpRequest, key: str, build: Callable[[], HttpResponse], **cache_control) -> HttpResponse:
    """`build()`'s response, from the cache when this anonymous GET may share it; `cache_control` as
    patch_cache_control takes it (every answer, hit or miss, gets it and `Vary: Cookie`)."""
    if not _cacheable(request):
        response = build()
    else:
        # One round trip: the version and the page, which carries the version it was rendered at.
        cache_key = f"public-page:{translation.get_language()}:{key}"
        found = cache.get_many([VERSION_KEY, cache_key])
        version = found.get(VERSION_KEY) or _new_version()
        stored = found.get(cache_key)
        if stored is not None and stored[0] == version != "uncached":
            response = HttpResponse(stored[1], content_type=stored[2])
        else:
            response = build()  # reads the database after the version: a change committed since bumps it again
            if response.status_code == 200 and not response.cookies and not response.streaming:
                cache.set(cache_key, (version, response.content, response["Content-Type"]), PAGE_TTL)
    if response.status_code == 200:
        patch_cache_control(response, **cache_control)
        patch_vary_headers(response, ["Cookie"])
    return response
