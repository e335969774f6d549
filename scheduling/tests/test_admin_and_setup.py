"""The back office (availability through the admin), the demo data, the settings check, WhatsApp delivery."""

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import Client, override_settings

from scheduling.models import AgentProfile, AvailabilityException, AvailabilityRule
from tecnosign.tests.auth import staff_login

from .factories import make_agent, ready_order
from .helpers import book_url, open_order, slot_ids

pytestmark = pytest.mark.django_db


COORDINATION_PERMISSIONS = [
    f"{action}_{model}"
    for model in ("availabilityrule", "availabilityexception", "agentprofile")
    for action in ("view", "add", "change", "delete")
]


@pytest.fixture
def coordinator():
    """A staff member allowed to edit agents' agendas."""
    user = make_agent("coordenadora", weekdays=())
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="scheduling", codename__in=COORDINATION_PERMISSIONS)
    )
    return staff_login(Client(), user)


def test_hours_added_in_the_admin_become_bookable_slots(coordinator, clock):
    clock(2026, 11, 19, 9, 10)
    ana = make_agent("ana", weekdays=())
    order = ready_order()
    customer = Client()
    open_order(customer, order)
    assert slot_ids(customer.get(book_url(order))) == []

    response = coordinator.post(
        "/admin/scheduling/availabilityrule/add/", {"agent": ana.pk, "weekday": 0, "start": "14:00", "end": "15:00"}
    )

    assert response.status_code == 302
    assert AvailabilityRule.objects.filter(agent=ana, weekday=0).count() == 1
    ids = slot_ids(customer.get(book_url(order)))
    assert ids[:2] == ["2026-11-23T14:00", "2026-11-23T14:30"] and len(ids) == 4


def test_the_admin_refuses_inconsistent_hours_with_a_message(coordinator):
    ana = make_agent("ana", weekdays=())
    not_an_agent = make_agent("fulano", weekdays=())
    not_an_agent.groups.clear()

    backwards = coordinator.post(
        "/admin/scheduling/availabilityrule/add/", {"agent": ana.pk, "weekday": 0, "start": "15:00", "end": "14:00"}
    )
    extra_without_times = coordinator.post(
        "/admin/scheduling/availabilityexception/add/", {"agent": ana.pk, "date": "25/11/2026", "kind": "extra"}
    )
    wrong_person = coordinator.post(
        "/admin/scheduling/availabilityrule/add/",
        {"agent": not_an_agent.pk, "weekday": 0, "start": "09:00", "end": "10:00"},
    )

    assert backwards.status_code == 200 and "O fim deve ser depois do início." in backwards.text
    assert (
        extra_without_times.status_code == 200
        and "Um horário extra precisa de início e fim." in extra_without_times.text
    )
    assert wrong_person.status_code == 200 and "Faça uma escolha válida" in wrong_person.text
    assert not AvailabilityRule.objects.exists() and not AvailabilityException.objects.exists()


def test_a_day_off_is_entered_in_the_admin(coordinator, clock):
    clock(2026, 11, 19, 9, 10)
    ana = make_agent("ana")
    order = ready_order()
    customer = Client()
    open_order(customer, order)

    response = coordinator.post(
        "/admin/scheduling/availabilityexception/add/",
        {"agent": ana.pk, "date": "23/11/2026", "kind": "off", "note": "consulta médica"},
    )

    assert response.status_code == 302
    assert not [slot for slot in slot_ids(customer.get(book_url(order))) if slot.startswith("2026-11-23")]


def test_a_fixed_meeting_link_must_belong_to_its_platform():
    ana = make_agent("ana")
    superuser = Client()
    staff_login(superuser, make_agent("chefe", is_superuser=True))

    wrong = superuser.post(
        "/admin/scheduling/agentprofile/add/",
        {"user": ana.pk, "meeting_provider": "zoom", "meeting_url": "http://zoom.us.golpe.example/j/1"},
    )
    right = superuser.post(
        "/admin/scheduling/agentprofile/add/",
        {"user": ana.pk, "meeting_provider": "zoom", "meeting_url": "https://us02web.zoom.us/j/81234567890"},
    )

    assert wrong.status_code == 200 and "O link deve começar com https:// e ser de zoom.us." in wrong.text
    assert right.status_code == 302
    assert AgentProfile.objects.get(user=ana).meeting_url == "https://us02web.zoom.us/j/81234567890"


def test_demo_data_gives_the_demo_agent_weekday_hours_idempotently(capsys, on_commit):
    for _ in range(2):
        with on_commit():  # the summary is printed after commit
            call_command("load_demo")

    rules = AvailabilityRule.objects.filter(agent__username="agente")
    assert rules.count() == 10
    assert sorted({(r.start.hour, r.end.hour) for r in rules}) == [(9, 12), (13, 18)]
    assert "Agent agente: Monday–Friday 09:00–12:00 and 13:00–18:00" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("setting", "value", "error"),
    [
        ("BOOKING_SLOT_MINUTES", 45, "scheduling.E001"),
        ("BOOKING_SLOT_MINUTES", 10, "scheduling.E001"),
        ("VIDEOCONFERENCE_PROVIDER", "skype", "scheduling.E002"),
        ("BOOKING_LEAD_MINUTES", -5, "scheduling.E003"),
    ],
)
def test_a_wrong_booking_setting_stops_the_startup_check(setting, value, error):
    with override_settings(**{setting: value}), pytest.raises(SystemCheckError, match=error):
        call_command("check")


def test_the_console_whatsapp_backend_prints_the_message(capsys):
    from tecnosign.notifications.whatsapp import ConsoleBackend

    ConsoleBackend().send(to="+5511987654321", text="TecnoSign: sua videoconferência começa em 10 minutos.")

    out = capsys.readouterr().out
    assert "WhatsApp para +5511987654321" in out and "começa em 10 minutos" in out
