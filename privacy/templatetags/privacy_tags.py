"""The order page's "Seus dados pessoais (LGPD)" section (loaded by orders/detail.html, as the other apps' sections)."""

from django import template

register = template.Library()


@register.inclusion_tag("privacy/order_section.html")
def privacy_section(order) -> dict:
    return {"order": order}
