from django import template

from ..access import may_view_dashboard

register = template.Library()


@register.filter
def sees_dashboard(user) -> bool:
    return may_view_dashboard(user)
