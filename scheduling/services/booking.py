"""Booking, rescheduling and cancelling a videoconference.

Each operation is one transaction that locks the order first (then the booking), so requests for the
same order queue up. Only those rows are locked (`of=("self",)`): locking the joined product as well
would queue every booking of that product behind one another. Requests for different orders race only
for agents' time, and there the database decides: the insert that loses an exclusion/unique constraint
rolls back to its savepoint and the next free agent is tried; when none is left the customer is told the
slot was just taken.
"""

import secrets
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone

from orders.eligibility import Eligibility, videoconference_eligibility
from orders.models import Order
from orders.selectors import ORDER_RESCHEDULED
from orders.services.transitions import order_transition
from orders.validators import format_mobile, normalize_mobile
from tecnosign.audit.services import Actor, audit_record

from ..errors import (
    AttendeeBusy,
    ChangeClosed,
    InvalidSlot,
    MobileNotConfirmed,
    NotEligible,
    ReassignRefused,
    SlotTaken,
)
from ..models import AgentProfile, Booking
from ..selectors import (
    agents_by_load,
    availability,
    booking_days,
    can_change,
    earliest_start,
    free_slots,
    nearest_slots,
    order_booking_facts,
)
from ..slots import BRASILIA, Slot
from ..video import agents_need_fixed_links, jitsi_room_url
from .messages import send_cancellation, send_confirmation, send_new_link
from .timers import timers_cancel, timers_create

S = Order.Status
DEADLOCK_DETECTED = "40P01"  # PostgreSQL's SQLSTATE
DEADLOCK_RETRIES = 3

_STATUS_REASONS = {
    S.AWAITING_HOLDER: "O titular ainda não confirmou o pedido. Depois da confirmação e do pagamento, envie o "
    "documento e agende.",
    S.AWAITING_PAYMENT: "O pagamento do pedido ainda não foi confirmado. Depois dele, envie o documento e agende.",
    S.PAYMENT_EXPIRED: "O prazo de pagamento terminou. Gere uma nova cobrança para continuar.",
    S.PAID: "Envie o documento de identidade antes de agendar: ele precisa estar anexado no agendamento.",
    S.SCHEDULED: "Este pedido já tem uma videoconferência agendada. Se precisar, remarque o horário.",
    S.VALIDATED: "A videoconferência deste pedido já foi feita.",
    S.VERIFIED: "A videoconferência deste pedido já foi feita.",
    S.RELEASED: "A videoconferência deste pedido já foi feita.",
    S.ISSUED: "O certificado deste pedido já foi emitido.",
    S.REJECTED: "A validação foi recusada. Envie um novo documento para poder agendar outra vez.",
    S.CANCELLED: "Este pedido foi cancelado.",
    S.REVOKED: "O certificado deste pedido foi revogado.",
    S.BLOCKED: "Este pedido está suspenso. Entre em contato com o suporte da TecnoSign.",
}


def booking_eligibility(order: Order) -> Eligibility:
    """May this order book now? Paid with documents attached, eligible for videoconference, not booked."""
    if not order_booking_facts([order])[order.pk].may_book:
        return Eligibility(False, reason=_STATUS_REASONS[order.status])
    return videoconference_eligibility(validity_months=order.product.validity_months, cpf=order.person_cpf)


def _local(moment: datetime) -> str:
    return moment.astimezone(BRASILIA).strftime("%d/%m/%Y às %H:%M")


def _check_start(start: datetime, now: datetime) -> None:
    """Refuse what can never be booked, before taking any lock."""
    if start < now:
        raise InvalidSlot("Este horário já passou. Escolha um dos horários livres abaixo.", field="slot")
    if start < earliest_start(now):
        raise InvalidSlot(
            f"Os agendamentos precisam de pelo menos {settings.BOOKING_LEAD_MINUTES} minutos de antecedência. "
            "Escolha um horário mais adiante.",
            field="slot",
        )
    if start.astimezone(BRASILIA).date() > booking_days(now)[-1]:
        raise InvalidSlot(
            f"Só é possível agendar nos próximos {settings.BOOKING_DAYS_AHEAD} dias. Escolha um horário da lista.",
            field="slot",
        )


def _check_mobile(order: Order, confirmed_mobile: str) -> str:
    """The seed: a partner booking for a client must make sure the client's mobile is right."""
    try:
        typed = normalize_mobile(confirmed_mobile)
    except ValidationError as error:
        raise MobileNotConfirmed(
            "Digite o celular do cliente para confirmar que ele está correto (ex.: (11) 98765-4321).", field="mobile"
        ) from error
    if not secrets.compare_digest(typed.encode(), order.mobile.encode()):  # bytes: str must be ASCII there
        raise MobileNotConfirmed(
            f"O celular digitado não confere com o cadastrado no pedido ({format_mobile(order.mobile)}). "
            "É por ele que o cliente recebe o link da videoconferência: confirme o número com o cliente antes "
            "de agendar.",
            field="mobile",
        )
    return typed


def cutoff_message() -> str:
    hours = settings.BOOKING_CHANGE_CUTOFF_MINUTES / 60
    return f"Remarcações e cancelamentos são aceitos até {hours:g} horas antes do horário marcado."


def _check_cutoff(booking: Booking, now: datetime) -> None:
    if booking.status != Booking.Status.SCHEDULED:
        raise ChangeClosed(f"Esta videoconferência está “{booking.get_status_display()}” e não pode mais ser alterada.")
    if not can_change(booking, now):
        raise ChangeClosed(f"{cutoff_message()} Para mudar agora, fale com a nossa equipe.")


def _slot_taken(start: datetime, now: datetime, order: Order) -> SlotTaken:
    alternatives = nearest_slots(
        free_slots(now=now, attendee_cpf=order.person_cpf, ignore_order_id=order.pk), start, count=4
    )
    return SlotTaken(
        f"O horário de {_local(start)} acabou de ser reservado por outra pessoa. "
        + ("Veja os horários livres mais próximos." if alternatives else "Não há outros horários livres agora."),
        alternatives=alternatives,
    )


def _attendee_conflict(order: Order, start: datetime, end: datetime) -> Booking | None:
    return (
        Booking.objects.filter(
            attendee_cpf=order.person_cpf, status__in=Booking.ACTIVE, starts_at__lt=end, ends_at__gt=start
        )
        .exclude(order=order)
        .first()
    )


def _attendee_busy(conflict: Booking) -> AttendeeBusy:
    # Not the other order's number: whoever books here (a partner, say) may not be entitled to it.
    return AttendeeBusy(
        f"Esta pessoa já tem outra videoconferência marcada para {_local(conflict.starts_at)}. "
        "Cada certificado é atendido separadamente: escolha outro horário.",
        field="slot",
    )


def _video_url(agent_id: int) -> str:
    if agents_need_fixed_links():
        return AgentProfile.objects.values_list("meeting_url", flat=True).get(user_id=agent_id)
    return jitsi_room_url()


def _take_slot(*, order: Order, start: datetime, now: datetime, fields: dict) -> Booking:
    """Insert the booking with the least-loaded free agent; the database settles any race."""
    day = start.astimezone(BRASILIA).date()
    offered = availability(now=now, days=[day], ignore_order_id=order.pk)
    slot = next((slot for slot in offered if slot.starts_at == start), None)
    if slot is None:
        raise InvalidSlot(
            "Este horário não está na agenda de atendimento (fora do expediente, feriado ou folga). "
            "Escolha um dos horários livres.",
            field="slot",
        )
    if conflict := _attendee_conflict(order, slot.starts_at, slot.ends_at):
        raise _attendee_busy(conflict)
    for agent_id in agents_by_load(offered[slot], day):
        if booking := _insert(order=order, agent_id=agent_id, slot=slot, fields=fields):
            return booking
    raise _slot_taken(start, now, order)


def _insert(*, order: Order, agent_id: int, slot: Slot, fields: dict) -> Booking | None:
    """The booking with this agent, or None when another request got the agent at that time first."""
    for _ in range(DEADLOCK_RETRIES):
        try:
            with transaction.atomic():
                return Booking.objects.create(
                    order=order,
                    agent_id=agent_id,
                    attendee_cpf=order.person_cpf,
                    starts_at=slot.starts_at,
                    ends_at=slot.ends_at,
                    video_url=_video_url(agent_id),
                    **fields,
                )
        except IntegrityError:
            # Someone committed first. The person's other booking is reported as such; an agent taken
            # in the meantime just means trying the next one.
            if conflict := _attendee_conflict(order, slot.starts_at, slot.ends_at):
                raise _attendee_busy(conflict) from None
            return None
        except OperationalError as error:
            # Two inserts that overlap without starting together can each wait on the other's exclusion
            # check; PostgreSQL breaks the cycle by failing one. Only our savepoint is rolled back, and the
            # next attempt waits for the other request's outcome like any conflict.
            if getattr(error.__cause__, "pgcode", None) != DEADLOCK_DETECTED:
                raise
    return None


def _next_sequence(order: Order) -> int:
    """The invite's SEQUENCE: above every invite already sent for the order (a cancellation sent +1)."""
    previous = Booking.objects.filter(order=order).order_by("-sequence").first()
    if previous is None:
        return 0
    return previous.sequence + (2 if previous.status == Booking.Status.CANCELLED else 1)


def _booking_fields(*, order: Order, eligibility: Eligibility, actor: Actor, channel: str, mobile: str) -> dict:
    return {
        "sequence": _next_sequence(order),
        "eligibility_basis": eligibility.basis,
        "channel": channel,
        "booked_by": actor.user,
        "mobile_confirmed": mobile,
    }


def booking_create(
    *,
    order: Order,
    start: datetime,
    actor: Actor,
    channel: str = Booking.Channel.CUSTOMER,
    confirmed_mobile: str = "",
) -> Booking:
    """Book the slot starting at `start` for `order` and move the order to `scheduled`."""
    now = timezone.now()
    _check_start(start, now)
    mobile = _check_mobile(order, confirmed_mobile) if channel == Booking.Channel.PARTNER else ""
    with transaction.atomic():
        order = Order.objects.select_for_update(of=("self",)).select_related("product").get(pk=order.pk)
        eligibility = booking_eligibility(order)
        if not eligibility.eligible:
            raise NotEligible(eligibility.reason)
        booking = _take_slot(
            order=order,
            start=start,
            now=now,
            fields=_booking_fields(order=order, eligibility=eligibility, actor=actor, channel=channel, mobile=mobile),
        )
        order_transition(order=order, to=S.SCHEDULED, actor=actor, note=f"Videoconferência em {_local(start)}")
        audit_record(
            action="booking.created",
            obj=booking,
            actor=actor,
            after=_snapshot(booking),
            note=f"Pedido {order.number}",
        )
        timers_create(booking, now=now)
        send_confirmation(booking)
    return booking


def booking_reschedule(
    *,
    booking: Booking,
    start: datetime,
    actor: Actor,
    channel: str = Booking.Channel.CUSTOMER,
    confirmed_mobile: str = "",
) -> Booking:
    """Move an active booking to another slot; the old one is kept as `rescheduled` for the record."""
    now = timezone.now()
    _check_start(start, now)
    order = booking.order
    mobile = _check_mobile(order, confirmed_mobile) if channel == Booking.Channel.PARTNER else ""
    with transaction.atomic():
        order = Order.objects.select_for_update(of=("self",)).select_related("product").get(pk=order.pk)
        old = Booking.objects.select_for_update().get(pk=booking.pk)
        _check_cutoff(old, now)
        eligibility = videoconference_eligibility(validity_months=order.product.validity_months, cpf=order.person_cpf)
        if not eligibility.eligible:
            raise NotEligible(eligibility.reason)
        # Free the old slot first, in this transaction: if the new one is taken, all of this rolls back.
        Booking.objects.filter(pk=old.pk).update(status=Booking.Status.RESCHEDULED, closed_at=now)
        new = _take_slot(
            order=order,
            start=start,
            now=now,
            fields=_booking_fields(order=order, eligibility=eligibility, actor=actor, channel=channel, mobile=mobile),
        )
        Booking.objects.filter(pk=old.pk).update(replaced_by=new)
        audit_record(
            action="booking.rescheduled",
            obj=new,
            actor=actor,
            before=_snapshot(old),
            after=_snapshot(new),
            note=f"Pedido {order.number}: de {_local(old.starts_at)} para {_local(new.starts_at)}",
        )
        # The order's own history (the customer's page, the agent's dossier) says the new time.
        audit_record(
            action=ORDER_RESCHEDULED,
            obj=order,
            actor=actor,
            before={"starts_at": old.starts_at.isoformat()},
            after={"starts_at": new.starts_at.isoformat()},
            note=f"Videoconferência em {_local(new.starts_at)} (antes: {_local(old.starts_at)})",
        )
        timers_cancel(old, now=now)
        timers_create(new, now=now)
        send_confirmation(new, rescheduled=True)
    return new


def booking_cancel(*, booking: Booking, actor: Actor) -> Booking:
    """Cancel before the cut-off; the order goes back to waiting for a booking."""
    now = timezone.now()
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=booking.order_id)
        locked = Booking.objects.select_for_update(of=("self",)).select_related("order__product").get(pk=booking.pk)
        _check_cutoff(locked, now)
        locked.status = Booking.Status.CANCELLED
        locked.closed_at = now
        locked.save(update_fields=["status", "closed_at"])
        order_transition(
            order=order,
            to=S.DOCUMENTS_RECEIVED,
            actor=actor,
            note=f"Videoconferência de {_local(locked.starts_at)} cancelada",
        )
        audit_record(action="booking.cancelled", obj=locked, actor=actor, after=_snapshot(locked))
        timers_cancel(locked, now=now)
        send_cancellation(locked)
    return locked


def may_be_assigned(user) -> bool:
    """Who can be a booking's agent: an active staff user who may conduct appointments (a superuser too)."""
    return bool(user and user.is_active and user.is_staff and user.has_perm("scheduling.conduct_appointment"))


def _agent_name(user) -> str:
    return user.get_full_name() or user.get_username()


def booking_reassign(*, booking: Booking, to_agent, actor: Actor, reason: str) -> Booking:
    """The coordination hands an active booking to another agent free at that time (possibly themselves).

    The only way to conduct someone else's booking: the new agent then starts, closes and validates it, and is
    never its verifier. The database decides races with the agent's other bookings, as booking does. The
    customer's link keeps working (a Jitsi room is the booking's); with fixed per-agent links the customer gets
    the new one in an updated invite.
    """
    user = actor.user
    if user is None or not user.has_perm("scheduling.reassign_booking"):
        raise ReassignRefused("Só a coordenação pode reatribuir videoconferências.")
    reason = reason.strip()
    if not reason:
        raise ReassignRefused("Diga por que a videoconferência muda de agente (fica registrado).", field="reason")
    if not may_be_assigned(to_agent):
        raise ReassignRefused(
            "Escolha um agente ativo da equipe, com permissão para conduzir videoconferências.", field="to_agent"
        )
    with transaction.atomic():
        order = Order.objects.select_for_update(of=("self",)).get(pk=booking.order_id)
        locked = Booking.objects.select_for_update(of=("self",)).get(pk=booking.pk)
        if locked.status not in Booking.ACTIVE:
            raise ReassignRefused(
                f"Esta videoconferência está “{locked.get_status_display()}”: só uma agendada ou em atendimento "
                "pode mudar de agente."
            )
        if locked.agent_id == to_agent.pk:
            raise ReassignRefused(f"{_agent_name(to_agent)} já é o agente desta videoconferência.", field="to_agent")
        before = _snapshot(locked)
        changes = {"agent_id": to_agent.pk}
        if agents_need_fixed_links():
            link = AgentProfile.objects.filter(user=to_agent).values_list("meeting_url", flat=True).first()
            if not link:
                raise ReassignRefused(
                    f"{_agent_name(to_agent)} não tem link fixo de sala (perfis de agente): cadastre-o antes.",
                    field="to_agent",
                )
            if link != locked.video_url:
                changes |= {"video_url": link, "sequence": locked.sequence + 1}
        try:
            with transaction.atomic():
                Booking.objects.filter(pk=locked.pk).update(**changes)
        except IntegrityError:
            raise ReassignRefused(
                f"{_agent_name(to_agent)} já tem outra videoconferência nesse horário. Escolha outro agente.",
                field="to_agent",
            ) from None
        except OperationalError as error:
            if getattr(error.__cause__, "pgcode", None) != DEADLOCK_DETECTED:
                raise
            raise ReassignRefused("Outra alteração na agenda aconteceu ao mesmo tempo. Tente de novo.") from None
        from_agent = locked.agent
        locked.refresh_from_db()
        audit_record(
            action="booking.reassigned",
            obj=locked,
            actor=actor,
            before=before,
            after={**_snapshot(locked), "reason": reason, "link_changed": "video_url" in changes},
            note=f"Pedido {order.number}: de {_agent_name(from_agent)} para {_agent_name(to_agent)}. {reason}",
        )
        if "video_url" in changes:
            send_new_link(locked)
    return locked


def _snapshot(booking: Booking) -> dict:
    return {
        "status": booking.status,
        "agent": booking.agent_id,
        "starts_at": booking.starts_at.isoformat(),
        "ends_at": booking.ends_at.isoformat(),
        "channel": booking.channel,
        "eligibility_basis": booking.eligibility_basis,
    }
