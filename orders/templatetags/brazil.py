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
