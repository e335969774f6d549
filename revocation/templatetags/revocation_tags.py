from django import template

from ..selectors import revocation_panel_for

register = template.Library()


@register.inclusion_tag("revocation/order_section.html", takes_context=True)
def revocation_section(context, order):
    """The order page's revocation and guarantee section (revocation.selectors); its buttons post with CSRF."""
    return {"panel": revocation_panel_for(order), "order": order, "csrf_token": context.get("csrf_token")}
