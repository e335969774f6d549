from django.conf import settings


def client_ip(request) -> str | None:
    """The client's address; behind TRUSTED_PROXY_COUNT proxies, read from X-Forwarded-For."""
    proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if proxies:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR") or None
