from django.contrib import admin, messages

from tecnosign.audit.services import Actor

from .models import OutboxMessage
from .services import outbox_redact, outbox_retry


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "channel", "recipient", "status", "attempts", "sent_at"]
    list_filter = ["status", "channel", "kind"]
    search_fields = ["recipient", "key", "object_ref"]
    date_hierarchy = "created_at"
    actions = ["retry_failed"]
    show_full_result_count = False
    # The bodies are shown with their one-time links and codes masked: reading the outbox must not let staff act
    # as the customer.
    exclude = ["body_text", "body_html", "secrets"]

    def get_readonly_fields(self, request, obj=None):
        hidden = set(self.exclude)
        fields = [field.name for field in self.model._meta.fields if field.name not in hidden]
        return [*fields, "text_shown", "html_shown"]

    @admin.display(description="texto")
    def text_shown(self, message: OutboxMessage) -> str:
        return outbox_redact(message, message.body_text)

    @admin.display(description="HTML (código)")
    def html_shown(self, message: OutboxMessage) -> str:
        return outbox_redact(message, message.body_html)

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
