"""API tokens: a partner creates them in the portal, sees each key once, and revokes them there."""

import secrets
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from orders.models import Partner
from tecnosign.audit.services import Actor, audit_record
from tecnosign.errors import DomainError

from ..models import ApiToken, api_key_digest

KEY_PREFIX = "tsk_"
MAX_ACTIVE_TOKENS = 10
# Writing last_used_at on every call would turn each read into a write; once a minute is precise enough.
LAST_USED_PRECISION = timedelta(minutes=1)


class TokenRefused(DomainError):
    code = "token_refused"


def api_token_create(*, partner: Partner, name: str, actor: Actor) -> tuple[ApiToken, str]:
    """Returns the token and its key. The key is not stored anywhere: show it now or never."""
    if partner.status != Partner.Status.APPROVED:
        raise TokenRefused("Só parceiros aprovados podem criar chaves de API.")
    name = " ".join((name or "").split())
    if not name:
        raise TokenRefused("Dê um nome à chave (por exemplo, o sistema que vai usá-la).", field="name")
    if len(name) > 80:
        raise TokenRefused("O nome pode ter até 80 caracteres.", field="name")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        # Lock the partner so two concurrent creations cannot both pass the limit.
        Partner.objects.select_for_update().filter(pk=partner.pk).first()
        if partner.api_tokens.filter(revoked_at__isnull=True).count() >= MAX_ACTIVE_TOKENS:
            raise TokenRefused(
                f"Você já tem {MAX_ACTIVE_TOKENS} chaves ativas. Revogue uma que não use mais.", field="name"
            )
        token = ApiToken.objects.create(
            partner=partner,
            name=name,
            prefix=key[: len(KEY_PREFIX) + 6],
            key_hash=api_key_digest(key),
            created_by=actor.user,
        )
        audit_record(action="api_token.created", obj=token, actor=actor, after={"name": name, "prefix": token.prefix})
    return token, key


def api_token_revoke(*, token: ApiToken, actor: Actor) -> ApiToken:
    """Revoke at once; revoking again is harmless."""
    with transaction.atomic():
        now = timezone.now()
        if ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=now):
            audit_record(action="api_token.revoked", obj=token, actor=actor, after={"prefix": token.prefix})
    token.refresh_from_db(fields=["revoked_at"])
    return token


def api_token_authenticate(key: str) -> ApiToken | None:
    """The live token for `key` (its partner loaded), or None. Records when it was last used."""
    if not key or not key.startswith(KEY_PREFIX) or len(key) > 128:
        return None
    token = (
        ApiToken.objects.select_related("partner", "partner__user")
        .filter(key_hash=api_key_digest(key), revoked_at__isnull=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or token.last_used_at < now - LAST_USED_PRECISION:
        ApiToken.objects.filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_PRECISION), pk=token.pk
        ).update(last_used_at=now)
    return token
