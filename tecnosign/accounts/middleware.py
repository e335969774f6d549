"""Staff sessions: idle expiry, the session index, and no admin page or staff file without a second factor."""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.urls import reverse

from .selectors import factor_pending
from .services.sessions import INDEXED_KEY, TOUCH_EVERY_SECONDS, idle_seconds, staff_session_expire, user_session_touch

# Everything under these needs a verified factor: the admin, and the staff views of customers' files.
GUARDED_PREFIXES = ("/admin/", "/retaguarda/")


def factor_url(pending: str, next_url: str) -> str:
    name = "accounts:verify" if pending == "verify" else "accounts:enrol"
    return f"{reverse(name)}?{urlencode({'next': next_url})}"


class StaffAccountMiddleware:
    """After AuthenticationMiddleware, OTPMiddleware and MessageMiddleware. Every signed-in session is indexed
    (when its key is new); staff sessions also expire when idle and need the factor under GUARDED_PREFIXES. The
    rule is the same in every settings module, tests included: they sign staff in with a verified factor
    (tecnosign/tests/auth.py)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self._guard(request) or self.get_response(request)

    def _guard(self, request):
        user = request.user
        if not user.is_authenticated:
            return None
        session = request.session
        idle = idle_seconds(request)
        if user.is_staff and idle is not None and idle > settings.STAFF_SESSION_IDLE_MINUTES * 60:
            staff_session_expire(request)
            messages.info(
                request,
                f"Sua sessão terminou depois de {settings.STAFF_SESSION_IDLE_MINUTES} minutos sem uso. Entre de novo.",
            )
            return redirect_to_login(request.get_full_path(), reverse("admin:login"))
        stale = idle is None or idle >= TOUCH_EVERY_SECONDS
        if (user.is_staff and stale) or session.get(INDEXED_KEY) != session.session_key:
            user_session_touch(request, user)
        if user.is_staff and request.path.startswith(GUARDED_PREFIXES) and request.path not in _open_admin_paths():
            pending = factor_pending(user)
            if pending is not None:
                return redirect(factor_url(pending, request.get_full_path()))
        return None


def _open_admin_paths() -> tuple[str, str]:
    return reverse("admin:login"), reverse("admin:logout")
