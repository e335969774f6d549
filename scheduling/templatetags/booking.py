from django import template
from django.utils.dateformat import format as date_format
from django.utils.html import escape
from django.utils.safestring import mark_safe

from ..slots import SLOT_ID_FORMAT

register = template.Library()


@register.simple_tag
def slot_radios(slots, *, chosen: str = "", invalid: bool = False, label: str = "time"):
    """The radio buttons of a list of slots. Built in Python: the booking page offers hundreds of slots, and the
    template language spent most of the page's time on them (bench/load.py). Nothing here needs escaping: a
    slot's id and labels are dates formatted by us (digits, separators and the weekday's abbreviation)."""
    described = ' aria-invalid="true" aria-describedby="id_slot_error"' if invalid else ""
    rows = []
    for slot in slots:
        local = slot.local_start
        value = local.strftime(SLOT_ID_FORMAT)
        text = local.strftime("%H:%M") if label == "time" else date_format(local, "D d/m H:i")
        checked = " checked" if value == chosen else ""
        rows.append(
            f'<label class="slot"><input type="radio" name="slot" value="{value}"{checked}{described}> '
            f"<span>{escape(text)}</span></label>"
        )
    return mark_safe("\n".join(rows))  # noqa: S308 (built above from our own formatted dates)
