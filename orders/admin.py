from datetime import timedelta
from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Case, Exists, IntegerField, OuterRef, Value, When
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from tecnosign.admin_base import ReadOnlyAdmin
from tecnosign.audit.services import Actor

from .models import (
    CommissionEntry,
    Document,
    HolderBiometrics,
    Order,
    Payment,
    PaymentEvent,
    Product,
    ReferralLink,
    Refund,
)
from .payments.gateways.sandbox import sandbox_schedule_webhook
from .selectors import documents_visible_to, order_exact_match, staff_may_view_documents
from .services.biometrics import holder_biometrics_delete, holder_biometrics_record
from .services.documents import document_details_read, documents_listed_audit
from .services.reconciliation import reconciliation_csv, reconciliation_report
from .services.refunds import (
    RefundNotAllowed,
    refund_approve,
    refund_request,
    refund_retry_now,
    refund_transfer_done,
    refundable_amount,
)
from .services.retention import retention_plan, retention_rules_text
from .validators import normalize_cpf


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "holder_type", "certificate_type", "media", "validity_months", "price", "active"]
    list_filter = ["holder_type", "certificate_type", "media", "active"]
    list_editable = ["price", "active"]
    search_fields = ["name", "code"]
    prepopulated_fields = {"code": ["name"]}


@admin.register(ReferralLink)
class ReferralLinkAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "partner", "product", "benefit", "active", "visits", "orders_count", "expires_at"]
    list_filter = ["benefit", "active"]
    search_fields = ["name", "code", "partner__name"]
    list_select_related = ["partner", "product"]
    readonly_fields = ["code", "visits", "orders_count"]
    autocomplete_fields = ["partner"]


class DocumentInline(admin.TabularInline):
    model = Document
    extra = 0
    fields = ["kind", "identity_type", "file_link", "content_type", "size", "uploaded_at", "superseded_at", "purged_at"]
    readonly_fields = fields
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        # A link only where the viewer may open it (the same rule as the file view).
        visible = Order.objects.filter(documents_visible_to(request.user), pk=OuterRef("order_id"))
        return super().get_queryset(request).annotate(file_visible=Exists(visible))

    @admin.display(description="arquivo")
    def file_link(self, document: Document) -> str:
        if not document.file:
            return document.original_name + " (eliminado)"
        if not document.file_visible:
            return document.original_name
        url = reverse("orders:document-file", args=[document.public_id])
        return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', url, document.original_name)


class PaymentInline(admin.TabularInline):
    model = Payment
    extra = 0
    fields = ["method", "amount", "status", "created_at", "paid_at", "flagged", "flag_reason"]
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    inlines = [PaymentInline, DocumentInline]
    list_display = ["number", "created_at", "holder_display", "product", "price", "status", "partner"]
    list_filter = ["status", "product__holder_type", "product__certificate_type"]
    search_fields = ["number", "person_cpf", "cnpj", "person_name", "company_name", "email"]
    list_select_related = ["product", "partner"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    exclude = ["issuance_password_hash", "revocation_password_hash"]

    @admin.display(description="titular")
    def holder_display(self, order: Order) -> str:
        return f"{order.holder_name} ({order.holder_document_display})"

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        order = getattr(response, "context_data", {}).get("original") if response.status_code == 200 else None
        if order is not None and order.documents.exists():
            # The page lists the holder's documents (names, kinds; links for whoever may open them): audited.
            documents_listed_audit(
                order=order,
                actor=Actor.from_request(request),
                files_visible=staff_may_view_documents(request.user, order),
            )
        return response

    def get_search_results(self, request, queryset, search_term):
        # A whole number/CPF/CNPJ through the indexes: the partial search scans every order (375 ms at 100,000).
        exact = order_exact_match(search_term)
        if exact is not None:
            return queryset.filter(exact), False
        return super().get_search_results(request, queryset, search_term)

    def get_readonly_fields(self, request, obj=None):
        # State and money move only through services; the admin shows them.
        return [field.name for field in self.model._meta.fields if field.name not in self.exclude]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class HolderBiometricsForm(forms.ModelForm):
    class Meta:
        model = HolderBiometrics
        fields = ["cpf", "source", "note", "protocol"]

    def clean_cpf(self) -> str:
        return normalize_cpf(self.cleaned_data["cpf"])


@admin.register(HolderBiometrics)
class HolderBiometricsAdmin(admin.ModelAdmin):
    """Staff's manual rows (a CNH checked in the official base, a PSBio record seen elsewhere), written and deleted
    through the service that also records positive PSBio matches: every change audited."""

    form = HolderBiometricsForm
    list_display = ["cpf", "source", "protocol", "recorded_by", "recorded_at"]
    list_filter = ["source"]
    search_fields = ["cpf"]
    readonly_fields = ["recorded_by", "recorded_at"]

    def get_readonly_fields(self, request, obj=None):
        # A row is one CPF's: another CPF is another row.
        return [*self.readonly_fields, "cpf"] if obj else self.readonly_fields

    def save_model(self, request, obj, form, change):
        saved = holder_biometrics_record(
            cpf=obj.cpf, source=obj.source, note=obj.note, protocol=obj.protocol, actor=Actor.from_request(request)
        )
        obj.pk = saved.pk

    def delete_model(self, request, obj):
        holder_biometrics_delete(record=obj, actor=Actor.from_request(request))

    def delete_queryset(self, request, queryset):
        actor = Actor.from_request(request)
        for record in queryset.order_by("pk"):
            holder_biometrics_delete(record=record, actor=actor)


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ["order", "method", "amount", "status", "created_at", "paid_at", "flagged"]
    list_filter = ["status", "method", "flagged", "gateway"]
    search_fields = ["order__number", "charge_id"]
    list_select_related = ["order"]
    actions = ["sandbox_confirm", "sandbox_fail"]

    def has_sandbox_permission(self, request) -> bool:
        # A sandbox confirmation is a payment without money: a test tool for whoever runs the installation, no role's.
        return request.user.is_superuser

    def _sandbox(self, request, queryset, status: str) -> None:
        sent = 0
        for payment in queryset.filter(gateway="sandbox", status=Payment.Status.PENDING):
            sandbox_schedule_webhook(charge_id=payment.charge_id, status=status, amount=payment.amount)
            sent += 1
        level = messages.SUCCESS if sent else messages.WARNING
        self.message_user(
            request, f"{sent} webhook(s) do sandbox enviado(s) (só cobranças pendentes do sandbox).", level
        )

    @admin.action(description="Sandbox: confirmar pagamento", permissions=["sandbox"])
    def sandbox_confirm(self, request, queryset):
        self._sandbox(request, queryset, "paid")

    @admin.action(description="Sandbox: recusar pagamento", permissions=["sandbox"])
    def sandbox_fail(self, request, queryset):
        self._sandbox(request, queryset, "failed")

    def get_urls(self):
        return [
            path("conciliacao/", self.admin_site.admin_view(self.reconciliation_view), name="orders_reconciliation"),
            path(
                "<int:payment_pk>/estornar/",
                self.admin_site.admin_view(self.refund_view),
                name="orders_payment_refund",
            ),
            *super().get_urls(),
        ]

    def refund_view(self, request, payment_pk: int):
        """Support's refund: an amount (what is left, by default) and a reason; above REFUND_FOUR_EYES_ABOVE it
        waits for another staff member's approval (Devoluções)."""
        if not request.user.has_perm("orders.request_refund"):
            raise PermissionDenied
        payment = get_object_or_404(Payment.objects.select_related("order"), pk=payment_pk)
        left = refundable_amount(payment)
        form = RefundForm(request.POST or None, initial={"amount": left})
        if request.method == "POST" and form.is_valid():
            try:
                refund = refund_request(
                    payment=payment,
                    amount=form.cleaned_data["amount"],
                    reason=form.cleaned_data["reason"],
                    kind=Refund.Kind.SUPPORT,
                    actor=Actor.from_request(request),
                )
            except RefundNotAllowed as error:
                form.add_error(None, error.message)
            else:
                self.message_user(request, f"Devolução registrada: {refund.get_status_display()}.", messages.SUCCESS)
                return redirect("admin:orders_payment_change", payment.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Estornar pagamento do pedido {payment.order.number}",
            "payment": payment,
            "left": left,
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/orders/refund.html", context)

    def reconciliation_view(self, request):
        """The portal's figures beside each gateway's statement, per Brasília day; `?format=csv` exports them."""
        if not request.user.has_perm("orders.view_payment"):
            raise PermissionDenied
        form = ReconciliationForm(request.GET or None)
        today = timezone.localdate()
        start, end = today - timedelta(days=6), today
        if form.is_valid():
            start = form.cleaned_data.get("start") or start
            end = form.cleaned_data.get("end") or end
        report = reconciliation_report(start=start, end=end)
        if request.GET.get("format") == "csv":
            response = HttpResponse(reconciliation_csv(report), content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="conciliacao-{start}-{end}.csv"'
            return response
        context = {
            **self.admin_site.each_context(request),
            "title": "Conciliação: portal × gateways",
            "report": report,
            "form": form,
            "start": start,
            "end": end,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/orders/reconciliation.html", context)


class RefundForm(forms.Form):
    amount = forms.DecimalField(label="Valor (R$)", max_digits=10, decimal_places=2, min_value=Decimal("0.01"))
    reason = forms.CharField(label="Motivo", max_length=255)


class ReconciliationForm(forms.Form):
    start = forms.DateField(label="De", required=False)
    end = forms.DateField(label="Até", required=False)

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            raise forms.ValidationError("A data final é anterior à inicial.")
        if data.get("start") and data.get("end") and (data["end"] - data["start"]).days > 92:
            raise forms.ValidationError("No máximo 93 dias por vez.")
        return data


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
    """Every refund, those needing staff first: failed for good, awaiting approval or a manual transfer."""

    list_display = ["created_at", "payment", "amount", "kind", "status", "attempts", "last_error", "requested_by"]
    list_filter = ["status", "kind"]
    search_fields = ["payment__order__number", "refund_id", "payment__charge_id"]
    list_select_related = ["payment__order", "requested_by"]
    actions = ["approve", "retry_now", "transfer_done"]

    def get_queryset(self, request):
        attention = Case(
            When(status=Refund.Status.GIVEN_UP, then=Value(0)),
            When(status=Refund.Status.FAILED, then=Value(1)),
            When(status__in=(Refund.Status.AWAITING_APPROVAL, Refund.Status.TRANSFER), then=Value(2)),
            default=Value(3),
            output_field=IntegerField(),
        )
        return super().get_queryset(request).annotate(attention=attention).order_by("attention", "-created_at")

    def has_request_permission(self, request) -> bool:
        return request.user.has_perm("orders.request_refund")

    def has_approve_permission(self, request) -> bool:
        return request.user.has_perm("orders.approve_refund")

    def _each(self, request, queryset, service, done_text: str) -> None:
        actor = Actor.from_request(request)
        done = 0
        for refund in queryset.order_by("pk"):
            try:
                outcome = service(refund=refund, actor=actor)
            except RefundNotAllowed as error:
                self.message_user(request, f"{refund.refund_id}: {error.message}", messages.WARNING)
                continue
            done += 1 if outcome else 0
        self.message_user(request, f"{done} {done_text}", messages.SUCCESS if done else messages.WARNING)

    @admin.action(description="Aprovar devolução (segunda pessoa)", permissions=["approve"])
    def approve(self, request, queryset):
        self._each(request, queryset, refund_approve, "devolução(ões) aprovada(s).")

    @admin.action(description="Tentar devolver de novo agora", permissions=["request"])
    def retry_now(self, request, queryset):
        self._each(request, queryset, refund_retry_now, "devolução(ões) reenviada(s).")

    @admin.action(description="Transferência PIX feita", permissions=["approve"])
    def transfer_done(self, request, queryset):
        self._each(request, queryset, refund_transfer_done, "transferência(s) registrada(s).")


@admin.register(PaymentEvent)
class PaymentEventAdmin(ReadOnlyAdmin):
    list_display = ["received_at", "gateway", "event_id", "status", "amount", "outcome", "payment"]
    list_filter = ["gateway", "outcome", "status"]
    search_fields = ["event_id", "payment__order__number"]


@admin.register(CommissionEntry)
class CommissionEntryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "partner", "order", "kind", "base_amount", "percent", "amount"]
    list_filter = ["kind", "partner"]
    search_fields = ["order__number", "partner__name"]
    list_select_related = ["partner", "order"]


@admin.register(Document)
class DocumentAdmin(ReadOnlyAdmin):
    list_display = ["order", "kind", "identity_type", "original_name", "content_type", "uploaded_at", "purged_at"]
    list_filter = ["kind", "content_type"]
    search_fields = ["order__number", "original_name"]
    list_select_related = ["order"]
    exclude = ["file"]

    def get_queryset(self, request):
        # Even the names of the files are the holder's: only the orders whose documents the viewer may open.
        return super().get_queryset(request).filter(order__in=Order.objects.filter(documents_visible_to(request.user)))

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields if field.name != "file"]

    def get_urls(self):
        return [
            path("retencao/", self.admin_site.admin_view(self.retention_view), name="orders_document_retention"),
            *super().get_urls(),
        ]

    def retention_view(self, request):
        """The dry run: exactly the files the next daily run deletes, and by which rule (nothing is deleted here)."""
        if not request.user.has_perm("orders.view_retention_report"):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "title": "Retenção de arquivos: o que a próxima execução elimina",
            "items": retention_plan(),
            "rules": retention_rules_text(),
            "now": timezone.now(),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/orders/retention.html", context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        document = getattr(response, "context_data", {}).get("original") if response.status_code == 200 else None
        if document is not None:  # a document's details are the holder's data: the read is audited
            document_details_read(document=document, actor=Actor.from_request(request))
        return response
