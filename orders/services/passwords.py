"""The two secrets a customer sets at checkout: one to issue the certificate, one to revoke it."""

from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError


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


def hash_secret(raw: str) -> str:
    return make_password(raw)


def secret_matches(raw: str, encoded: str) -> bool:
    return bool(raw) and check_password(raw, encoded)
