"""Reads for booking: free slots, the agents free for one slot, a booking's neighbours.

Availability for any number of days and agents takes three queries — rules, exceptions, active bookings
in the range — and the rest is arithmetic in `slots.py`, so its cost does not grow with the bookings table.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.utils import timezone

from orders.models import Order
from orders.selectors import Deadline, order_id_for, order_page_rows
from tecnosign.row_versions import RowsVersion

from .models import AGENTS_GROUP, AgentProfile, AvailabilityException, AvailabilityRule, Booking, Validation
from .slots import BRASILIA, AgentCalendar, Slot, free_agents_by_slot, holiday_name
from .video import agents_need_fixed_links

# Bookings that count toward an agent's load of the day (cancelled and rescheduled ones do not).
LOADED = (*Booking.ACTIVE, Booking.Status.COMPLETED, Booking.Status.NO_SHOW)


def slot_length() -> timedelta:
    return timedelta(minutes=settings.BOOKING_SLOT_MINUTES)


def earliest_start(now: datetime) -> datetime:
    return now + timedelta(minutes=settings.BOOKING_LEAD_MINUTES)


def booking_days(now: datetime) -> list[date]:
    today = now.astimezone(BRASILIA).date()
    return [today + timedelta(days=offset) for offset in range(settings.BOOKING_DAYS_AHEAD)]


def _bookable_agents():
    agents = get_user_model().objects.filter(groups__name=AGENTS_GROUP, is_active=True)
    if agents_need_fixed_links():
        agents = agents.filter(agent_profile__meeting_url__gt="")
    return agents.values("pk")


def _day_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    return (
        datetime.combine(first, datetime.min.time(), tzinfo=BRASILIA),
        datetime.combine(last + timedelta(days=1), datetime.min.time(), tzinfo=BRASILIA),
    )


def agent_calendars(
    first: date, last: date, *, attendee_cpf: str = "", ignore_order_id: int | None = None
) -> tuple[list[AgentCalendar], list[tuple[datetime, datetime]]]:
    """Every bookable agent's calendar for the days `first`..`last`, and the attendee's other bookings."""
    agents = _bookable_agents()
    calendars: dict[int, AgentCalendar] = {}

    def calendar(agent_id: int) -> AgentCalendar:
        return calendars.setdefault(agent_id, AgentCalendar(agent_id))

    for agent_id, weekday, start, end in AvailabilityRule.objects.filter(agent__in=agents).values_list(
        "agent_id", "weekday", "start", "end"
    ):
        calendar(agent_id).weekly[weekday].append((start, end))
    for agent_id, day, kind, start, end in AvailabilityException.objects.filter(
        agent__in=agents, date__range=(first, last)
    ).values_list("agent_id", "date", "kind", "start", "end"):
        if kind == AvailabilityException.Kind.EXTRA:
            calendar(agent_id).extra_windows[day].append((start, end))
        elif start is None:
            calendar(agent_id).days_off.add(day)
        else:
            calendar(agent_id).off_windows[day].append((start, end))

    range_start, range_end = _day_bounds(first, last)
    bookings = Booking.objects.filter(status__in=Booking.ACTIVE, starts_at__lt=range_end, ends_at__gt=range_start)
    if ignore_order_id is not None:
        bookings = bookings.exclude(order_id=ignore_order_id)
    attendee_busy = []
    for agent_id, starts_at, ends_at, cpf in bookings.values_list("agent_id", "starts_at", "ends_at", "attendee_cpf"):
        if agent_id in calendars:
            calendars[agent_id].add_busy(starts_at, ends_at)
        if attendee_cpf and cpf == attendee_cpf:
            attendee_busy.append((starts_at, ends_at))
    return list(calendars.values()), attendee_busy


def availability(
    *, now: datetime, days: list[date], attendee_cpf: str = "", ignore_order_id: int | None = None
) -> dict[Slot, list[int]]:
    """Every slot on `days` that agents work, with the agents still free for it (possibly none)."""
    calendars, attendee_busy = agent_calendars(
        days[0], days[-1], attendee_cpf=attendee_cpf, ignore_order_id=ignore_order_id
    )
    return free_agents_by_slot(
        calendars, days, length=slot_length(), earliest=earliest_start(now), attendee_busy=attendee_busy
    )


def _booking_page_rows(
    order_id: int, first: date, last: date, range_start: datetime, range_end: datetime
) -> list[QuerySet]:
    User = get_user_model()
    return [
        *order_page_rows(order_id),
        User.groups.through.objects.filter(group__name=AGENTS_GROUP),
        User._base_manager.filter(groups__name=AGENTS_GROUP),
        AgentProfile.objects.filter(user__groups__name=AGENTS_GROUP),
        AvailabilityRule.objects.all(),
        AvailabilityException.objects.filter(date__range=(first, last)),
        Booking.objects.filter(starts_at__lt=range_end, ends_at__gt=range_start),
    ]


# What the booking page shows: the order's rows, and every row the free slots of the booking window are computed
# from — the agents (group, account, profile), their weekly hours, the exceptions and the bookings in the window.
BOOKING_PAGE_ROWS = RowsVersion(
    "booking_page",
    _booking_page_rows,
    order_id=-7_301_912,
    first=date(1901, 2, 3),
    last=date(1901, 2, 4),
    range_start=datetime(1901, 2, 5, tzinfo=BRASILIA),
    range_end=datetime(1901, 2, 6, tzinfo=BRASILIA),
)


def booking_page_version(number: str, now: datetime) -> str | None:
    """A digest of the rows the booking page of order `number` is made of (tecnosign.row_versions); None on SQLite
    or when there is no such order."""
    order_id = order_id_for(number)
    if order_id is None:
        return None
    days = booking_days(now)
    range_start, range_end = _day_bounds(days[0], days[-1])
    return BOOKING_PAGE_ROWS.version(
        order_id=order_id, first=days[0], last=days[-1], range_start=range_start, range_end=range_end
    )


@dataclass(frozen=True)
class BookingDay:
    day: date
    slots: list[Slot]
    holiday: str | None


def free_slots(*, now: datetime, attendee_cpf: str = "", ignore_order_id: int | None = None) -> list[Slot]:
    slots = availability(now=now, days=booking_days(now), attendee_cpf=attendee_cpf, ignore_order_id=ignore_order_id)
    return [slot for slot, agents in slots.items() if agents]


def booking_calendar(slots: list[Slot], now: datetime) -> list[BookingDay]:
    """The booking page: every day of the window, with its free slots or why there are none."""
    by_day: dict[date, list[Slot]] = {day: [] for day in booking_days(now)}
    for slot in slots:
        by_day.setdefault(slot.local_start.date(), []).append(slot)
    return [BookingDay(day, day_slots, holiday_name(day)) for day, day_slots in by_day.items()]


def nearest_slots(slots: list[Slot], around: datetime, *, count: int = 4) -> list[Slot]:
    """The `count` free slots closest in time to `around`, in chronological order."""
    closest = sorted(slots, key=lambda slot: abs(slot.starts_at - around))[:count]
    return sorted(closest, key=lambda slot: slot.starts_at)


def agents_by_load(agent_ids: list[int], day: date) -> list[int]:
    """`agent_ids` from the least to the most loaded on `day` (Brasília), ties in the given order."""
    start, end = _day_bounds(day, day)
    loads = dict(
        Booking.objects.filter(agent_id__in=agent_ids, status__in=LOADED, starts_at__gte=start, starts_at__lt=end)
        .values("agent_id")
        .annotate(total=Count("id"))
        .values_list("agent_id", "total")
    )
    return sorted(agent_ids, key=lambda agent_id: loads.get(agent_id, 0))


def can_change(booking: Booking | None, now: datetime) -> bool:
    """May the customer or partner still reschedule or cancel? Until the cut-off, or at any time once the
    agent failed to start (the seed's "ninguém apareceu")."""
    if booking is None or booking.status != Booking.Status.SCHEDULED:
        return False
    cutoff = booking.starts_at - timedelta(minutes=settings.BOOKING_CHANGE_CUTOFF_MINUTES)
    return booking.agent_late_at is not None or now <= cutoff


def active_booking(order) -> Booking | None:
    return Booking.objects.filter(order=order, status__in=Booking.ACTIVE).first()


def latest_booking(order) -> Booking | None:
    return Booking.objects.filter(order=order).order_by("-created_at", "-pk").first()


# The order states in which the videoconference may be booked; a rejected order may book again too, unless its
# latest rejection calls for a new document first (`Validation.NEW_DOCUMENT_REASONS`).
BOOKABLE = (Order.Status.DOCUMENTS_RECEIVED, Order.Status.NO_SHOW)


@dataclass(frozen=True)
class OrderBookingFacts:
    starts_at: datetime | None  # the active booking's start (an order has at most one: a partial unique index)
    may_book: bool  # the order's state lets it book now; the product's eligibility is asked apart


def order_booking_facts(orders: Iterable[Order]) -> dict[int, OrderBookingFacts]:
    """Order id → its active booking's start and whether it may book: the one definition the booking service and
    the partner portal read. One query for a whole page when any order is scheduled or rejected, none otherwise."""
    orders = list(orders)
    asked = [order.pk for order in orders if order.status in (Order.Status.SCHEDULED, Order.Status.REJECTED)]
    found = {}
    if asked:
        active = Booking.objects.filter(order=OuterRef("pk"), status__in=Booking.ACTIVE).values("starts_at")[:1]
        latest = Validation.objects.filter(order=OuterRef("pk")).order_by("-pk")
        rows = (
            Order.objects.filter(pk__in=asked)
            .annotate(
                booking_start=Subquery(active),
                last_outcome=Subquery(latest.values("outcome")[:1]),
                last_reason=Subquery(latest.values("reject_reason")[:1]),
            )
            .values_list("pk", "booking_start", "last_outcome", "last_reason")
        )
        found = {pk: (start, outcome, reason) for pk, start, outcome, reason in rows}
    facts = {}
    for order in orders:
        start, outcome, reason = found.get(order.pk, (None, None, None))
        needs_document = outcome == Validation.Outcome.REJECTED and reason in Validation.NEW_DOCUMENT_REASONS
        may_book = order.status in BOOKABLE or (order.status == Order.Status.REJECTED and not needs_document)
        facts[order.pk] = OrderBookingFacts(starts_at=start, may_book=may_book)
    return facts


def booking_panel(order) -> dict:
    """The videoconference box on the customer's order page: book, the booked time, or book again."""
    booking = latest_booking(order)
    active = booking if booking is not None and booking.is_active else None
    return {"order": order, "booking": active, "previous": booking, "can_change": can_change(active, timezone.now())}


def booking_deadlines(order) -> list[Deadline]:
    """The booked videoconference, for the order page's timeline while the order waits for it."""
    if order.status != Order.Status.SCHEDULED:
        return []
    booking = Booking.objects.filter(order=order, status__in=Booking.ACTIVE).order_by("starts_at").first()
    if booking is None:
        return []
    return [Deadline(Order.Status.SCHEDULED, "Videoconferência em", booking.starts_at)]
