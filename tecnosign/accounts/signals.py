"""Sessions are indexed at sign-in and dropped at sign-out; a password change ends the user's other sessions."""

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.db import transaction
from django.db.models.signals import pre_save
from django.dispatch import receiver

from tecnosign.audit.services import Actor

from .services.sessions import user_session_forget, user_session_touch, user_sessions_end


@receiver(user_logged_in, dispatch_uid="accounts-staff-session-open")
def _logged_in(sender, request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        user_session_touch(request, user)


@receiver(user_logged_out, dispatch_uid="accounts-staff-session-close")
def _logged_out(sender, request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        user_session_forget(request.session.session_key)


@receiver(pre_save, sender=get_user_model(), dispatch_uid="accounts-password-changed")
def _password_changed(sender, instance, update_fields=None, **kwargs) -> None:
    """update_session_auth_hash semantics for the index too: Django already refuses the other sessions' stale hash;
    this deletes them (the current one is given a new key by update_session_auth_hash and indexed again)."""
    if instance.pk is None or (update_fields is not None and "password" not in update_fields):
        return
    stored = sender.objects.filter(pk=instance.pk).values_list("password", flat=True).first()
    if stored is None or stored == instance.password:
        return
    actor = Actor(user=instance, label=instance.get_username())
    transaction.on_commit(lambda: user_sessions_end(user=instance, actor=actor, reason="password_changed"))
