"""Brazilian identifiers: normalise what people type, and refuse what cannot be right, in Portuguese."""

import re
import unicodedata

import phonenumbers
from django.core.exceptions import ValidationError
from stdnum.br import cnpj as stdnum_cnpj
from stdnum.br import cpf as stdnum_cpf

_NON_ALNUM = re.compile(r"[^0-9A-Za-z]")
_NON_DIGIT = re.compile(r"\D", re.ASCII)


def plain(value: str) -> str:
    """What was typed, with compatibility forms folded (NFKC): full-width "５２９" from an Asian keyboard or a
    pasted PDF reads as "529"; other scripts' digits are not ASCII digits and are dropped by the callers."""
    return unicodedata.normalize("NFKC", value or "")


def digits(value: str) -> str:
    return _NON_DIGIT.sub("", plain(value))


def normalize_cpf(value: str) -> str:
    cpf = digits(value)
    # stdnum accepts 111.111.111-11 and the like; Receita Federal never issues them.
    if not stdnum_cpf.is_valid(cpf) or len(set(cpf)) == 1:
        raise ValidationError("CPF inválido. Confira os 11 dígitos.", code="invalid_cpf")
    return cpf


def normalize_cnpj(value: str) -> str:
    """Numeric CNPJ or the alphanumeric one in force since July 2026 (12 letters/digits + 2 check digits)."""
    cnpj = _NON_ALNUM.sub("", plain(value)).upper()
    if not stdnum_cnpj.is_valid(cnpj):
        raise ValidationError("CNPJ inválido. Confira os 14 caracteres.", code="invalid_cnpj")
    return cnpj


def normalize_cpf_or_cnpj(value: str) -> str:
    compact = _NON_ALNUM.sub("", plain(value)).upper()
    if len(compact) == 11 and compact.isdigit():
        return normalize_cpf(compact)
    if len(compact) == 14:
        return normalize_cnpj(compact)
    raise ValidationError("Informe um CPF (11 dígitos) ou um CNPJ (14 caracteres) válido.", code="invalid_document")


def format_cpf(cpf: str) -> str:
    return stdnum_cpf.format(cpf) if cpf else ""


def format_cnpj(cnpj: str) -> str:
    return stdnum_cnpj.format(cnpj) if cnpj else ""


def format_document(value: str) -> str:
    return format_cpf(value) if len(value) == 11 else format_cnpj(value)


def normalize_mobile(value: str) -> str:
    """A Brazilian mobile number, stored as E.164 (+55DD9XXXXXXXX): the videoconference link goes to it."""
    try:
        number = phonenumbers.parse(value or "", "BR")
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(
            "Celular inválido. Use DDD + número, ex.: (11) 98765-4321.", code="invalid_mobile"
        ) from exc
    if (
        number.country_code != 55
        or not phonenumbers.is_valid_number(number)
        or phonenumbers.number_type(number) != phonenumbers.PhoneNumberType.MOBILE
    ):
        raise ValidationError("Celular inválido. Use DDD + número, ex.: (11) 98765-4321.", code="invalid_mobile")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def format_mobile(e164: str) -> str:
    if not e164:
        return ""
    return phonenumbers.format_number(phonenumbers.parse(e164, "BR"), phonenumbers.PhoneNumberFormat.NATIONAL)


_PIS_WEIGHTS = (3, 2, 9, 8, 7, 6, 5, 4, 3, 2)


def normalize_pis(value: str) -> str:
    """PIS/PASEP/NIT/NIS: 11 digits, the last a mod-11 check digit (weights 3,2,9,8,7,6,5,4,3,2)."""
    pis = digits(value)
    if len(pis) != 11 or len(set(pis)) == 1:
        raise ValidationError("PIS/NIS inválido. São 11 dígitos.", code="invalid_pis")
    remainder = sum(int(d) * w for d, w in zip(pis[:10], _PIS_WEIGHTS, strict=True)) % 11
    check = 0 if remainder < 2 else 11 - remainder
    if check != int(pis[10]):
        raise ValidationError("PIS/NIS inválido. Confira os dígitos.", code="invalid_pis")
    return pis


def normalize_cei(value: str) -> str:
    # Only the length is checked: CEI numbers were issued by several systems over the years and the
    # certificate carries the 12 digits as given (DOC-ICP-04, OID 2.16.76.1.3.6/.7).
    cei = digits(value)
    if len(cei) != 12 or len(set(cei)) == 1:
        raise ValidationError("CEI inválido. São 12 dígitos.", code="invalid_cei")
    return cei


def compact_identifier(value: str) -> str:
    """An order number, CPF or CNPJ as stored: letters and digits only, upper case."""
    return _NON_ALNUM.sub("", plain(value)).upper()
