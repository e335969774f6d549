"""The free-slot page: Brasília time, breaks, holidays, exceptions, lead time, slot length, query count."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from orders.models import Order
from orders.tests.factories import LinkFactory, OrderFactory, ProductFactory, valid_cpf
from scheduling.models import AvailabilityException, Booking
from scheduling.slots import AgentCalendar, free_agents_by_slot

from .factories import make_agent, ready_order
from .helpers import book_url, brasilia, open_order, slot_ids

pytestmark = pytest.mark.django_db

# Thursday 19 November 2026, 09:10 in Brasília. Friday the 20th is a national holiday (Consciência Negra).
NOW = (2026, 11, 19, 9, 10)
OFFICE_DAY = [f"{h:02d}:{m:02d}" for h in (9, 10, 11, 13, 14, 15, 16, 17) for m in (0, 30)]


def _on(ids: list[str], day: str) -> list[str]:
    return [slot_id.split("T")[1] for slot_id in ids if slot_id.startswith(day)]


def test_slots_follow_brasilia_hours_with_lead_time_break_weekend_and_holiday(client, clock):
    clock(*NOW)
    make_agent("ana")
    order = ready_order()
    open_order(client, order)

    response = client.get(book_url(order))

    assert response.status_code == 200
    ids = slot_ids(response)
    # Today: nothing before 10:10 (1 h lead), nothing in the 12:00–13:00 break.
    assert _on(ids, "2026-11-19") == ["10:30", "11:00", "11:30", *OFFICE_DAY[6:]]
    assert _on(ids, "2026-11-20") == []
    assert "feriado (Dia Nacional de Zumbi e da Consciência Negra)" in response.text
    assert _on(ids, "2026-11-21") == _on(ids, "2026-11-22") == []
    assert _on(ids, "2026-11-23") == OFFICE_DAY
    # 14 days: Thursday the 19th up to Wednesday 2 December, not a day more.
    assert ids[-1] == "2026-12-02T17:30" and not _on(ids, "2026-12-03")
    assert len(ids) == 13 + 8 * 16
    assert "Horários de Brasília" in response.text


def test_brasilia_has_no_daylight_saving_a_november_morning_is_utc_minus_3(client, clock, on_commit):
    clock(*NOW)
    make_agent("ana")
    order = ready_order()
    open_order(client, order)

    with on_commit():
        response = client.post(book_url(order), {"slot": "2026-11-23T09:00"})

    assert response.status_code == 302
    booking = Booking.objects.get(order=order)
    # Before 2019 this would have been summer time (UTC−2); since then Brasília is UTC−3 all year.
    assert booking.starts_at == datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    assert booking.ends_at - booking.starts_at == timedelta(minutes=30)


def test_exceptions_take_days_off_close_windows_and_add_extra_hours_even_on_a_holiday(client, clock):
    clock(*NOW)
    agent = make_agent("ana")
    AvailabilityException.objects.bulk_create(
        [
            AvailabilityException(agent=agent, date=date(2026, 11, 24), kind="off"),
            AvailabilityException(agent=agent, date=date(2026, 11, 25), kind="off", start=time(14), end=time(16)),
            AvailabilityException(agent=agent, date=date(2026, 11, 28), kind="extra", start=time(9), end=time(11)),
            AvailabilityException(agent=agent, date=date(2026, 11, 20), kind="extra", start=time(10), end=time(12)),
        ]
    )
    order = ready_order()
    open_order(client, order)

    ids = slot_ids(client.get(book_url(order)))

    assert _on(ids, "2026-11-24") == []
    assert _on(ids, "2026-11-25") == [t for t in OFFICE_DAY if not "14:00" <= t < "16:00"]
    assert _on(ids, "2026-11-28") == ["09:00", "09:30", "10:00", "10:30"]
    assert _on(ids, "2026-11-20") == ["10:00", "10:30", "11:00", "11:30"]


@override_settings(BOOKING_SLOT_MINUTES=15, BOOKING_LEAD_MINUTES=120, BOOKING_DAYS_AHEAD=5)
def test_slot_length_lead_time_and_window_are_settings(client, clock):
    clock(*NOW)
    make_agent("ana")
    order = ready_order()
    open_order(client, order)

    ids = slot_ids(client.get(book_url(order)))

    assert _on(ids, "2026-11-19")[:3] == ["11:15", "11:30", "11:45"]
    assert _on(ids, "2026-11-23")[:3] == ["09:00", "09:15", "09:30"] and len(_on(ids, "2026-11-23")) == 32
    assert ids[-1] == "2026-11-23T17:45"


def test_a_slot_is_offered_while_at_least_one_agent_is_free(client, clock, on_commit):
    clock(*NOW)
    make_agent("ana")
    make_agent("bia")
    order = ready_order()
    open_order(client, order)
    others = [ready_order(), ready_order()]

    for index, other in enumerate(others):
        other_client = Client()
        open_order(other_client, other)
        with on_commit():
            assert other_client.post(book_url(other), {"slot": "2026-11-23T10:00"}).status_code == 302
        ids = slot_ids(client.get(book_url(order)))
        assert ("2026-11-23T10:00" in ids) is (index == 0)

    assert set(Booking.objects.values_list("agent__username", flat=True)) == {"ana", "bia"}


def test_the_page_hides_slots_when_the_same_person_is_booked_elsewhere(client, clock, on_commit):
    clock(*NOW)
    make_agent("ana")
    make_agent("bia")
    first = ready_order(person_cpf=valid_cpf(77))
    second = ready_order(person_cpf=valid_cpf(77))
    open_order(client, first)
    with on_commit():
        client.post(book_url(first), {"slot": "2026-11-23T10:00"})
    open_order(client, second)

    ids = slot_ids(client.get(book_url(second)))

    assert "2026-11-23T10:00" not in ids and "2026-11-23T10:30" in ids


def test_slots_follow_each_agents_own_windows_and_any_overlapping_booking_blocks_them():
    calendar = AgentCalendar(agent_id=1)
    calendar.weekly[0] = [(time(9, 10), time(10, 40))]
    calendar.add_busy(brasilia(2026, 11, 23, 9, 50), brasilia(2026, 11, 23, 10, 5))  # a 15-minute booking

    slots = free_agents_by_slot(
        [calendar], [date(2026, 11, 23)], length=timedelta(minutes=30), earliest=brasilia(2026, 11, 23, 0, 0)
    )

    offered = {slot.id: agents for slot, agents in slots.items()}
    assert offered == {"2026-11-23T09:10": [1], "2026-11-23T09:40": [], "2026-11-23T10:10": [1]}


def _book_many(agents: list, numbers: range) -> None:
    """Active bookings spread over the agents and the days (set up directly: only their number matters)."""
    link = LinkFactory()
    product = ProductFactory()
    orders = Order.objects.bulk_create(
        OrderFactory.build(
            link=link,
            partner=link.partner,
            product=product,
            status=Order.Status.SCHEDULED,
            person_cpf=valid_cpf(5000 + i),
        )
        for i in numbers
    )
    slots_per_day = [brasilia(2026, 11, 23, 9) + timedelta(minutes=30 * k) for k in range(6)]
    bookings = []
    for i, order in zip(numbers, orders, strict=True):
        day_offset, rest = divmod(i, len(agents) * len(slots_per_day))
        agent_index, slot_index = divmod(rest, len(slots_per_day))
        start = slots_per_day[slot_index] + timedelta(days=day_offset)
        bookings.append(
            Booking(
                order=order,
                agent=agents[agent_index],
                attendee_cpf=order.person_cpf,
                starts_at=start,
                ends_at=start + timedelta(minutes=30),
                video_url="https://meet.jit.si/x",
                eligibility_basis="certificado com validade de 12 meses",
            )
        )
    Booking.objects.bulk_create(bookings)


def test_fourteen_days_of_twenty_agents_take_a_bounded_number_of_queries(client, clock, django_assert_max_num_queries):
    clock(*NOW)
    agents = [make_agent(f"agente{i:02d}") for i in range(20)]
    order = ready_order()
    open_order(client, order)
    _book_many(agents, range(10))
    client.get(book_url(order))  # the session read once from its table, the CSRF cookie set: as on any later visit
    _book_many(agents, range(10, 11))  # a change: the page is built again below, not taken from the session's cache
    with CaptureQueriesContext(connection) as few_bookings:
        first = client.get(book_url(order))

    _book_many(agents, range(11, 410))

    with django_assert_max_num_queries(len(few_bookings.captured_queries)):
        response = client.get(book_url(order))
    assert len(few_bookings.captured_queries) <= 12
    assert response.status_code == 200
    # 20 agents × 6 morning slots are full on the first day the bookings cover; the page noticed.
    assert "2026-11-23T09:00" in slot_ids(first) and "2026-11-23T09:00" not in slot_ids(response)
