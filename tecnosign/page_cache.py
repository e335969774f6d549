"""Public pages rendered once per catalog version, for anonymous visitors.

The home page, the help centre and a partner's link page are the same for every anonymous visitor until staff or
a partner change what they show (a link, a product, a partner, an article). Their HTML is kept in the shared
cache under a key that carries the *catalog version*; any such change bumps the version once its transaction
commits (the apps connect `public_pages_changed` to their models' signals), so the next request renders afresh
and the change shows at once. Old entries are never read again and expire on their own.

Only a plain anonymous GET is served from the cache: no query string, no session cookie (a signed-in partner
sees another header), no pending flash message. Whatever varies per request (the link page's availability check
and its visit counter) runs in the view before it asks for the page. The version is a timestamp, not a counter,
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


def public_pages_version() -> str:
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, str(time.time_ns()), None)
        version = cache.get(VERSION_KEY)
    return version or "uncached"


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
        version = public_pages_version()
        cache_key = f"public-page:{version}:{translation.get_language()}:{key}"
        stored = cache.get(cache_key) if version != "uncached" else None
        if stored is not None:
            content, content_type = stored
            response = HttpResponse(content, content_type=content_type)
        else:
            response = build()
            if response.status_code == 200 and not response.cookies and not response.streaming:
                cache.set(cache_key, (response.content, response["Content-Type"]), PAGE_TTL)
    if response.status_code == 200:
        patch_cache_control(response, **cache_control)
        patch_vary_headers(response, ["Cookie"])
    return response
