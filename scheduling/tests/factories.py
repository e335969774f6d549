from datetime import datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection

from orders.models import Order
from orders.tests.factories import OrderFactory, UserFactory, valid_cpf
from scheduling.models import AGENTS_GROUP, AvailabilityRule, Booking, Validation

WEEKDAYS = (0, 1, 2, 3, 4)
OFFICE_HOURS = ((time(9), time(12)), (time(13), time(18)))  # lunch break 12:00–13:00


def make_agent(username: str, *, weekdays=WEEKDAYS, windows=OFFICE_HOURS, **user_fields):
    """A staff user in the agents group with weekly hours (Brasília)."""
    agent = UserFactory(username=username, first_name=username.title(), is_staff=True, **user_fields)
    agent.groups.add(Group.objects.get_or_create(name=AGENTS_GROUP)[0])
    AvailabilityRule.objects.bulk_create(
        AvailabilityRule(agent=agent, weekday=weekday, start=start, end=end)
        for weekday in weekdays
        for start, end in windows
    )
    return agent


_counter = iter(range(10_000, 10**9))


def ready_order(**fields) -> Order:
    """An order that is paid with its documents attached (the payments/documents work moves it there)."""
    n = next(_counter)
    defaults = {
        "status": Order.Status.DOCUMENTS_RECEIVED,
        "person_cpf": valid_cpf(n),
        "email": f"cliente{n}@exemplo.com.br",
    }
    return OrderFactory(**{**defaults, **fields})


def agents_bulk(usernames) -> list:
    """Staff users in the agents group, in one INSERT (no weekly hours: for rows made by hand, not booked ones)."""
    users = get_user_model().objects.bulk_create(get_user_model()(username=name, is_staff=True) for name in usernames)
    Group.objects.get_or_create(name=AGENTS_GROUP)[0].user_set.add(*users)
    return users


def booking_row(
    *, order_id: int, agent, attendee_cpf: str, starts_at: datetime, minutes: int = 30, **fields
) -> Booking:
    """A booking, unsaved, for `bulk_create` (the query-count tests, bench/big_tables.py)."""
    columns = {
        "order_id": order_id,
        "agent": agent,
        "attendee_cpf": attendee_cpf,
        "starts_at": starts_at,
        "ends_at": starts_at + timedelta(minutes=minutes),
        "video_url": "https://meet.jit.si/bench",
        "eligibility_basis": "bench",
    }
    return Booking(**{**columns, **fields})


def validation_row(booking: Booking) -> Validation:
    """The validated dossier of a finished booking, unsaved, for `bulk_create` (the verification queue)."""
    return Validation(
        booking=booking,
        order_id=booking.order_id,
        agent_id=booking.agent_id,
        recorded_by_id=booking.agent_id,
        requires_legal_representative=False,
        check_document=True,
        check_holder_in_person=True,
        check_environment=True,
        eligibility_basis="bench",
        outcome="validated",
        started_at=booking.started_at,
        finished_at=booking.finished_at,
        duration_seconds=1200,
    )


def overlapping_active_bookings() -> int:
    """Pairs of active bookings that overlap for one agent, one person or one order: what the database's
    constraints must make impossible (the concurrency tests and bench/booking_contention.py count them)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT count(*) FROM scheduling_booking a JOIN scheduling_booking b
              ON a.id < b.id AND a.status IN ('scheduled', 'in_progress') AND b.status IN ('scheduled', 'in_progress')
             AND (a.agent_id = b.agent_id OR a.attendee_cpf = b.attendee_cpf OR a.order_id = b.order_id)
             AND a.starts_at < b.ends_at AND b.starts_at < a.ends_at
            """
        )
        return cursor.fetchone()[0]
