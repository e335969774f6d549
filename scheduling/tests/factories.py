from datetime import time

from django.contrib.auth.models import Group

from orders.models import Order
from orders.tests.factories import OrderFactory, UserFactory, valid_cpf
from scheduling.models import AGENTS_GROUP, AvailabilityRule

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
