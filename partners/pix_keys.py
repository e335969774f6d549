"""PIX keys a partner gives for payouts, in the forms the Banco Central accepts (CPF, CNPJ, e-mail, phone, random)."""

import re

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from orders.validators import normalize_cnpj, normalize_cpf, normalize_mobile

_RANDOM_KEY = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_INVALID = "Chave PIX inválida. Use CPF, CNPJ, e-mail, celular com DDD ou a chave aleatória."


def normalize_pix_key(value: str) -> str:
    """The key as the PIX directory stores it: digits for CPF/CNPJ, +55… for phones, lower case otherwise."""
    key = (value or "").strip()
    if not key:
        return ""
    if "@" in key:
        try:
            validate_email(key)
        except ValidationError:
            raise ValidationError(_INVALID, code="invalid_pix_key") from None
        return key.lower()
    if _RANDOM_KEY.match(key.lower()):
        return key.lower()
    digits = re.sub(r"\D", "", key)
    looks_like_phone = key.startswith("+") or "(" in key
    try:
        if len(digits) == 14 and not looks_like_phone:
            return normalize_cnpj(digits)
        if len(digits) == 11 and not looks_like_phone:
            try:
                return normalize_cpf(digits)
            except ValidationError:
                return normalize_mobile(digits)  # 11 digits that are not a CPF: a mobile with DDD
        return normalize_mobile(key)
    except ValidationError:
        raise ValidationError(_INVALID, code="invalid_pix_key") from None
