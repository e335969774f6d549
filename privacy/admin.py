from django.contrib import admin
from django.utils import timezone

from tecnosign.admin_base import ReadOnlyAdmin

from .models import PrivacyRequest


@admin.register(PrivacyRequest)
class PrivacyRequestAdmin(ReadOnlyAdmin):
    """The holders' requests and their 15-day deadlines (LGPD art. 19, II): overdue ones first."""

    list_display = ["order", "kind", "status", "created_at", "due_at", "late", "completed_at"]
    list_filter = ["status", "kind"]
    search_fields = ["order__number"]
    list_select_related = ["order"]
    ordering = ["status", "due_at"]
    date_hierarchy = "created_at"

    @admin.display(boolean=True, description="prazo vencido")
    def late(self, obj: PrivacyRequest) -> bool:
        return obj.status != PrivacyRequest.Status.COMPLETED and timezone.now() > obj.due_at
