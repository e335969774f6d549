"""Fixed-window counters in the shared cache (Redis in production), for throttling guesses."""

import hashlib

from django.core.cache import cache


def _key(scope: str, ident: str) -> str:
    # Hashed: the ident is what a visitor typed (an order number), of any length and any characters.
    digest = hashlib.sha256(ident.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    return f"ratelimit:{scope}:{digest}"


def is_limited(scope: str, ident: str, *, limit: int) -> bool:
    return (cache.get(_key(scope, ident)) or 0) >= limit


def register_hit(scope: str, ident: str, *, window: int) -> int:
    key = _key(scope, ident)
    cache.add(key, 0, timeout=window)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        return 1
