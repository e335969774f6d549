from django import template
from django.utils import timezone

from ..selectors import issuance_panel_for

register = template.Library()


@register.simple_tag
def issuance_panel(order):
    """What the order page shows about the CA hand-off, issuance and the certificate (issuance.selectors)."""
    panel = issuance_panel_for(order)
    panel.now = timezone.now()
    return panel
