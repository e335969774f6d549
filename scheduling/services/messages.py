"""The messages a booking sends, all through the `notify()` outbox (once per key, after commit)."""

from django.conf import settings
from django.urls import reverse

from orders.models import Order
from orders.services.access import order_access_token
from tecnosign.notifications.models import OutboxMessage
from tecnosign.notifications.services import notify
from tecnosign.notifications.whatsapp import whatsapp_enabled

from ..ics import invite_attachment
from ..models import Booking, BookingTimer
from ..slots import BRASILIA


def checklist_for(order: Order) -> list[str]:
    """What to have at hand (the seeds' videoconference instructions)."""
    who = (
        "pelo representante legal da empresa (o sócio administrador registrado na Receita Federal)"
        if order.is_company
        else "pelo titular do certificado"
    )
    return [
        "Esteja em um lugar silencioso e bem iluminado, com internet estável — nada de lugares movimentados "
        "nem dirigindo.",
        "Tenha em mãos o documento de identidade original, o mesmo anexado no pedido.",
        "Deixe o computador, celular ou tablet com bateria carregada; se puder, use fones de ouvido e, no "
        "celular, regule o volume.",
        f"A videoconferência é feita somente {who}, pessoalmente — outra pessoa não pode comparecer no lugar.",
        f"Entre pelo link no horário marcado: depois de {settings.BOOKING_TOLERANCE_MINUTES} minutos de "
        "tolerância o atendimento precisa ser reagendado.",
    ]


def booking_access_url(order: Order) -> str:
    """A one-time link that opens the order's booking page (reschedule, cancel, book again): a secret of the
    message that carries it."""
    return settings.SITE_URL + reverse("scheduling:access", args=[order.number, order_access_token(order)])


def booking_context(booking: Booking) -> dict:
    """The messages' context, with a new one-time `manage_url`: pass `secrets=[context["manage_url"]]`."""
    order = booking.order
    return {
        "booking": booking,
        "order": order,
        "product": order.product,
        "starts_at": booking.starts_at.astimezone(BRASILIA),
        "ends_at": booking.ends_at.astimezone(BRASILIA),
        "video_url": booking.video_url,
        "manage_url": booking_access_url(order),
        "checklist": checklist_for(order),
        "tolerance_minutes": settings.BOOKING_TOLERANCE_MINUTES,
        "cutoff_hours": settings.BOOKING_CHANGE_CUTOFF_MINUTES / 60,
    }


def send_confirmation(booking: Booking, *, rescheduled: bool = False) -> None:
    context = {**booking_context(booking), "rescheduled": rescheduled}
    notify(
        "booking_confirmed",
        to=booking.order.email,
        key=f"booking:{booking.pk}:confirmed",
        obj=booking,
        context=context,
        attachments=[invite_attachment(booking)],
        secrets=[context["manage_url"]],
    )


def send_new_link(booking: Booking) -> None:
    """The same time with another agent whose room is another link (fixed links per agent): the updated invite."""
    notify(
        "booking_confirmed",
        to=booking.order.email,
        key=f"booking:{booking.pk}:link:{booking.sequence}",
        obj=booking,
        context={**booking_context(booking), "new_link": True},
        attachments=[invite_attachment(booking)],
    )


def send_cancellation(booking: Booking) -> None:
    context = booking_context(booking)
    notify(
        "booking_cancelled",
        to=booking.order.email,
        key=f"booking:{booking.pk}:cancelled",
        obj=booking,
        context=context,
        attachments=[invite_attachment(booking, cancel=True)],
        secrets=[context["manage_url"]],
    )


def _to_customer(template: str, booking: Booking, *, key: str, context: dict, whatsapp_key: str) -> None:
    """The e-mail, and the same on WhatsApp when that channel is on (its template: `<template>_whatsapp`)."""
    secrets = [context["manage_url"]]
    notify(template, to=booking.order.email, key=key, obj=booking, context=context, secrets=secrets)
    if whatsapp_enabled():
        notify(
            f"{template}_whatsapp",
            to=booking.order.mobile,
            key=whatsapp_key,
            obj=booking,
            context=context,
            channel=OutboxMessage.Channel.WHATSAPP,
            secrets=secrets,
        )


def send_reminder(booking: Booking, kind: str) -> None:
    context = {**booking_context(booking), "day_before": kind == BookingTimer.Kind.DAY_BEFORE}
    key = f"booking:{booking.pk}:{kind}"
    _to_customer("booking_reminder", booking, key=f"{key}:email", context=context, whatsapp_key=f"{key}:whatsapp")


def send_no_show(booking: Booking) -> None:
    context = booking_context(booking)
    notify(
        "booking_no_show",
        to=booking.order.email,
        key=f"booking:{booking.pk}:no-show",
        obj=booking,
        context=context,
        secrets=[context["manage_url"]],
    )


def send_agent_late(booking: Booking) -> None:
    """The customer's apology with a reschedule link, and the alert to staff."""
    context = booking_context(booking)
    key = f"booking:{booking.pk}:agent-late"
    _to_customer("booking_agent_late", booking, key=key, context=context, whatsapp_key=f"{key}:whatsapp")
    # Staff get no link of the customer's: they act in the back office.
    staff_context = {
        **{name: value for name, value in context.items() if name != "manage_url"},
        "agent": booking.agent,
        "admin_url": settings.SITE_URL + _admin_url(booking),
    }
    for address in settings.STAFF_ALERT_EMAILS:
        notify(
            "booking_agent_late_staff",
            to=address,
            key=f"booking:{booking.pk}:agent-late:staff:{address}",
            obj=booking,
            context=staff_context,
        )


def _admin_url(booking: Booking) -> str:
    return reverse("admin:scheduling_booking_change", args=[booking.pk])
