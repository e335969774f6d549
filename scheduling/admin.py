"""Back office for booking: agents' hours and exceptions, meeting links, and the bookings themselves.

Bookings are read-only here; the two agent actions (start, close as no-show) call the same services as
everything else. The validation back office (checklist, validate/reject) is a separate screen.
"""

from django.contrib import admin, messages
from django.utils import timezone

from tecnosign.audit.services import Actor
from tecnosign.errors import DomainError

from .models import AgentProfile, AvailabilityException, AvailabilityRule, Booking, BookingTimer
from .services import booking_close_no_show, booking_start


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
        return [field.name for field in self.model._meta.fields]

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

    @admin.action(description="Iniciar o atendimento", permissions=["change"])
    def start_appointment(self, request, queryset):
        self._run(request, queryset, booking_start, "iniciada(s)")

    @admin.action(description="Encerrar: cliente não compareceu (após a tolerância)", permissions=["change"])
    def close_as_no_show(self, request, queryset):
        self._run(request, queryset, booking_close_no_show, "encerrada(s) como não comparecimento")
