"""Back office for booking: agents' hours and exceptions, meeting links, and the bookings themselves.

Bookings are read-only here; the two agent actions (start, close as no-show) and the coordination's
reassignment call the same services as everything else. The validation back office (checklist, validate/reject)
is a separate screen.
"""

from datetime import timedelta
from functools import partial

from csp.decorators import csp_replace
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.views.decorators.clickjacking import xframe_options_sameorigin

from orders.selectors import staff_may_view_documents
from tecnosign.admin_base import ReadOnlyAdmin
from tecnosign.audit.services import Actor
from tecnosign.errors import DomainError
from tecnosign.http import private_file_response
from tecnosign.security_headers import permissions_policy
from tecnosign.uploads import UploadLimit

from .backoffice_forms import ReassignForm, ValidationForm, VerificationForm
from .models import (
    AgendaEntry,
    AgentProfile,
    AvailabilityException,
    AvailabilityRule,
    Booking,
    BookingTimer,
    SealedDossier,
    Validation,
    Verification,
    VerificationQueueEntry,
)
from .selectors_backoffice import agenda, dossier, evidence_file, validation_warnings, verification_queue
from .selectors_evidence import validation_evidence
from .services import booking_close_no_show, booking_reassign, booking_start, validation_record, verification_decide
from .services.appointment import may_conduct
from .services.dossier import dossier_download_audit, dossier_read_audit, evidence_read_audit
from .services.evidence import EvidenceRefused, biometric_match_query, face_capture_store, negative_list_check
from .services.validation import has_acted_on, validation_refusal, validation_returned


@admin.register(AgentProfile)
class AgentProfileAdmin(admin.ModelAdmin):
    list_display = ["__str__", "meeting_provider", "meeting_url"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "meeting_url":
            kwargs["assume_scheme"] = "https"  # a typed "zoom.us/j/…" means https
        return super().formfield_for_dbfield(db_field, request, **kwargs)


@admin.register(AvailabilityRule)
class AvailabilityRuleAdmin(admin.ModelAdmin):
    list_display = ["agent", "weekday", "start", "end"]
    list_filter = ["weekday", "agent"]
    list_editable = ["start", "end"]
    list_select_related = ["agent"]
    ordering = ["agent__username", "weekday", "start"]


@admin.register(AvailabilityException)
class AvailabilityExceptionAdmin(admin.ModelAdmin):
    list_display = ["date", "agent", "kind", "start", "end", "note"]
    list_filter = ["kind", "agent"]
    list_select_related = ["agent"]
    date_hierarchy = "date"


class BookingTimerInline(admin.TabularInline):
    model = BookingTimer
    extra = 0
    can_delete = False
    fields = ["kind", "due_at", "status", "done_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class AgentLateFilter(admin.SimpleListFilter):
    title = "atraso do agente"
    parameter_name = "atraso"

    def lookups(self, request, model_admin):
        return [("sim", "Sinalizado")]

    def queryset(self, request, queryset):
        if self.value() == "sim":
            return queryset.filter(agent_late_at__isnull=False)
        return queryset


@admin.register(Booking)
class BookingAdmin(admin.ModelAdmin):
    list_display = ["starts_at_local", "order", "agent", "status", "channel", "agent_late_at", "outcome"]
    list_filter = ["status", AgentLateFilter, "channel", "agent"]
    search_fields = ["order__number", "attendee_cpf", "order__person_name", "order__email"]
    list_select_related = ["order", "agent"]
    date_hierarchy = "starts_at"
    ordering = ["-starts_at"]
    show_full_result_count = False
    inlines = [BookingTimerInline]
    actions = ["start_appointment", "close_as_no_show"]

    @admin.display(description="horário (Brasília)", ordering="starts_at")
    def starts_at_local(self, booking: Booking) -> str:
        return f"{timezone.localtime(booking.starts_at):%d/%m/%Y %H:%M}"

    def get_readonly_fields(self, request, obj=None):
        # State moves only through services (the actions below); the admin shows it.
        return [field.name for field in self.model._meta.fields] + ["reassign_link"]

    @admin.display(description="coordenação")
    def reassign_link(self, booking: Booking) -> str:
        if not booking.is_active:
            return "—"
        url = reverse("admin:scheduling_booking_reassign", args=[booking.pk])
        return format_html('<a class="button" href="{}">Reatribuir a outro agente</a>', url)

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if not request.user.has_perm("scheduling.reassign_booking"):
            fields = [name for name in fields if name != "reassign_link"]
        return fields

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def _run(self, request, queryset, service, done: str) -> None:
        actor = Actor.from_request(request)
        ok = 0
        for booking in queryset.order_by("pk"):
            try:
                service(booking=booking, actor=actor)
            except DomainError as error:
                self.message_user(request, f"{booking.order.number}: {error.message}", messages.ERROR)
            else:
                ok += 1
        if ok:
            self.message_user(request, f"{ok} videoconferência(s) {done}.", messages.SUCCESS)

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<int:pk>/dossie/", wrap(partial(dossier_view, self)), name="scheduling_booking_dossier"),
            path(
                "<int:pk>/face/",
                face_capture_url_view(wrap(partial(face_capture_view, self))),
                name="scheduling_booking_face",
            ),
            path("<int:pk>/psbio/", wrap(partial(biometric_view, self)), name="scheduling_booking_psbio"),
            path(
                "<int:pk>/lista-negativa/",
                wrap(partial(negative_list_view, self)),
                name="scheduling_booking_negative_list",
            ),
            path(
                "<int:pk>/evidencia/<uuid:public_id>/",
                wrap(partial(evidence_file_view, self)),
                name="scheduling_booking_evidence",
            ),
            path("<int:pk>/iniciar/", wrap(partial(start_view, self)), name="scheduling_booking_start"),
            path("<int:pk>/reatribuir/", wrap(partial(reassign_view, self)), name="scheduling_booking_reassign"),
            *super().get_urls(),
        ]

    @admin.action(description="Iniciar o atendimento", permissions=["change"])
    def start_appointment(self, request, queryset):
        self._run(request, queryset, booking_start, "iniciada(s)")

    @admin.action(description="Encerrar: cliente não compareceu (após a tolerância)", permissions=["change"])
    def close_as_no_show(self, request, queryset):
        self._run(request, queryset, booking_close_no_show, "encerrada(s) como não comparecimento")


# ---------------------------------------------------------------------------------------------------
# The validation back office: the agent's day, the dossier with its checklist, the verification centre.
# ---------------------------------------------------------------------------------------------------


def _brasilia(moment) -> str:
    return timezone.localtime(moment).strftime("%d/%m/%Y %H:%M") if moment else "—"


class DayFilter(admin.SimpleListFilter):
    title = "dia"
    parameter_name = "dia"

    def lookups(self, request, model_admin):
        return [("amanha", "Amanhã"), ("ontem", "Ontem")]

    def queryset(self, request, queryset):
        return queryset  # the day is applied in get_queryset, where the agent filter also lives

    def choices(self, changelist):
        yield {
            "selected": self.value() is None,
            "query_string": changelist.get_query_string(remove=[self.parameter_name]),
            "display": "Hoje",
        }
        yield from list(super().choices(changelist))[1:]


@admin.register(AgendaEntry)
class AgendaEntryAdmin(ReadOnlyAdmin):
    """The agent's home: today's appointments (Brasília), with the room, the start button and the dossier."""

    list_display = ["time_local", "holder", "product", "status", "room", "dossier_link"]
    list_display_links = None
    list_filter = [DayFilter]
    show_full_result_count = False

    def _day(self, request):
        today = timezone.localdate()
        return today + {"amanha": timedelta(days=1), "ontem": timedelta(days=-1)}.get(
            request.GET.get("dia"), timedelta()
        )

    def get_queryset(self, request):
        return agenda(request.user, self._day(request))

    @admin.display(description="horário (Brasília)")
    def time_local(self, booking):
        return f"{timezone.localtime(booking.starts_at):%H:%M}–{timezone.localtime(booking.ends_at):%H:%M}"

    @admin.display(description="titular")
    def holder(self, booking):
        order = booking.order
        who = f"{order.person_name} — representante de {order.company_name}" if order.is_company else order.person_name
        return f"{who} ({order.number})"

    @admin.display(description="produto")
    def product(self, booking):
        return booking.order.product.name

    @admin.display(description="sala")
    def room(self, booking):
        if not booking.is_active:
            return "—"
        return format_html(
            '<a class="button" href="{}" target="_blank" rel="noopener">Abrir sala</a>', booking.video_url
        )

    @admin.display(description="dossiê")
    def dossier_link(self, booking):
        return format_html(
            '<a href="{}">Abrir dossiê</a>', reverse("admin:scheduling_booking_dossier", args=[booking.pk])
        )

    def get_list_display(self, request):
        @admin.display(description="atendimento")
        def start_button(booking):
            if booking.status != Booking.Status.SCHEDULED:
                return booking.get_status_display()
            if not may_conduct(request.user, booking):
                # Someone else's: taking it over is a reassignment, on the booking's page.
                return f"Com {booking.agent.get_full_name() or booking.agent.get_username()}"
            # The list already sits in the changelist's POST form (with its CSRF token), and a form nested in a
            # form is dropped by the browser's parser: the button posts that form to the start view instead.
            return format_html(
                '<button type="submit" class="button" formaction="{}" formmethod="post">Iniciar</button>',
                reverse("admin:scheduling_booking_start", args=[booking.pk]),
            )

        return [*self.list_display[:5], start_button, *self.list_display[5:]]

    def changelist_view(self, request, extra_context=None):
        day = self._day(request)
        extra_context = {**(extra_context or {}), "title": f"Minha agenda — {day:%d/%m/%Y} (Brasília)"}
        return super().changelist_view(request, extra_context)


def _may_see_dossier(user) -> bool:
    return user.has_perm("scheduling.conduct_appointment") or user.has_perm("scheduling.verify_dossier")


def start_view(model_admin, request, pk: int):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    booking = get_object_or_404(Booking, pk=pk)
    try:
        booking_start(booking=booking, actor=Actor.from_request(request))
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("admin:scheduling_agendaentry_changelist")
    messages.success(request, f"Atendimento do pedido {booking.order.number} iniciado. Abra a sala e o dossiê.")
    return redirect("admin:scheduling_booking_dossier", pk=booking.pk)


def face_capture_url_view(view):
    """The capture's POST carries one photo: a larger body is refused before it is read (tecnosign.uploads)."""
    view.upload_limit = UploadLimit(max_files=lambda: 1, back="admin:scheduling_booking_dossier", anchor="captura-face")
    return view


def _evidence_action(request, pk: int, action) -> HttpResponse:
    """The dossier's evidence buttons: POST only, by the booking's agent (the services say who may), back to it."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not _may_see_dossier(request.user):
        raise PermissionDenied
    booking = get_object_or_404(Booking.objects.select_related("order"), pk=pk)
    try:
        done = action(booking, Actor.from_request(request))
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done)
    response = redirect("admin:scheduling_booking_dossier", pk=booking.pk)
    response["Location"] += "#evidencias"
    return response


def face_capture_view(model_admin, request, pk: int):
    def store(booking, actor):
        uploaded = request.FILES.get("image")
        if uploaded is None:
            raise EvidenceRefused("Capture uma foto do rosto e confirme a escolhida antes de enviar.")
        capture = face_capture_store(booking=booking, uploaded=uploaded, actor=actor)
        return f"Foto do rosto guardada ({capture.width}×{capture.height}, SHA-256 {capture.sha256[:16]}…)."

    return _evidence_action(request, pk, store)


def biometric_view(model_admin, request, pk: int):
    def query(booking, actor):
        match = biometric_match_query(booking=booking, actor=actor)
        return f"Base biométrica: {match.get_result_display()} (protocolo {match.protocol})."

    return _evidence_action(request, pk, query)


def negative_list_view(model_admin, request, pk: int):
    def query(booking, actor):
        check = negative_list_check(booking=booking, actor=actor)
        if check.listed:
            return (
                f"O titular CONSTA da Lista Negativa da AC (referência {check.reference}): o pedido foi suspenso e a "
                "equipe, avisada. Encerre a chamada sem informar o motivo: o cliente deve falar com o suporte."
            )
        return f"Lista Negativa: o titular não consta (referência {check.reference})."

    return _evidence_action(request, pk, query)


@xframe_options_sameorigin
def evidence_file_view(model_admin, request, pk: int, public_id):
    """A face capture, the base's face or the accepted term, for staff whose work needs this order's documents now
    (the documents' rule); by a random identifier, never cached, every opening audited."""
    booking = get_object_or_404(Booking.objects.select_related("order"), pk=pk)
    if not (request.user.has_perm("orders.view_document") and staff_may_view_documents(request.user, booking.order)):
        raise PermissionDenied
    found = evidence_file(booking.order, public_id)
    if found is None:
        raise Http404("Arquivo não encontrado neste pedido, ou eliminado pela política de retenção.")
    field, content_type, name, what = found
    evidence_read_audit(order=booking.order, actor=Actor.from_request(request), what=what, public_id=public_id)
    return private_file_response(field.open("rb"), content_type=content_type, filename=name)


def reassign_view(model_admin, request, pk: int):
    """The coordination hands the booking to another agent (or to themselves), with the reason, audited."""
    if not request.user.has_perm("scheduling.reassign_booking"):
        raise PermissionDenied
    booking = get_object_or_404(Booking.objects.select_related("order", "agent"), pk=pk)
    form = ReassignForm(request.POST or None, current_agent_id=booking.agent_id)
    if request.method == "POST" and form.is_valid():
        try:
            moved = booking_reassign(
                booking=booking,
                to_agent=form.cleaned_data["to_agent"],
                actor=Actor.from_request(request),
                reason=form.cleaned_data["reason"],
            )
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, f"Videoconferência do pedido {booking.order.number} reatribuída a {moved.agent}.")
            return redirect("admin:scheduling_booking_change", booking.pk)
    context = {
        **model_admin.admin_site.each_context(request),
        "title": f"Reatribuir a videoconferência do pedido {booking.order.number}",
        "booking": booking,
        "form": form,
        "opts": model_admin.model._meta,
    }
    return TemplateResponse(request, "admin/scheduling/reassign.html", context, status=400 if form.errors else 200)


# The documents' PDF preview is an <object> (with a link as its fallback content): `object-src` names the portal.
PDF_PREVIEW_CSP = {"object-src": ["'self'"]}


# The agent captures the holder's face here: the one page whose Permissions-Policy lets the camera on.
@permissions_policy(camera="self")
@csp_replace(PDF_PREVIEW_CSP)
def dossier_view(model_admin, request, pk: int):
    """Holder data, documents, timeline and previous attempts; the checklist for the agent who conducts it."""
    if not _may_see_dossier(request.user):
        raise PermissionDenied
    booking = get_object_or_404(Booking.objects.select_related("order__product", "agent"), pk=pk)
    order = booking.order
    waived = validation_evidence(booking).documents_waived
    form = ValidationForm(request.POST or None, company=order.is_company, documents_waived=waived)
    if request.method == "POST" and form.is_valid():
        try:
            validation_record(
                booking=booking,
                actor=Actor.from_request(request),
                outcome=form.cleaned_data["outcome"],
                checklist=form.checklist(),
                reject_reason=form.cleaned_data["reject_reason"],
                note=form.cleaned_data["note"],
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, f"Validação do pedido {order.number} registrada.")
            return redirect("admin:scheduling_agendaentry_changelist")
    returned = validation_returned(order)
    conducts = may_conduct(request.user, booking)
    the_dossier = dossier(booking, viewer=request.user)
    dossier_read_audit(order=order, actor=Actor.from_request(request), page="dossier")
    context = {
        **model_admin.admin_site.each_context(request),
        "title": f"Dossiê do pedido {order.number}",
        "dossier": the_dossier,
        "form": form,
        "can_record": validation_refusal(request.user, booking, returned) is None,
        "can_collect": conducts and booking.status == Booking.Status.IN_PROGRESS,
        "can_reassign": not conducts and booking.is_active and request.user.has_perm("scheduling.reassign_booking"),
        "returned": returned,
        "returned_reason": returned.verifications.first().reason if returned else "",
        "opts": model_admin.model._meta,
    }
    return TemplateResponse(request, "admin/scheduling/dossier.html", context, status=400 if form.errors else 200)


@admin.register(Validation)
class ValidationAdmin(ReadOnlyAdmin):
    list_display = ["finished_at", "order", "agent", "outcome", "reject_reason", "duration_display", "returned_at"]
    list_filter = ["outcome", "reject_reason", "agent"]
    search_fields = ["order__number", "order__person_name", "order__company_name"]
    list_select_related = ["order", "agent"]
    date_hierarchy = "finished_at"


@admin.register(Verification)
class VerificationAdmin(ValidationAdmin):
    list_display = ["decided_at", "order", "agent", "verifier", "outcome", "reason"]
    list_filter = ["outcome", "verifier"]
    date_hierarchy = "decided_at"


@admin.register(VerificationQueueEntry)
class VerificationQueueAdmin(ReadOnlyAdmin):
    """Validated dossiers waiting for a second person. Your own validations never appear here."""

    list_display = ["order", "holder", "agent", "finished_local", "waiting", "alerts", "review_link"]
    list_display_links = None
    show_full_result_count = False

    def get_queryset(self, request):
        return verification_queue(request.user)

    @admin.display(description="alertas")
    def alerts(self, validation):
        found = [warning.label for warning in validation_warnings(validation)]
        if not found:
            return "—"
        return format_html('<strong class="alerta-verificacao">⚠ {}</strong>', ", ".join(found))

    @admin.display(description="titular")
    def holder(self, validation):
        return validation.order.holder_name

    @admin.display(description="validado em (Brasília)")
    def finished_local(self, validation):
        return _brasilia(validation.finished_at)

    @admin.display(description="aguardando há")
    def waiting(self, validation):
        minutes = int((timezone.now() - validation.finished_at).total_seconds() // 60)
        return f"{minutes // 60} h {minutes % 60:02d} min"

    @admin.display(description="")
    def review_link(self, validation):
        url = reverse("admin:scheduling_verificationqueueentry_review", args=[validation.pk])
        return format_html('<a class="button" href="{}">Revisar</a>', url)

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path(
                "<int:pk>/revisar/", wrap(partial(review_view, self)), name="scheduling_verificationqueueentry_review"
            ),
            *super().get_urls(),
        ]


@csp_replace(PDF_PREVIEW_CSP)
def review_view(model_admin, request, pk: int):
    if not request.user.has_perm("scheduling.verify_dossier"):
        raise PermissionDenied
    validation = get_object_or_404(Validation.objects.select_related("order__product", "agent", "booking"), pk=pk)
    warnings = validation_warnings(validation)
    form = VerificationForm(request.POST or None, warnings=warnings)
    if request.method == "POST" and form.is_valid():
        try:
            verification_decide(
                validation=validation,
                actor=Actor.from_request(request),
                outcome=form.cleaned_data["outcome"],
                reason=form.cleaned_data["reason"],
                warnings_note=form.cleaned_data.get("warnings_note", ""),
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, f"Dossiê do pedido {validation.order.number}: decisão registrada.")
            return redirect("admin:scheduling_verificationqueueentry_changelist")
    dossier_read_audit(order=validation.order, actor=Actor.from_request(request), page="verification")
    context = {
        **model_admin.admin_site.each_context(request),
        "title": f"Verificação do pedido {validation.order.number}",
        "dossier": dossier(validation.booking, viewer=request.user),
        "validation": validation,
        "warnings": warnings,
        "own": has_acted_on(request.user, validation),
        "form": form,
        "opts": model_admin.model._meta,
    }
    return TemplateResponse(
        request, "admin/scheduling/verification_review.html", context, status=400 if form.errors else 200
    )


@admin.register(SealedDossier)
class SealedDossierAdmin(ReadOnlyAdmin):
    """The holders' sealed dossiers: downloaded whole by staff with `scheduling.download_dossier` (audited)."""

    list_display = ["order", "sealed_at", "files", "size", "manifest_sha256", "purged_at", "download_link"]
    list_select_related = ["order"]
    search_fields = ["order__number", "order__person_cpf", "order__cnpj"]
    date_hierarchy = "sealed_at"
    exclude = ["file"]

    @admin.display(description="arquivo")
    def download_link(self, dossier: SealedDossier) -> str:
        if not dossier.file:
            return "eliminado"
        url = reverse("admin:scheduling_sealeddossier_download", args=[dossier.pk])
        return format_html('<a class="button" href="{}">Baixar (zip)</a>', url)

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<int:pk>/baixar/", wrap(self.download_view), name="scheduling_sealeddossier_download"),
            *super().get_urls(),
        ]

    def download_view(self, request, pk: int):
        if not request.user.has_perm("scheduling.download_dossier"):
            raise PermissionDenied
        sealed = get_object_or_404(SealedDossier.objects.select_related("order"), pk=pk)
        if not sealed.file:
            raise Http404("O dossiê foi eliminado pela política de retenção.")
        dossier_download_audit(dossier=sealed, actor=Actor.from_request(request))
        return private_file_response(
            sealed.file.open("rb"),
            content_type="application/zip",
            filename=f"dossie-{sealed.order.number}-{sealed.pk}.zip",
            as_attachment=True,
        )
