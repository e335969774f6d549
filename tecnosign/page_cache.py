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

import hashlib
import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone, translation
from django.utils.cache import patch_cache_control, patch_vary_headers

VERSION_KEY = "public-pages:version"
# Browsers and proxies may reuse home and help pages this long: a change reaches a returning visitor within a minute.
PUBLIC_MAX_AGE = 60
PAGE_TTL = 60 * 60  # seconds an unchanged page is kept; a change makes it unreachable sooner
MESSAGES_COOKIE = "messages"  # django.contrib.messages' cookie storage
PREFETCHED = "_public_cache_found"  # on the request: what catalog_cached's round trip brought


def _new_version() -> str:
    cache.add(VERSION_KEY, str(time.time_ns()), None)
    return cache.get(VERSION_KEY) or "uncached"


def _page_key(key: str) -> str:
    return f"public-page:{translation.get_language()}:{key}"


def _at_version(found: dict, cache_key: str) -> tuple[str, tuple | None]:
    """The catalog version `found` holds (a new one if none), and the entry under `cache_key` if stored at it."""
    version = found.get(VERSION_KEY) or _new_version()
    stored = found.get(cache_key)
    return version, stored if stored is not None and stored[0] == version != "uncached" else None


def _keepable(response: HttpResponse) -> bool:
    return response.status_code == 200 and not response.cookies and not response.streaming


def public_pages_changed(**_signal_kwargs) -> None:
    """A signal receiver (or a service's call after a queryset update()): what a public page shows changed. The
    version moves at once — this transaction's own later reads see the change — and again once it commits: a page
    rendered by another request in between, from the data before the commit, is left behind with its version."""
    cache.set(VERSION_KEY, str(time.time_ns()), None)
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
        cache_key = _page_key(key)
        found = getattr(request, PREFETCHED, {})  # catalog_cached's round trip may have brought it
        if VERSION_KEY not in found or cache_key not in found:
            found = cache.get_many([VERSION_KEY, cache_key])
        version, stored = _at_version(found, cache_key)
        if stored is not None:
            response = HttpResponse(stored[1], content_type=stored[2])
        else:
            response = build()  # reads the database after the version: a change committed since bumps it again
            if _keepable(response):
                cache.set(cache_key, (version, response.content, response["Content-Type"]), PAGE_TTL)
    if response.status_code == 200:
        patch_cache_control(response, **cache_control)
        patch_vary_headers(response, ["Cookie"])
    return response


def catalog_cached(request: HttpRequest, key: str, load: Callable[[], object], *, page: str = "") -> object:
    """`load()`'s value, kept with the catalog version like the public pages (the link page's link, whose row would
    otherwise be read at every visit); for requests the page cache serves only, others load. `page`: the key of the
    public page this request will ask for next, fetched in the same round trip."""
    if not _cacheable(request):
        return load()
    cache_key = f"public-value:{key}"
    found = cache.get_many([VERSION_KEY, cache_key, *([_page_key(page)] if page else [])])
    setattr(request, PREFETCHED, found)
    version, stored = _at_version(found, cache_key)
    if stored is not None:
        return stored[1]
    value = load()  # read after the version: a change committed since bumps it again
    cache.set(cache_key, (version, value), PAGE_TTL)
    return value


# A public page with a form is the same for everyone but for its CSRF token: rendered once with this stand-in in the
# token's place, each answer carries the visitor's own (the stand-in is no valid token: were it ever left in a
# page, that form's POST would be refused, never accepted as someone else's).
CSRF_STAND_IN = "csrf-stand-in-0000000000000000000000000000000000000000000000000"


def public_form_page(request: HttpRequest, key: str, build: Callable[[dict], HttpResponse]) -> HttpResponse:
    """`public_page` for a page with a form: `build(context)` renders with `context` added to the template's (the
    stand-in token); the answer gets this visitor's own token (and the CSRF cookie, as any form page does)."""
    response = public_page(request, key, lambda: build({"csrf_token": CSRF_STAND_IN}), private=True, no_cache=True)
    if not response.streaming and CSRF_STAND_IN.encode() in response.content:
        response.content = response.content.replace(CSRF_STAND_IN.encode(), get_token(request).encode())
    return response


# A customer's own pages (the order page, the booking page) kept for the session that asked, while what they read
# is unchanged: `data_version` (tecnosign.row_versions) digests those rows, the minute bounds whatever moves with
# the clock (a deadline, the booking lead time), the catalog version covers the product and partner shown.
SESSION_PAGE_TTL = 2 * 60


def _session_cacheable(request: HttpRequest) -> bool:
    return (
        settings.SESSION_PAGE_CACHE
        and request.method in ("GET", "HEAD")
        and not request.META.get("QUERY_STRING")
        and request.session.session_key is not None
        # The page's forms carry a token of this cookie's secret; without one, rendering makes a new secret.
        and settings.CSRF_COOKIE_NAME in request.COOKIES
        and MESSAGES_COOKIE not in request.COOKIES
        and "_messages" not in request.session  # django.contrib.messages' session storage: a flash to show
    )


def session_page(
    request: HttpRequest, key: str, data_version: Callable[[], str | None], build: Callable[[], HttpResponse]
) -> HttpResponse:
    """`build()`'s response, or the one built for this session (and CSRF cookie: the forms carry its token) at the
    same data version within the same minute. `data_version()` returning None (no row versions: SQLite) builds."""
    if not _session_cacheable(request):
        return build()
    version = data_version()
    if version is None:
        return build()
    holder = hashlib.blake2b(
        f"{request.session.session_key}:{request.COOKIES[settings.CSRF_COOKIE_NAME]}".encode(), digest_size=16
    ).hexdigest()
    minute = int(timezone.now().timestamp() // 60)
    cache_key = f"session-page:{translation.get_language()}:{holder}:{key}:{version}:{minute}"
    catalog, stored = _at_version(cache.get_many([VERSION_KEY, cache_key]), cache_key)
    if stored is not None:
        response = HttpResponse(stored[1], content_type=stored[2])
        if stored[3] is not None:
            response._csp_update = stored[3]  # the page's own CSP additions (the card form's gateway)
        return response
    response = build()
    if _keepable(response):
        entry = (catalog, response.content, response["Content-Type"], getattr(response, "_csp_update", None))
        cache.set(cache_key, entry, SESSION_PAGE_TTL)
    return response
