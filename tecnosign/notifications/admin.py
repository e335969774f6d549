from django.contrib import admin, messages

from tecnosign.audit.services import Actor

from .models import OutboxMessage
from .services import outbox_retry


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "channel", "recipient", "status", "attempts", "sent_at"]
    list_filter = ["status", "channel", "kind"]
    search_fields = ["recipient", "key", "object_ref"]
    date_hierarchy = "created_at"
    actions = ["retry_failed"]
    show_full_result_count = False

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    # Every field is read-only: "change" on a message means only sending a failed one again.
    @admin.action(description="Reenviar mensagens que falharam", permissions=["change"])
    def retry_failed(self, request, queryset):
        retried = outbox_retry(message_ids=queryset.values_list("pk", flat=True), actor=Actor.from_request(request))
        if retried:
            self.message_user(request, f"{len(retried)} mensagem(ns) reenfileirada(s).", messages.SUCCESS)
        else:
            self.message_user(request, "Nenhuma das mensagens selecionadas falhou: nada a reenviar.", messages.WARNING)
