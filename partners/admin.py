from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse
from django.utils import timezone

from orders.models import Partner
from orders.services.partners import partner_require_second_factor, partner_set_status
from tecnosign.audit.services import Actor

from .forms import MonthField
from .models import ApiToken, CommissionPayout, LinkLimits
from .selectors import commission_month_net, month_start
from .services.payouts import PayoutRefused, commission_payout_check, commission_payout_record
from .services.tokens import api_token_revoke


class StatusReasonForm(forms.Form):
    reason = forms.CharField(
        label="Motivo (vai no e-mail ao parceiro)",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Informe o motivo: o parceiro recebe esta explicação por e-mail."},
    )


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    list_display = ["name", "document", "contact_name", "email", "status", "created_at"]
    list_filter = ["status"]
    search_fields = ["name", "document", "email", "contact_name"]
    readonly_fields = ["status", "created_at", "approved_at", "terms_accepted_at", "user", "last_month_commissions"]
    actions = ["approve", "suspend", "reject", "require_second_factor", "leave_second_factor_to_partner"]

    @admin.display(description="comissões do mês passado")
    def last_month_commissions(self, partner: Partner) -> str:
        """What staff need before paying: last month's balance and whether it was paid."""
        if partner.pk is None:
            return "—"
        month = month_start(month_start(timezone.localdate()) - timedelta(days=1))
        net = commission_month_net(partner, month)
        payout = CommissionPayout.objects.filter(partner=partner, month=month).first()
        state = f"paga em {timezone.localtime(payout.paid_at):%d/%m/%Y}" if payout else "a pagar"
        return f"{month:%m/%Y}: R$ {net:.2f} ({state})".replace(".", ",")

    def save_model(self, request, obj, form, change):
        # The second-factor requirement is a security decision: set through its service (audited), not the form.
        required = obj.second_factor_required
        if change and "second_factor_required" in form.changed_data:
            obj.second_factor_required = form.initial["second_factor_required"]
        super().save_model(request, obj, form, change)
        if change and "second_factor_required" in form.changed_data:
            partner_require_second_factor(partner=obj, required=required, actor=Actor.from_request(request))
            obj.second_factor_required = required

    def has_review_permission(self, request) -> bool:
        return request.user.has_perm("orders.review_partner")

    def _set_status(self, request, queryset, status: str, reason: str = "") -> None:
        actor = Actor.from_request(request)
        for partner in queryset:
            partner_set_status(partner=partner, status=status, actor=actor, reason=reason)
        self.message_user(request, f"{queryset.count()} parceiro(s) atualizado(s).", messages.SUCCESS)

    def _with_reason(self, request, queryset, status: str, title: str):
        """Suspending or refusing asks for the reason first: it goes in the e-mail and the audit log."""
        form = StatusReasonForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            self._set_status(request, queryset, status, reason=form.cleaned_data["reason"])
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "form": form,
            "partners": queryset,
            "action": request.POST.get("action"),
            "opts": self.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/partners/partner/status_reason.html", context)

    @admin.action(description="Aprovar parceiros selecionados", permissions=["review"])
    def approve(self, request, queryset):
        self._set_status(request, queryset, Partner.Status.APPROVED)

    def _second_factor(self, request, queryset, required: bool) -> None:
        actor = Actor.from_request(request)
        for partner in queryset:
            partner_require_second_factor(partner=partner, required=required, actor=actor)
        self.message_user(request, f"{queryset.count()} parceiro(s) atualizado(s).", messages.SUCCESS)

    @admin.action(description="Exigir verificação em duas etapas", permissions=["review"])
    def require_second_factor(self, request, queryset):
        self._second_factor(request, queryset, True)

    @admin.action(description="Deixar a verificação em duas etapas a critério do parceiro", permissions=["review"])
    def leave_second_factor_to_partner(self, request, queryset):
        self._second_factor(request, queryset, False)

    @admin.action(description="Suspender parceiros selecionados", permissions=["review"])
    def suspend(self, request, queryset):
        return self._with_reason(request, queryset, Partner.Status.SUSPENDED, "Suspender parceiros")

    @admin.action(description="Recusar parceiros selecionados", permissions=["review"])
    def reject(self, request, queryset):
        return self._with_reason(request, queryset, Partner.Status.REJECTED, "Recusar parceiros")


@admin.register(LinkLimits)
class LinkLimitsAdmin(admin.ModelAdmin):
    """One row: the limits apply to links created or changed from now on (existing orders keep theirs)."""

    list_display = ["__str__", "updated_at"]
    fields = ["max_commission_percent", "max_discount_percent", "max_discount_amount", "updated_at"]
    readonly_fields = ["updated_at"]

    def has_add_permission(self, request):
        return not LinkLimits.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        LinkLimits.current()  # the row exists from the first visit, so staff always edit the one in force
        return super().changelist_view(request, extra_context)


class PayoutForm(forms.ModelForm):
    month = MonthField(label="Mês (AAAA-MM)", help_text="Um mês encerrado, por exemplo 2026-10.")

    class Meta:
        model = CommissionPayout
        fields = ["partner", "month", "reference"]

    def clean(self):
        cleaned = super().clean()
        partner, month = cleaned.get("partner"), cleaned.get("month")
        if partner and month:
            paid = CommissionPayout.objects.filter(partner=partner, month=month).first()
            if paid:
                when = timezone.localtime(paid.paid_at)
                raise ValidationError({"month": f"As comissões de {month:%m/%Y} já foram pagas em {when:%d/%m/%Y}."})
            try:
                commission_payout_check(partner=partner, month=month)
            except PayoutRefused as error:
                raise ValidationError({"month": error.message}) from error
        return cleaned


@admin.register(CommissionPayout)
class CommissionPayoutAdmin(admin.ModelAdmin):
    form = PayoutForm
    list_display = ["partner", "month_display", "amount", "pix_key", "reference", "paid_at", "paid_by"]
    list_filter = ["month"]
    search_fields = ["partner__name", "partner__document", "reference"]
    list_select_related = ["partner", "paid_by"]
    autocomplete_fields = ["partner"]

    @admin.display(description="mês", ordering="month")
    def month_display(self, payout: CommissionPayout) -> str:
        return f"{payout.month:%m/%Y}"

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["partner", "month", "amount", "pix_key", "reference", "paid_at", "paid_by"]

    def get_fields(self, request, obj=None):
        return ["partner", "month", "reference"] if obj is None else self.get_readonly_fields(request, obj)

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        payout, created = commission_payout_record(
            partner=form.cleaned_data["partner"],
            month=form.cleaned_data["month"],
            reference=form.cleaned_data.get("reference", ""),
            actor=Actor.from_request(request),
        )
        obj.pk = payout.pk
        obj.refresh_from_db()  # the service's row, for the admin's message and log
        if not created:  # another staff member recorded it a moment before: theirs stands
            messages.warning(request, f"As comissões de {payout.month:%m/%Y} deste parceiro já estavam pagas.")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "partner", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["name", "prefix", "partner__name"]
    list_select_related = ["partner"]
    readonly_fields = ["partner", "name", "prefix", "created_by", "created_at", "last_used_at", "revoked_at"]
    exclude = ["key_hash"]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Revogar chaves selecionadas", permissions=["change"])
    def revoke(self, request, queryset):
        actor = Actor.from_request(request)
        for token in queryset:
            api_token_revoke(token=token, actor=actor)
        self.message_user(request, f"{queryset.count()} chave(s) revogada(s).", messages.SUCCESS)
