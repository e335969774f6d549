"""The verification centre's queue of online renewals: the evidence, and approve (→ the CA) or return (→ booking)."""

from django.contrib import admin, messages
from django.shortcuts import get_object_or_404, redirect
from django.urls import path
from django.views.decorators.http import require_POST

from tecnosign.admin_base import ReadOnlyAdmin
from tecnosign.audit.services import Actor

from .models import ExpiryReminder, OnlineRenewal
from .services.online import OnlineRenewalDecisionRefused, online_renewal_decide


@admin.register(OnlineRenewal)
class OnlineRenewalAdmin(ReadOnlyAdmin):
    list_display = ["order", "status", "signer_certificate", "created_at", "decided_by"]
    list_filter = ["status"]
    list_select_related = ["order", "signer_certificate", "decided_by"]
    search_fields = ["order__number"]
    actions = None
    change_form_template = "admin/renewal/onlinerenewal/change_form.html"

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<int:pk>/decidir/", wrap(require_POST(self.decide_view)), name="renewal_onlinerenewal_decide"),
            *super().get_urls(),
        ]

    def decide_view(self, request, pk: int):
        renewal = get_object_or_404(OnlineRenewal, pk=pk)
        approve = request.POST.get("decision") == "approve"
        try:
            online_renewal_decide(
                renewal=renewal,
                approve=approve,
                actor=Actor.from_request(request),
                reason=request.POST.get("reason", ""),
            )
        except OnlineRenewalDecisionRefused as error:
            messages.error(request, error.message)
        else:
            messages.success(request, "Renovação aprovada e enviada à AC." if approve else "Renovação devolvida.")
        return redirect("admin:renewal_onlinerenewal_change", pk)


@admin.register(ExpiryReminder)
class ExpiryReminderAdmin(ReadOnlyAdmin):
    list_display = ["certificate", "days_before", "sent_at"]
    list_select_related = ["certificate"]
    actions = None
