"""Booking pages: the customer's (under the order page) and the partner's (booking for a client)."""

from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from orders.decorators import customer_order_page, customer_order_view
from orders.models import Order, Partner
from orders.views_access import holder_access
from tecnosign.accounts.decorators import factor_verified
from tecnosign.audit.services import Actor
from tecnosign.errors import DomainError

from .errors import InvalidSlot, MobileNotConfirmed, SlotTaken
from .forms import PartnerSlotForm, SlotForm
from .ics import FILENAME, MIMETYPE, booking_invite
from .models import Booking
from .selectors import active_booking, booking_calendar, booking_page_version, can_change, free_slots, latest_booking
from .services import booking_cancel, booking_create, booking_eligibility, booking_reschedule
from .services.booking import cutoff_message
from .services.messages import checklist_for


@dataclass(frozen=True)
class Audience:
    """Who is on the page: the customer (order page access) or the partner booking for a client."""

    channel: str
    actor_label: str | None  # None: the logged-in user's name
    form_class: type[SlotForm]
    page_url: str
    cancel_url: str
    done_url: str
    back_url: str
    back_label: str


def _customer(order: Order) -> Audience:
    return Audience(
        channel=Booking.Channel.CUSTOMER,
        actor_label="cliente",
        form_class=SlotForm,
        page_url=reverse("scheduling:book", args=[order.number]),
        cancel_url=reverse("scheduling:cancel", args=[order.number]),
        done_url=reverse("orders:detail", args=[order.number]),
        back_url=reverse("orders:detail", args=[order.number]),
        back_label=f"Voltar ao pedido {order.number}",
    )


def _partner(order: Order) -> Audience:
    return Audience(
        channel=Booking.Channel.PARTNER,
        actor_label=None,
        form_class=PartnerSlotForm,
        page_url=reverse("scheduling:partner-book", args=[order.number]),
        cancel_url=reverse("scheduling:partner-cancel", args=[order.number]),
        done_url=reverse("scheduling:partner-book", args=[order.number]),
        back_url=reverse("partners:dashboard"),
        back_label="Voltar à área do parceiro",
    )


def _partner_order(request, number: str) -> Order:
    """Only the partner who sold the order may book for its client; anyone else gets a 404."""
    partner = Partner.objects.filter(user=request.user, status=Partner.Status.APPROVED).first()
    if partner is None:
        raise Http404("Pedido não encontrado.")
    return get_object_or_404(Order.objects.select_related("product"), number=number, partner=partner)


# The order page's access check, in the booking's words.
ASK_TO_BOOK = "Para agendar, informe o número do pedido e o CPF/CNPJ do titular."
customer_booking_view = customer_order_view(ask=ASK_TO_BOOK)


def _book(request, order: Order, audience: Audience):
    booking = active_booking(order)
    form = audience.form_class(request.POST or None)
    status, alternatives = 200, []
    if request.method == "POST":
        if not form.is_valid():
            status = 400
        else:
            actor = Actor.from_request(request, label=audience.actor_label)
            options = {
                "actor": actor,
                "channel": audience.channel,
                "confirmed_mobile": form.cleaned_data.get("mobile", ""),
            }
            try:
                if booking is None:
                    done = booking_create(order=order, start=form.cleaned_data["slot"], **options)
                else:
                    done = booking_reschedule(booking=booking, start=form.cleaned_data["slot"], **options)
            except SlotTaken as error:
                form.add_error(None, error.message)
                status, alternatives = 409, error.alternatives
            except (InvalidSlot, MobileNotConfirmed) as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
                status = 400
            except DomainError as error:
                form.add_error(None, error.message)
                status = 409
            else:
                when = timezone.localtime(done.starts_at)
                verb = "remarcada" if booking else "agendada"
                messages.success(
                    request,
                    f"Videoconferência {verb} para {when:%d/%m/%Y} às {when:%H:%M} (Brasília). "
                    f"Enviamos a confirmação com o link para {order.email}.",
                )
                return redirect(audience.done_url)
    if request.method == "POST":  # refused: show the order as it is now (a concurrent request may have won)
        order.refresh_from_db(fields=["status"])
        booking = active_booking(order)
    if booking is None:
        eligibility = booking_eligibility(order)
        can_pick, reason = eligibility.eligible, eligibility.reason
    else:
        can_pick = can_change(booking, timezone.now())
        reason = "" if can_pick else cutoff_message()
    now = timezone.now()
    days = (
        booking_calendar(free_slots(now=now, attendee_cpf=order.person_cpf, ignore_order_id=order.pk), now)
        if can_pick
        else []
    )
    context = {
        "order": order,
        "booking": booking,
        "previous": None if booking else latest_booking(order),
        "form": form,
        "days": days,
        "open_day": _open_day(days, form),
        "chosen": form["slot"].value(),
        "alternatives": alternatives,
        "can_pick": can_pick,
        "can_change": can_pick and booking is not None,
        "reason": reason,
        "audience": audience,
        "checklist": checklist_for(order),
        "slot_minutes": settings.BOOKING_SLOT_MINUTES,
        "lead_minutes": settings.BOOKING_LEAD_MINUTES,
        "tolerance_minutes": settings.BOOKING_TOLERANCE_MINUTES,
    }
    return render(request, "scheduling/book.html", context, status=status)


def _open_day(days, form):
    """The day shown unfolded: the one of the slot just submitted, else the first with free slots."""
    chosen = form.cleaned_data.get("slot") if form.is_bound and hasattr(form, "cleaned_data") else None
    if chosen and any(day.day == chosen.date() for day in days):
        return chosen.date()
    return next((day.day for day in days if day.slots), None)


def _cancel(request, order: Order, audience: Audience):
    booking = active_booking(order)
    if booking is None:
        messages.info(request, "Não há videoconferência agendada para este pedido.")
        return redirect(audience.page_url)
    try:
        booking_cancel(booking=booking, actor=Actor.from_request(request, label=audience.actor_label))
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(audience.page_url)
    messages.success(request, "Videoconferência cancelada. Quando quiser, escolha um novo horário.")
    return redirect(audience.page_url)


@require_http_methods(["GET", "POST"])
@customer_order_page(
    page="book",
    # The minute's `now`: the lead time moves the first free slot (session_page keys its pages by the minute too).
    data_version=lambda number: booking_page_version(number, timezone.now()),
    ask=ASK_TO_BOOK,
)
def book(request, order: Order):
    return _book(request, order, _customer(order))


@require_POST
@customer_booking_view
def cancel(request, order: Order):
    return _cancel(request, order, _customer(order))


@require_GET
@customer_booking_view
def invite(request, order: Order):
    """The current booking's .ics, for customers who want to add it to their calendar again."""
    booking = active_booking(order)
    if booking is None:
        raise Http404("Não há videoconferência agendada para este pedido.")
    response = HttpResponse(booking_invite(booking), content_type=f"{MIMETYPE}; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{FILENAME}"'
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def access(request, number: str, token: str):
    """The one-time link in booking e-mails (reschedule, book again): opens the booking page without the look-up."""
    return holder_access(
        request, token, number=number, destination=lambda order: reverse("scheduling:book", args=[order.number])
    )


@login_required
@factor_verified
@require_http_methods(["GET", "POST"])
def partner_book(request, number: str):
    order = _partner_order(request, number)
    return _book(request, order, _partner(order))


@login_required
@factor_verified
@require_POST
def partner_cancel(request, number: str):
    order = _partner_order(request, number)
    return _cancel(request, order, _partner(order))
