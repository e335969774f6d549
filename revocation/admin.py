from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from issuance.services.revocation import AlreadyRevoked, RevocationFailed
from tecnosign.admin_base import ReadOnlyAdmin
from tecnosign.audit.services import Actor
from tecnosign.errors import DomainError

from .forms import RefuseForm
from .models import PasswordThrottle, ReissueConfirmation, RevocationRequest
from .services import letter_approve, letter_refuse

R = RevocationRequest.Status


class ServiceRowsAdmin(ReadOnlyAdmin):
    """Read-only, acted on through the review page; shows the editable fields and `readonly_extra` only."""

    readonly_extra: tuple = ()

    def get_readonly_fields(self, request, obj=None):
        hidden = set(self.exclude or ())
        return [*(f.name for f in self.model._meta.fields if f.editable and f.name not in hidden), *self.readonly_extra]


@admin.register(RevocationRequest)
class RevocationRequestAdmin(ServiceRowsAdmin):
    list_display = [
        "reference_display",
        "order",
        "serial",
        "reason",
        "channel",
        "status",
        "letter_uploaded_at",
        "within_guarantee",
        "revoked_at",
        "replacement",
    ]
    list_filter = ["status", "channel", "reason", "within_guarantee"]
    search_fields = ["order__number", "certificate__serial", "order__person_cpf", "order__cnpj"]
    list_select_related = ["order", "certificate", "replacement"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    exclude = ["letter"]
    readonly_extra = ("letter_link", "review_link")

    def get_queryset(self, request):
        return super().get_queryset(request).order_by("-letter_uploaded_at", "-created_at")

    @admin.display(description="referência", ordering="pk")
    def reference_display(self, obj: RevocationRequest) -> str:
        return obj.reference

    @admin.display(description="série do certificado")
    def serial(self, obj: RevocationRequest) -> str:
        return obj.certificate.serial

    @admin.display(description="carta")
    def letter_link(self, obj: RevocationRequest) -> str:
        if not obj.letter:
            return "—"
        url = reverse("revocation:letter-file", args=[obj.public_id])
        return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', url, obj.letter_original_name)

    @admin.display(description="análise")
    def review_link(self, obj: RevocationRequest) -> str:
        if obj.status != R.UNDER_REVIEW:
            return obj.get_status_display()
        url = reverse("admin:revocation_revocationrequest_review", args=[obj.pk])
        return format_html('<a class="button" href="{}">Conferir a carta e decidir</a>', url)

    def get_urls(self):
        review = self.admin_site.admin_view(self.review_view)
        return [
            path("<int:pk>/revisar/", review, name="revocation_revocationrequest_review"),
            *super().get_urls(),
        ]

    def review_view(self, request, pk: int):
        """Approve (revoke, with the guarantee) or refuse with a reason that is e-mailed to the customer."""
        if not request.user.has_perm("revocation.review_letter"):
            raise PermissionDenied
        letter = get_object_or_404(RevocationRequest.objects.select_related("order__product", "certificate"), pk=pk)
        form = RefuseForm(request.POST or None)
        status = 200
        if request.method == "POST":
            actor = Actor.from_request(request)
            decision = request.POST.get("decision")
            try:
                if decision == "approve":
                    done = letter_approve(request=letter, actor=actor)
                    text = f"{done.reference}: certificado {done.certificate.serial} revogado."
                    if done.replacement:
                        text += f" Reemissão em garantia: pedido {done.replacement.number}."
                    self.message_user(request, text, messages.SUCCESS)
                    return redirect("admin:revocation_revocationrequest_change", pk)
                if decision == "refuse" and form.is_valid():
                    letter_refuse(request=letter, reason=form.cleaned_data["refusal_reason"], actor=actor)
                    self.message_user(request, f"{letter.reference}: carta recusada; o cliente foi avisado por e-mail.")
                    return redirect("admin:revocation_revocationrequest_change", pk)
                status = 400
            except (AlreadyRevoked, RevocationFailed, DomainError) as error:
                self.message_user(request, error.message, messages.ERROR)
                status = 409
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Conferir a carta {letter.reference}",
            "letter": letter,
            "order": letter.order,
            "form": form,
            "letter_url": reverse("revocation:letter-file", args=[letter.public_id]) if letter.letter else "",
            "reviewable": letter.status == R.UNDER_REVIEW,
        }
        return TemplateResponse(request, "admin/revocation/review.html", context, status=status)


@admin.register(PasswordThrottle)
class PasswordThrottleAdmin(ServiceRowsAdmin):
    list_display = ["scope", "key", "failures", "window_started_at", "locked_until"]
    list_filter = ["scope"]
    search_fields = ["key"]


@admin.register(ReissueConfirmation)
class ReissueConfirmationAdmin(ServiceRowsAdmin):
    """Same-holder reissues: waiting for the holder's proof of contact, held before the CA, or sent to a new
    validation. Read-only: the holder's links and the beat task move them."""

    list_display = ["replacement", "request", "status", "confirmed_at", "due_at", "handed_off_at", "stopped_at"]
    list_filter = ["status"]
    search_fields = ["replacement__number", "request__order__number"]
    list_select_related = ["replacement", "request"]
