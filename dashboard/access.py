"""Who sees the management dashboard: the AR's management group and superusers (support and agents do not)."""

from scheduling.roles import MANAGERS_GROUP


def may_view_dashboard(user) -> bool:
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return False
    return user.is_superuser or user.groups.filter(name=MANAGERS_GROUP).exists()
