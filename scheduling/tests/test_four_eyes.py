"""Four eyes against the people who actually acted: the probe of a superuser who started another agent's booking,
recorded its validation and approved it, replayed through the admin's URLs; and the explicit takeover that is the
only way to conduct someone else's booking."""

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.test import override_settings

from orders.models import Order
from orders.tests.factories import UserFactory
from scheduling.models import AgentProfile, Booking, Validation, Verification
from tecnosign.audit.models import AuditEvent

from .backoffice import AGENDA, FULL_CHECKLIST, QUEUE, booked_order, gather_evidence, make_verifier, staff
from .factories import make_agent

pytestmark = pytest.mark.django_db

BOOKINGS = "/admin/scheduling/booking/"


def start_url(booking) -> str:
    return f"{BOOKINGS}{booking.pk}/iniciar/"


def dossier_url(booking) -> str:
    return f"{BOOKINGS}{booking.pk}/dossie/"


def reassign_url(booking) -> str:
    return f"{BOOKINGS}{booking.pk}/reatribuir/"


@pytest.fixture
def boss():
    """The portal's admin: a superuser, in no group."""
    return UserFactory(username="admin", first_name="Admin", is_staff=True, is_superuser=True)


def test_a_superuser_cannot_start_another_agents_booking(client, clock, on_commit, team, boss):
    # given Ana's booking, at its time
    order, booking = booked_order(client, clock, on_commit)
    clock(2026, 11, 23, 10, 2)
    admin = staff(boss)

    # when the superuser presses "Iniciar" on it, and tries the changelist's action too
    started = admin.post(start_url(booking), follow=True)
    action = admin.post(BOOKINGS, {"action": "start_appointment", "_selected_action": [booking.pk]}, follow=True)

    # then both are refused and nothing changed
    assert "Só o agente designado pode conduzir esta videoconferência." in started.text
    assert "Só o agente designado pode conduzir esta videoconferência." in action.text
    booking.refresh_from_db()
    assert (booking.status, booking.started_at, booking.started_by) == (Booking.Status.SCHEDULED, None, None)
    assert Order.objects.get(pk=order.pk).status == Order.Status.SCHEDULED
    assert not AuditEvent.objects.filter(action="booking.started").exists()
    # and the agenda the superuser sees offers no start button on it, only whose it is
    agenda = admin.get(AGENDA)
    assert order.number in agenda.text and start_url(booking) not in agenda.text and "Com Ana" in agenda.text


def test_a_superuser_cannot_close_another_agents_booking_as_no_show(client, clock, on_commit, team, boss):
    # given Ana's booking, past the tolerance
    order, booking = booked_order(client, clock, on_commit)
    clock(2026, 11, 23, 10, 15)

    # when the superuser closes it as the customer's no-show
    response = staff(boss).post(BOOKINGS, {"action": "close_as_no_show", "_selected_action": [booking.pk]}, follow=True)

    # then it is refused and the booking and the order are as they were
    assert "Só o agente designado pode conduzir esta videoconferência." in response.text
    booking.refresh_from_db()
    assert booking.status == Booking.Status.SCHEDULED and booking.outcome == ""
    assert Order.objects.get(pk=order.pk).status == Order.Status.SCHEDULED


def test_a_superuser_cannot_record_the_validation_of_another_agents_booking(client, clock, on_commit, team, boss):
    # given Ana's appointment, started by Ana
    order, booking = booked_order(client, clock, on_commit)
    clock(2026, 11, 23, 10, 2)
    assert staff(team["ana"]).post(start_url(booking)).status_code == 302
    admin = staff(boss)

    # when the superuser opens the dossier and posts the checklist
    page = admin.get(dossier_url(booking))
    posted = admin.post(dossier_url(booking), FULL_CHECKLIST)

    # then the page offers no checklist but the reassignment, the post is refused, and no validation exists
    assert "Checklist e resultado" not in page.text and reassign_url(booking) in page.text
    assert posted.status_code == 400 and "Só o agente que conduziu a videoconferência" in posted.text
    assert not Validation.objects.exists()
    booking.refresh_from_db()
    assert booking.status == Booking.Status.IN_PROGRESS and booking.started_by == team["ana"]
    assert Order.objects.get(pk=order.pk).status == Order.Status.SCHEDULED


def test_a_superuser_who_takes_the_booking_over_conducts_it_and_can_never_verify_it(
    client, clock, on_commit, team, boss
):
    # given Ana's booking
    order, booking = booked_order(client, clock, on_commit)
    link = booking.video_url
    clock(2026, 11, 23, 9, 40)
    admin = staff(boss)
    mail.outbox.clear()

    # when the superuser reassigns it to themselves from the booking's admin page, with the reason
    change = admin.get(f"{BOOKINGS}{booking.pk}/change/")
    form = admin.get(reassign_url(booking))
    with on_commit():
        moved = admin.post(reassign_url(booking), {"to_agent": boss.pk, "reason": "Ana saiu doente"})

    # then the booking is theirs, audited from/to/reason; the customer's link is the same room (nothing re-sent)
    assert reassign_url(booking) in change.text and "Reatribuir a outro agente" in change.text
    assert form.status_code == 200 and "Novo agente" in form.text and "Motivo" in form.text
    assert moved.status_code == 302
    booking.refresh_from_db()
    assert booking.agent == boss and booking.video_url == link and booking.status == Booking.Status.SCHEDULED
    event = AuditEvent.objects.get(action="booking.reassigned")
    assert (event.actor, event.before["agent"], event.after["agent"]) == (boss, team["ana"].pk, boss.pk)
    assert event.after["reason"] == "Ana saiu doente" and "de Ana para Admin" in event.note
    assert not mail.outbox

    # when they conduct it: start, then record the validation
    clock(2026, 11, 23, 10, 2)
    assert admin.post(start_url(booking)).status_code == 302
    gather_evidence(admin, booking)
    clock(2026, 11, 23, 10, 20)
    with on_commit():
        recorded = admin.post(dossier_url(booking), FULL_CHECKLIST)

    # then the rows name them as who started and who recorded
    assert recorded.status_code == 302
    booking.refresh_from_db()
    validation = Validation.objects.get()
    assert booking.started_by == boss and (validation.agent, validation.recorded_by) == (boss, boss)
    assert Order.objects.get(pk=order.pk).status == Order.Status.VALIDATED

    # when the same superuser goes to the verification centre and approves it by its URL
    queue = admin.get(QUEUE)
    review = admin.get(f"{QUEUE}{validation.pk}/revisar/")
    forced = admin.post(f"{QUEUE}{validation.pk}/revisar/", {"outcome": "verified"})

    # then the dossier is not offered, the decision is refused, the order stays validated, no verification row
    assert queue.status_code == 200 and f"{validation.pk}/revisar/" not in queue.text
    assert "Você atuou neste atendimento" in review.text
    assert forced.status_code == 400 and "feita por outra pessoa" in forced.text
    assert Order.objects.get(pk=order.pk).status == Order.Status.VALIDATED
    assert not Verification.objects.exists()

    # when a different verifier approves it
    vera = staff(team["vera"])
    assert f"{validation.pk}/revisar/" in vera.get(QUEUE).text
    with on_commit():
        approved = vera.post(f"{QUEUE}{validation.pk}/revisar/", {"outcome": "verified"})

    # then it is verified (and goes on to the CA), the row naming the real actors
    assert approved.status_code == 302
    verification = Verification.objects.get()
    assert (verification.verifier, verification.agent, verification.started_by) == (team["vera"], boss, boss)
    assert Order.objects.get(pk=order.pk).status in (Order.Status.VERIFIED, Order.Status.RELEASED)


def test_an_agent_who_started_and_a_second_agent_who_records_are_refused(client, clock, on_commit, team):
    # given Ana's appointment, started by Ana
    order, booking = booked_order(client, clock, on_commit)
    clock(2026, 11, 23, 10, 2)
    assert staff(team["ana"]).post(start_url(booking)).status_code == 302

    # when Beto, another agent, records its validation
    clock(2026, 11, 23, 10, 20)
    beto = staff(team["beto"]).post(dossier_url(booking), FULL_CHECKLIST)

    # then he is refused and nothing is recorded
    assert beto.status_code == 400 and "Só o agente que conduziu a videoconferência" in beto.text
    assert not Validation.objects.exists()
    booking.refresh_from_db()
    assert (booking.status, booking.agent, booking.outcome) == (Booking.Status.IN_PROGRESS, team["ana"], "")
    assert Order.objects.get(pk=order.pk).status == Order.Status.SCHEDULED


def test_an_appointment_handed_over_mid_call_keeps_both_agents_away_from_its_verification(
    client, clock, on_commit, team, boss
):
    # given Ana started the appointment and the coordination handed it to Beto; both also verify
    order, booking = booked_order(client, clock, on_commit)
    clock(2026, 11, 23, 10, 2)
    assert staff(team["ana"]).post(start_url(booking)).status_code == 302
    assert staff(boss).post(reassign_url(booking), {"to_agent": team["beto"].pk, "reason": "Queda de energia"})
    for agent in (team["ana"], team["beto"]):
        agent.groups.add(team["vera"].groups.get())
    clock(2026, 11, 23, 10, 25)
    gather_evidence(staff(team["beto"]), booking)
    with on_commit():
        assert staff(team["beto"]).post(dossier_url(booking), FULL_CHECKLIST).status_code == 302
    validation = Validation.objects.get()
    assert (validation.recorded_by, validation.booking.started_by) == (team["beto"], team["ana"])

    # when each of them tries to approve it, by the URL and by the database
    ana, beto = staff(team["ana"]), staff(team["beto"])
    refused = [client.post(f"{QUEUE}{validation.pk}/revisar/", {"outcome": "verified"}) for client in (ana, beto)]
    for verifier in (team["ana"], team["beto"]):
        with pytest.raises(IntegrityError), transaction.atomic():
            Verification.objects.create(
                validation=validation,
                order=order,
                agent=team["beto"],
                started_by=team["ana"],
                verifier=verifier,
                outcome="verified",
            )

    # then neither sees it in the queue, both are refused, and it is still waiting
    assert all(f"{validation.pk}/revisar/" not in c.get(QUEUE).text for c in (ana, beto))
    assert [r.status_code for r in refused] == [400, 400]
    assert Order.objects.get(pk=order.pk).status == Order.Status.VALIDATED and not Verification.objects.exists()
    assert f"{validation.pk}/revisar/" in staff(team["vera"]).get(QUEUE).text


def test_a_reassignment_needs_the_permission_a_reason_and_a_free_agent(client, clock, on_commit, team, boss):
    # given Ana's and Carla's bookings at the same time
    carla = make_agent("carla")
    _order, booking = booked_order(client, clock, on_commit)
    _other, theirs = booked_order(client, clock, on_commit)
    assert {booking.agent, theirs.agent} == {team["ana"], carla}
    mine = booking if booking.agent == team["ana"] else theirs
    clock(2026, 11, 22, 15, 0)
    admin = staff(boss)

    # when an agent tries to reassign, the superuser gives no reason, then picks Carla, who is busy then
    by_agent = staff(team["ana"]).post(reassign_url(mine), {"to_agent": team["ana"].pk, "reason": "quero"})
    by_verifier = staff(team["vera"]).get(reassign_url(mine))
    no_reason = admin.post(reassign_url(mine), {"to_agent": team["beto"].pk, "reason": "  "})
    busy = admin.post(reassign_url(mine), {"to_agent": carla.pk, "reason": "Ana em treinamento"})
    not_an_agent = admin.post(reassign_url(mine), {"to_agent": team["vera"].pk, "reason": "Ana em treinamento"})

    # then all are refused with a reason, and the booking is Ana's still
    assert by_agent.status_code == 403 and by_verifier.status_code == 403
    assert no_reason.status_code == 400
    assert busy.status_code == 400 and "Carla já tem outra videoconferência nesse horário" in busy.text
    assert not_an_agent.status_code == 400  # not offered: a verifier does not conduct appointments
    mine.refresh_from_db()
    assert mine.agent == team["ana"] and mine.status == Booking.Status.SCHEDULED
    assert not AuditEvent.objects.filter(action="booking.reassigned").exists()


@override_settings(VIDEOCONFERENCE_PROVIDER="agent")
def test_with_fixed_links_per_agent_the_customer_gets_the_new_agents_link(client, clock, on_commit, team, boss):
    # given agents with their own Teams rooms, and Ana's booking
    ana_room = "https://teams.microsoft.com/l/meetup-join/ana"
    beto_room = "https://teams.microsoft.com/l/meetup-join/beto"
    AgentProfile.objects.create(user=team["ana"], meeting_provider="teams", meeting_url=ana_room)
    AgentProfile.objects.create(user=team["beto"], meeting_provider="teams", meeting_url=beto_room)
    order, booking = booked_order(client, clock, on_commit)
    assert booking.video_url == ana_room
    mail.outbox.clear()

    # when the coordination hands it to Beto
    clock(2026, 11, 22, 15, 0)
    with on_commit():
        staff(boss).post(reassign_url(booking), {"to_agent": team["beto"].pk, "reason": "Ana de folga"})

    # then the booking has Beto's room, and the customer the new link with an updated invite
    booking.refresh_from_db()
    assert (booking.agent, booking.video_url, booking.sequence) == (team["beto"], beto_room, 1)
    [email] = mail.outbox
    assert email.to == [order.email] and "Novo link da videoconferência" in email.subject
    assert beto_room in email.body and ana_room not in email.body
    [(_name, invite, _mimetype)] = email.attachments
    assert "SEQUENCE:1" in invite and "meetup-join/beto" in invite


def test_the_reassign_permission_is_the_superusers_only_by_default(team, boss):
    agent, verifier = team["ana"], make_verifier("vitor")
    assert boss.has_perm("scheduling.reassign_booking")
    assert not agent.has_perm("scheduling.reassign_booking") and not verifier.has_perm("scheduling.reassign_booking")
