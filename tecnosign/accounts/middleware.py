"""Staff sessions: idle expiry, the session index, and no admin page or staff file without a second factor."""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.urls import reverse

from .selectors import factor_pending
from .services.sessions import INDEXED_KEY, TOUCH_EVERY_SECONDS, idle_seconds, staff_session_expire, staff_session_touch

# Everything under these needs a verified factor: the admin, and the staff views of customers' files.
GUARDED_PREFIXES = ("/admin/", "/retaguarda/")


def factor_url(pending: str, next_url: str) -> str:
    name = "accounts:verify" if pending == "verify" else "accounts:enrol"
    return f"{reverse(name)}?{urlencode({'next': next_url})}"


class StaffAccountMiddleware:
    """After AuthenticationMiddleware, OTPMiddleware and MessageMiddleware. The rule is the same in every settings
    module, tests included: tests sign staff in with a verified factor (tecnosign/tests/auth.py)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self._guard(request) or self.get_response(request)

    def _guard(self, request):
        user = request.user
        if not (user.is_authenticated and user.is_staff):
            return None
        idle = idle_seconds(request)
        if idle is not None and idle > settings.STAFF_SESSION_IDLE_MINUTES * 60:
            staff_session_expire(request)
            messages.info(
                request,
                f"Sua sessão terminou depois de {settings.STAFF_SESSION_IDLE_MINUTES} minutos sem uso. Entre de novo.",
            )
            return redirect_to_login(request.get_full_path(), reverse("admin:login"))
        if (
            idle is None
            or idle >= TOUCH_EVERY_SECONDS
            or request.session.get(INDEXED_KEY) != request.session.session_key
        ):
            staff_session_touch(request, user)
        if request.path.startswith(GUARDED_PREFIXES) and request.path not in (
            reverse("admin:login"),
            reverse("admin:logout"),
        ):
            pending = factor_pending(user)
            if pending is not None:
                return redirect(factor_url(pending, request.get_full_path()))
        return None
