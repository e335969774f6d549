"""The two secrets a customer sets at checkout (or, for a guarantee reissue, after proving the contact on file):
one to issue the certificate, one to revoke it."""

from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from tecnosign.audit.services import Actor, audit_record

from ..models import Order


def password_problems(issuance: str, revocation: str) -> dict[str, list[str]]:
    """Field → messages for anything wrong with the pair; empty when both are acceptable."""
    problems: dict[str, list[str]] = {}
    for field, value in (("issuance_password", issuance), ("revocation_password", revocation)):
        try:
            validate_password(value or "")
        except ValidationError as exc:
            problems[field] = list(exc.messages)
    if issuance and issuance == revocation:
        problems.setdefault("revocation_password", []).append(
            "A senha de revogação deve ser diferente da senha de emissão."
        )
    return problems


def holder_secrets_problem(issuance: str, revocation: str, *, lgpd_consent: bool = True) -> tuple[str, str] | None:
    """The first thing the holder must fix before an order takes their two passwords (and, where asked, their LGPD
    consent), as (field, message); None when all is right. Checkout, the holder's confirmation of a partner's order
    and a reissue's new passwords apply this one rule."""
    if problems := password_problems(issuance, revocation):
        field, messages = next(iter(problems.items()))
        return field, messages[0]
    if not lgpd_consent:
        return "lgpd_consent", "É preciso aceitar o tratamento dos dados pessoais (LGPD)."
    return None


def hash_secret(raw: str) -> str:
    return make_password(raw)


def secret_matches(raw: str, encoded: str) -> bool:
    return bool(raw) and check_password(raw, encoded)


def order_passwords_replace(
    *, order: Order, issuance_password_hash: str, revocation_password_hash: str, actor: Actor, note: str
) -> Order:
    """Give the order new issuance and revocation passwords (already hashed: hash before any lock is taken).

    For a guarantee reissue whose holder chose them after proving the contact on file (revocation/). Audited
    without the hashes."""
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        locked.issuance_password_hash = issuance_password_hash
        locked.revocation_password_hash = revocation_password_hash
        locked.save(update_fields=["issuance_password_hash", "revocation_password_hash"])
        audit_record(action="order.passwords_replaced", obj=locked, actor=actor, note=note)
    return locked
