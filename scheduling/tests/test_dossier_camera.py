"""The camera is allowed on one page of the portal: the agent's dossier, where the holder's face is captured."""

import pytest

from .backoffice import AGENDA, booked_order, staff

pytestmark = pytest.mark.django_db


def camera(response) -> str:
    return dict(item.strip().split("=", 1) for item in response["Permissions-Policy"].split(","))["camera"]


def test_only_the_dossier_page_lets_the_camera_on(client, clock, on_commit, team):
    # Given an agent with a booked videoconference, on the day
    order, booking = booked_order(client, clock, on_commit)
    clock(2026, 11, 23, 9, 50)
    ana = staff(team["ana"])

    # When she opens her agenda, the admin's home, then the booking's dossier
    agenda, home = ana.get(AGENDA), ana.get("/admin/")
    dossier = ana.get(f"/admin/scheduling/booking/{booking.pk}/dossie/")

    # Then the camera is off on every page but the dossier, where the portal's own origin may use it
    assert agenda.status_code == home.status_code == dossier.status_code == 200
    assert camera(agenda) == camera(home) == "()"
    assert camera(dossier) == "(self)"
    assert "microphone=()" in dossier["Permissions-Policy"]
    # And the customer's order page never gets it
    assert camera(client.get(f"/pedido/{order.number}/")) == "()"
