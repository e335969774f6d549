from django import forms
from django.contrib import admin, messages
from django.db.models import Case, IntegerField, Value, When
from django.utils import timezone
from django.utils.html import format_html

from orders.validators import normalize_cpf_or_cnpj
from tecnosign.admin_base import ReadOnlyAdmin
from tecnosign.audit.services import Actor
from tecnosign.errors import DomainError

from .models import Certificate, CertificateAuthority, IssuanceRequest, NegativeListEntry, RevocationList
from .services.handoff import issuance_mark_media_delivered, issuance_requests_resend
from .services.negative_list import negative_list_add, negative_list_remove


def _time_left(request: IssuanceRequest) -> str:
    if not request.is_pending:
        return "—"
    minutes = int(request.time_left.total_seconds() // 60)
    text = f"{abs(minutes) // 60} h {abs(minutes) % 60:02d} min"
    return f"atrasado {text}" if minutes < 0 else text


@admin.register(IssuanceRequest)
class IssuanceRequestAdmin(ReadOnlyAdmin):
    list_display = [
        "order",
        "holder",
        "product",
        "status",
        "time_left",
        "sla_deadline",
        "attempts",
        "external_reference",
        "warned",
        "breached",
        "media_delivered_at",
    ]
    list_filter = ["status", "backend", ("breached_at", admin.EmptyFieldListFilter), "order__product__certificate_type"]
    search_fields = ["order__number", "external_reference", "order__person_cpf", "order__cnpj"]
    list_select_related = ["order__product"]
    show_full_result_count = False
    actions = ["mark_media_delivered", "send_again"]

    def get_ordering(self, request):
        # Pending requests first, the least time left on top; then the rest by deadline.
        pending_first = Case(
            When(status__in=IssuanceRequest.PENDING, then=Value(0)), default=Value(1), output_field=IntegerField()
        )
        return [pending_first.asc(), "sla_deadline"]

    @admin.display(description="titular")
    def holder(self, obj: IssuanceRequest) -> str:
        return f"{obj.order.holder_name} ({obj.order.holder_document_display})"

    @admin.display(description="produto")
    def product(self, obj: IssuanceRequest) -> str:
        return obj.order.product.name

    @admin.display(description="tempo restante", ordering="sla_deadline")
    def time_left(self, obj: IssuanceRequest) -> str:
        text = _time_left(obj)
        if obj.is_pending and obj.sla_deadline <= timezone.now():
            return format_html('<strong style="color:#b00020">{}</strong>', text)
        return text

    @admin.display(description="alertado", boolean=True)
    def warned(self, obj: IssuanceRequest) -> bool:
        return obj.warned_at is not None

    @admin.display(description="estourou", boolean=True)
    def breached(self, obj: IssuanceRequest) -> bool:
        return obj.breached_at is not None

    def has_mark_media_delivered_permission(self, request) -> bool:
        return request.user.has_perm("issuance.mark_media_delivered")

    def has_send_again_permission(self, request) -> bool:
        return request.user.has_perm("issuance.change_issuancerequest")

    @admin.action(description="Registrar entrega da mídia A3 (token/cartão)", permissions=["mark_media_delivered"])
    def mark_media_delivered(self, request, queryset):
        actor = Actor.from_request(request)
        done = 0
        for issuance_request in queryset.select_related("order__product"):
            try:
                done += issuance_mark_media_delivered(request=issuance_request, actor=actor)
            except DomainError as error:
                self.message_user(request, error.message, messages.ERROR)
        if done:
            self.message_user(request, f"Entrega da mídia registrada em {done} pedido(s); o cliente foi avisado.")

    @admin.action(description="Reenviar à AC os pedidos ainda não aceitos", permissions=["send_again"])
    def send_again(self, request, queryset):
        queued = issuance_requests_resend(request_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(request, f"{len(queued)} pedido(s) reenfileirado(s) para envio à AC.")


@admin.register(Certificate)
class CertificateAdmin(ReadOnlyAdmin):
    list_display = ["serial", "subject", "order", "status", "issued_at", "not_after", "revocation_reason", "revoked_at"]
    list_filter = ["status", "revocation_reason", "backend"]
    search_fields = ["serial", "subject", "order__number", "fingerprint_sha256"]
    list_select_related = ["order"]
    date_hierarchy = "issued_at"
    show_full_result_count = False


@admin.register(CertificateAuthority)
class CertificateAuthorityAdmin(ReadOnlyAdmin):
    list_display = ["name", "role", "slug", "serial", "not_before", "not_after", "crl_number", "active"]
    list_filter = ["role", "active"]
    exclude = ["private_key_pem"]


@admin.register(RevocationList)
class RevocationListAdmin(ReadOnlyAdmin):
    list_display = ["authority", "number", "this_update", "next_update", "entries"]
    list_filter = ["authority"]
    exclude = ["der"]


class NegativeListEntryForm(forms.ModelForm):
    class Meta:
        model = NegativeListEntry
        fields = ["document", "reason"]
        help_texts = {"document": "O CPF do titular (ou do representante legal) ou o CNPJ da empresa."}

    def clean_document(self) -> str:
        document = normalize_cpf_or_cnpj(self.cleaned_data["document"])
        if NegativeListEntry.objects.filter(document=document, removed_at__isnull=True).exists():
            # The service refuses it too (a unique constraint): here it is a message next to the field.
            raise forms.ValidationError("Este CPF/CNPJ já está na Lista Negativa.")
        return document


@admin.register(NegativeListEntry)
class NegativeListEntryAdmin(admin.ModelAdmin):
    """The local CA's Lista Negativa, kept by staff: added and taken off through the audited service, never edited."""

    form = NegativeListEntryForm
    list_display = ["document", "reason", "added_by", "added_at", "removed_by", "removed_at"]
    list_filter = [("removed_at", admin.EmptyFieldListFilter)]
    search_fields = ["document"]
    actions = ["take_off"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return [field.name for field in self.model._meta.fields]

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if change:
            return
        entry = negative_list_add(
            document=form.cleaned_data["document"],
            reason=form.cleaned_data["reason"],
            actor=Actor.from_request(request),
        )
        obj.pk = entry.pk

    @admin.action(description="Retirar da Lista Negativa", permissions=["change"])
    def take_off(self, request, queryset):
        actor = Actor.from_request(request)
        done = sum(negative_list_remove(entry=entry, actor=actor) for entry in queryset.order_by("pk"))
        self.message_user(request, f"{done} registro(s) retirado(s) da Lista Negativa.")
