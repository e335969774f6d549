"""The agent's side of an appointment: start it, close it as a customer no-show, and the agent-late flag.

Only the booking's agent conducts it — superusers included: someone else takes a booking over through an
explicit, audited reassignment (`booking_reassign`) and is then its agent (and never its verifier).

The seed's 10-minute tolerance works both ways: the agent may close a booking as the customer's no-show
only once 10 minutes have passed, and an agent who has not started 10 minutes after the time is flagged
to staff while the customer gets an apology and a link to pick a new slot. Validating or rejecting the
identity (checklist, reason) belongs to the validation back office, which records `outcome` on the same
booking.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from orders.models import Order
from orders.services.transitions import order_transition
from tecnosign.audit.services import SYSTEM, Actor, audit_record

from ..errors import AppointmentRefused
from ..models import Booking
from ..slots import BRASILIA
from .messages import send_agent_late, send_no_show
from .timers import timers_cancel

# An agent may open the room a little before the time, to be ready when the customer joins.
EARLY_START = timedelta(minutes=15)


def _tolerance() -> timedelta:
    return timedelta(minutes=settings.BOOKING_TOLERANCE_MINUTES)


def may_conduct(user, booking: Booking) -> bool:
    """Start, close as no-show and record the validation: the booking's agent, with the permission. No one else."""
    return (
        user is not None
        and user.is_active
        and user.pk == booking.agent_id
        and user.has_perm("scheduling.conduct_appointment")
    )


def _check_agent(booking: Booking, actor: Actor) -> None:
    if not may_conduct(actor.user, booking):
        raise AppointmentRefused(
            "Só o agente designado pode conduzir esta videoconferência. Para assumi-la, a coordenação precisa "
            "reatribuí-la (página da videoconferência → Reatribuir)."
        )


def booking_start(*, booking: Booking, actor: Actor) -> Booking:
    now = timezone.now()
    with transaction.atomic():
        locked = Booking.objects.select_for_update().get(pk=booking.pk)
        _check_agent(locked, actor)
        if locked.status != Booking.Status.SCHEDULED:
            raise AppointmentRefused(
                f"Esta videoconferência está “{locked.get_status_display()}”: não dá para iniciar."
            )
        if now < locked.starts_at - EARLY_START:
            opens = (locked.starts_at - EARLY_START).astimezone(BRASILIA)
            raise AppointmentRefused(
                f"Ainda é cedo: o atendimento pode ser iniciado a partir de {opens:%H:%M} (Brasília)."
            )
        locked.status = Booking.Status.IN_PROGRESS
        locked.started_at = now
        locked.started_by = actor.user
        locked.save(update_fields=["status", "started_at", "started_by"])
        audit_record(
            action="booking.started",
            obj=locked,
            actor=actor,
            after={"status": locked.status, "started_by": locked.started_by_id},
        )
    return locked


def booking_close_no_show(*, booking: Booking, actor: Actor) -> Booking:
    """The customer did not join within the tolerance: close it and send them back to booking."""
    now = timezone.now()
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=booking.order_id)
        locked = Booking.objects.select_for_update(of=("self",)).select_related("order__product").get(pk=booking.pk)
        _check_agent(locked, actor)
        if locked.status not in Booking.ACTIVE:
            raise AppointmentRefused(f"Esta videoconferência está “{locked.get_status_display()}”.")
        allowed_from = locked.starts_at + _tolerance()
        if now < allowed_from:
            raise AppointmentRefused(
                f"Aguarde a tolerância de {settings.BOOKING_TOLERANCE_MINUTES} minutos: o cliente ainda pode entrar "
                f"até {allowed_from.astimezone(BRASILIA):%H:%M} (Brasília)."
            )
        locked.status = Booking.Status.NO_SHOW
        locked.outcome = Booking.Outcome.CUSTOMER_NO_SHOW
        locked.finished_at = now
        locked.save(update_fields=["status", "outcome", "finished_at"])
        order_transition(
            order=order, to=Order.Status.NO_SHOW, actor=actor, note="Cliente não entrou na videoconferência"
        )
        audit_record(action="booking.no_show", obj=locked, actor=actor, after={"status": locked.status})
        timers_cancel(locked, now=now)
        send_no_show(locked)
    return locked


def booking_flag_agent_late(*, booking: Booking, now: datetime) -> bool:
    """Flag a booking whose agent has not started 10 minutes after its time. True when it was flagged now."""
    with transaction.atomic():
        flagged = Booking.objects.filter(
            pk=booking.pk,
            status=Booking.Status.SCHEDULED,
            agent_late_at__isnull=True,
            starts_at__lte=now - _tolerance(),
        ).update(agent_late_at=now)
        if not flagged:
            return False
        booking.agent_late_at = now
        audit_record(
            action="booking.agent_late",
            obj=booking,
            actor=SYSTEM,
            after={"agent_late_at": now.isoformat()},
            note=f"Agente não iniciou até {settings.BOOKING_TOLERANCE_MINUTES} minutos após o horário",
        )
        send_agent_late(booking)
    return True
