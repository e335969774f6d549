from django.contrib import admin

from tecnosign.admin_base import ReadOnlyAdmin

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """Read-only: the log is append-only, so nobody edits or deletes it here."""

    list_display = ["created_at", "actor_label", "ip", "action", "object_type", "object_id", "chain_position"]
    list_filter = ["action", "object_type"]
    search_fields = ["object_id", "actor_label", "note"]
    date_hierarchy = "created_at"
    list_select_related = ["actor"]
    show_full_result_count = False
