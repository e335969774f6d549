"""Who opens a customer's identity documents: the agent of the order's booking while it is theirs, the verifier
while the dossier waits for them, superusers (audited); never another agent, never support, never by a counted id."""

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile

from orders.models import Order
from orders.tests.factories import UserFactory
from scheduling.roles import SUPPORT_GROUP
from tecnosign.audit.models import AuditEvent

from .backoffice import FULL_CHECKLIST, booked_order, gather_evidence, identity_png, staff
from .factories import make_agent, ready_order

pytestmark = pytest.mark.django_db


def file_url(document) -> str:
    return f"/retaguarda/documentos/{document.public_id}/arquivo/"


def viewed() -> int:
    return AuditEvent.objects.filter(action="document.viewed").count()


def stored_bytes(document) -> bytes:
    with document.file.open("rb") as stored:
        return stored.read()


def paid_with_document(customer) -> Order:
    """A paid order whose customer sent the identity document through the order page; not booked."""
    order = ready_order(status=Order.Status.PAID)
    photo = SimpleUploadedFile("rg.png", identity_png(), "image/png")
    customer(order).post(
        f"/pedido/{order.number}/documentos/", {"kind": "identity", "identity_type": "rg", "files": photo}
    )
    assert order.documents.count() == 1
    return order


def test_an_agent_opens_the_documents_of_their_own_booking_only(client, clock, on_commit, team):
    # given an order booked with Ana, and Carla, another agent
    carla = make_agent("carla", weekdays=())
    order, booking = booked_order(client, clock, on_commit, upload=True)
    assert booking.agent == team["ana"]
    document = order.documents.get()
    clock(2026, 11, 23, 9, 0)

    # when Carla asks for the file, then Ana
    theirs = staff(carla).get(file_url(document))
    refused_events = viewed()
    own = staff(team["ana"]).get(file_url(document))

    # then Carla is refused without a trace of a viewing, and Ana gets the bytes, audited
    assert theirs.status_code == 403 and refused_events == 0
    assert own.status_code == 200 and b"".join(own.streaming_content) == stored_bytes(document)
    assert viewed() == 1


def test_nobody_but_a_superuser_opens_the_documents_of_an_order_without_booking(customer, team):
    # given a paid order whose customer sent the document, not booked yet
    boss = UserFactory(username="admin", is_staff=True, is_superuser=True)
    order = paid_with_document(customer)
    document = order.documents.get()

    # when an agent and a verifier ask for it, then the superuser
    answers = [staff(user).get(file_url(document)).status_code for user in (team["ana"], team["vera"])]
    events_before = viewed()
    by_boss = staff(boss).get(file_url(document))

    # then the staff are refused (no viewing recorded); the superuser opens it, audited as such
    assert answers == [403, 403] and events_before == 0
    assert by_boss.status_code == 200
    assert AuditEvent.objects.get(action="document.viewed").after == {"document": document.pk, "superuser": True}


def test_a_verifier_opens_the_documents_of_a_dossier_under_review_only(client, clock, on_commit, team):
    # given Ana validated one order (now waiting for the centre) and has another booked for later
    order, booking = booked_order(client, clock, on_commit, upload=True)
    later, _later_booking = booked_order(client, clock, on_commit, upload=True, at="2026-11-23T14:00")
    clock(2026, 11, 23, 10, 2)
    ana = staff(team["ana"])
    ana.post(f"/admin/scheduling/booking/{booking.pk}/iniciar/")
    gather_evidence(ana, booking)
    with on_commit():
        assert ana.post(f"/admin/scheduling/booking/{booking.pk}/dossie/", FULL_CHECKLIST).status_code == 302
    assert Order.objects.get(pk=order.pk).status == Order.Status.VALIDATED
    vera = staff(team["vera"])

    # when the verifier asks for both files, and Ana for hers under review
    under_review = vera.get(file_url(order.documents.get()))
    not_hers = vera.get(file_url(later.documents.get()))
    agent_in_the_loop = ana.get(file_url(order.documents.get()))

    # then the dossier under review opens for both, the other order for nobody but its agent
    assert under_review.status_code == 200 and b"".join(under_review.streaming_content)[:4] == b"\x89PNG"
    assert not_hers.status_code == 403
    assert agent_in_the_loop.status_code == 200
    assert viewed() == 2


def test_once_verified_the_agent_no_longer_opens_the_documents(client, clock, on_commit, team):
    # given Ana's validated order, approved by Vera
    order, booking = booked_order(client, clock, on_commit, upload=True)
    clock(2026, 11, 23, 10, 2)
    ana, vera = staff(team["ana"]), staff(team["vera"])
    ana.post(f"/admin/scheduling/booking/{booking.pk}/iniciar/")
    gather_evidence(ana, booking)
    clock(2026, 11, 23, 10, 20)  # an appointment of normal length: no warning for the verifier
    ana.post(f"/admin/scheduling/booking/{booking.pk}/dossie/", FULL_CHECKLIST)
    validation = order.validations.get()
    with on_commit():
        assert vera.post(f"/admin/scheduling/verificationqueueentry/{validation.pk}/revisar/", {"outcome": "verified"})

    # when either asks for the file now
    answers = [c.get(file_url(order.documents.get())).status_code for c in (ana, vera)]

    # then the work is done: both are refused
    assert answers == [403, 403] and viewed() == 0


def test_support_never_opens_documents_and_the_counted_url_is_gone(client, clock, on_commit, team):
    # given Ana's booked order with its document, and a support user
    order, _booking = booked_order(client, clock, on_commit, upload=True)
    document = order.documents.get()
    support = UserFactory(username="suporte", is_staff=True)
    support.groups.add(Group.objects.get(name=SUPPORT_GROUP))

    # when support asks for it, and Ana tries the old sequential form of the URL
    by_support = staff(support).get(file_url(document))
    by_pk = staff(team["ana"]).get(f"/retaguarda/documentos/{document.pk}/arquivo/")

    # then support is refused and the pk form does not exist; nothing was viewed
    assert by_support.status_code == 403 and by_pk.status_code == 404 and viewed() == 0


def test_pages_show_only_the_links_the_viewer_may_open(client, clock, on_commit, team):
    # given an order booked with Ana; Beto is another agent
    order, booking = booked_order(client, clock, on_commit, upload=True)
    document = order.documents.get()
    ana, beto = staff(team["ana"]), staff(team["beto"])

    # when each opens the dossier and the order's admin page
    pages = {
        name: (
            c.get(f"/admin/scheduling/booking/{booking.pk}/dossie/"),
            c.get(f"/admin/orders/order/{order.pk}/change/"),
        )
        for name, c in (("ana", ana), ("beto", beto))
    }

    # then Ana's pages link and preview the file; Beto's name it without a link
    for response in pages["ana"]:
        assert response.status_code == 200 and file_url(document) in response.text
    for response in pages["beto"]:
        assert response.status_code == 200 and str(document.public_id) not in response.text
    assert "ficam disponíveis para quem o atende agora" in pages["beto"][0].text
    assert "rg.png" in pages["beto"][1].text
    # and the documents' list shows Beto none of Ana's
    assert "rg.png" in ana.get("/admin/orders/document/").text
    assert "rg.png" not in beto.get("/admin/orders/document/").text


def test_every_staff_read_of_a_dossier_or_of_a_documents_details_is_audited(client, clock, on_commit, team):
    # given an order booked with Ana, its document sent, and a support agent
    order, booking = booked_order(client, clock, on_commit, upload=True)
    document = order.documents.get()
    clock(2026, 11, 23, 9, 0)
    support = UserFactory(username="suporte", is_staff=True)
    support.groups.add(Group.objects.get(name=SUPPORT_GROUP))
    boss = UserFactory(username="admin", is_staff=True, is_superuser=True)

    # when Ana opens the dossier, support tries to, and the superuser opens the document's admin page and the order's
    ana = staff(team["ana"]).get(f"/admin/scheduling/booking/{booking.pk}/dossie/")
    refused = staff(support).get(f"/admin/scheduling/booking/{booking.pk}/dossie/")
    desk = staff(boss)
    details = desk.get(f"/admin/orders/document/{document.pk}/change/")
    listing = desk.get(f"/admin/orders/order/{order.pk}/change/")

    # then each read is an entry (who, when, which order); support's refusal left none
    assert ana.status_code == 200 and refused.status_code == 403
    assert details.status_code == 200 and listing.status_code == 200
    reads = AuditEvent.objects.filter(action__in=["dossier.viewed", "document.details_viewed", "document.listed"])
    assert [(e.action, e.actor.username, e.object_id) for e in reads.order_by("id")] == [
        ("dossier.viewed", team["ana"].username, str(order.pk)),
        ("document.details_viewed", "admin", str(order.pk)),
        ("document.listed", "admin", str(order.pk)),
    ]
    assert reads.order_by("id").first().after == {"page": "dossier", "superuser": False}
    assert not AuditEvent.objects.filter(actor=support, action__endswith="viewed").exists()
