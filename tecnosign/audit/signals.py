"""Sign-ins and sign-outs go to the audit log, whichever page they come through (admin, partner portal)."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from .services import audit_login, audit_login_failed, audit_logout


@receiver(user_logged_in, dispatch_uid="audit-login")
def _logged_in(sender, request, user, **kwargs) -> None:
    audit_login(request=request, user=user)


@receiver(user_login_failed, dispatch_uid="audit-login-failed")
def _login_failed(sender, credentials, request=None, **kwargs) -> None:
    # Django has already masked the password in `credentials`; only the username is read from them anyway.
    audit_login_failed(request=request, username=credentials.get("username", ""))


@receiver(user_logged_out, dispatch_uid="audit-logout")
def _logged_out(sender, request, user, **kwargs) -> None:
    if user is not None:  # signing out of a session that was no longer signed in
        audit_logout(request=request, user=user)
