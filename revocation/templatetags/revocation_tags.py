from django import template

from ..selectors import revocation_panel_for

register = template.Library()


@register.inclusion_tag("revocation/order_section.html")
def revocation_section(order):
    """The order page's revocation and guarantee section (revocation.selectors)."""
    return {"panel": revocation_panel_for(order)}
