from django.contrib import admin, messages

from orders.models import Partner
from tecnosign.audit.services import Actor

from .services import partner_set_status


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    list_display = ["name", "document", "contact_name", "email", "status", "created_at"]
    list_filter = ["status"]
    search_fields = ["name", "document", "email", "contact_name"]
    readonly_fields = ["status", "created_at", "approved_at", "terms_accepted_at", "user"]
    actions = ["approve", "suspend", "reject"]

    def _set_status(self, request, queryset, status: str) -> None:
        actor = Actor.from_request(request)
        for partner in queryset:
            partner_set_status(partner=partner, status=status, actor=actor)
        self.message_user(request, f"{queryset.count()} parceiro(s) atualizado(s).", messages.SUCCESS)

    @admin.action(description="Aprovar parceiros selecionados")
    def approve(self, request, queryset):
        self._set_status(request, queryset, Partner.Status.APPROVED)

    @admin.action(description="Suspender parceiros selecionados")
    def suspend(self, request, queryset):
        self._set_status(request, queryset, Partner.Status.SUSPENDED)

    @admin.action(description="Recusar parceiros selecionados")
    def reject(self, request, queryset):
        self._set_status(request, queryset, Partner.Status.REJECTED)
