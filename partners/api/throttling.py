from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from ..models import ApiToken


class ApiTokenRateThrottle(SimpleRateThrottle):
    """Requests per API token (per client IP before authentication), counted in the shared cache."""

    scope = "api_token"

    def get_rate(self):
        # Read at each request (not at import), so the setting can be changed without a restart in tests.
        return api_settings.DEFAULT_THROTTLE_RATES[self.scope]

    def get_cache_key(self, request, view):
        ident = f"token-{request.auth.pk}" if isinstance(request.auth, ApiToken) else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}
