from decimal import Decimal

import phonenumbers
from django import template
from django.utils.formats import number_format

from ..validators import format_document, format_mobile

register = template.Library()


@register.filter
def brl(value) -> str:
    """Decimal → "R$ 1.234,56" (non-breaking space, as Brazilians write it)."""
    if value in (None, ""):
        return ""
    return "R$\u00a0" + number_format(Decimal(value), 2, use_l10n=True, force_grouping=True)


@register.filter
def document(value: str) -> str:
    return format_document(value) if value else ""


@register.filter
def phone(value: str) -> str:
    """A stored E.164 number as Brazilians write it, "(11) 98765-4321"; anything else as it is."""
    try:
        return format_mobile(value)
    except phonenumbers.NumberParseException:
        return value


@register.filter
def boleto_groups(line: str) -> list[str]:
    """A 47-digit digitable line in the groups banks print ("00190.00009 01234.567890 … 1 23450000012345"): each
    group is kept whole on a narrow screen, the line breaks only between them."""
    digits = "".join(ch for ch in (line or "") if ch.isdigit())
    if len(digits) != 47:
        return [line] if line else []
    return [
        f"{digits[0:5]}.{digits[5:10]}",
        f"{digits[10:15]}.{digits[15:21]}",
        f"{digits[21:26]}.{digits[26:32]}",
        digits[32],
        digits[33:47],
    ]
