"""The CA's Lista Negativa: the same answers from both backends, the hand-off that refuses a listed holder, and the
local CA's list kept by staff in the admin."""

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.db import transaction

from issuance.backends import CaMisconfigured, CaUnavailable, NegativeListAnswer, get_backend
from issuance.backends.external import ExternalCa
from issuance.models import IssuanceRequest, LocalCaSubmission, NegativeListEntry
from issuance.services import issuance_submit
from issuance.services.negative_list import (
    NegativeListUnavailable,
    negative_list_add,
    negative_list_query,
    negative_list_remove,
)
from orders.models import Order
from orders.tests.factories import CnpjProductFactory, OrderFactory, UserFactory, valid_cpf
from scheduling.roles import MANAGERS_GROUP, SUPPORT_GROUP, ensure_roles
from tecnosign.audit.models import AuditEvent
from tecnosign.audit.services import Actor
from tecnosign.tests.auth import staff_login

from .fake_ac import FakeAc

pytestmark = pytest.mark.django_db
STAFF = "operacao@tecnosign.test"
LISTED = valid_cpf(777)
COMPANY = "11222333000181"


@pytest.fixture
def fake_ac(ca_key_source):
    fake = FakeAc(key=ca_key_source("external-ac", 2048))
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture(params=["local", "external"])
def listing(request, fake_ac):
    """Each backend, with LISTED (a CPF) and COMPANY (a CNPJ) on its list."""
    if request.param == "local":
        for document in (LISTED, COMPANY):
            negative_list_add(document=document, reason="Fraude documental confirmada", actor=Actor(label="teste"))
        return get_backend("local")
    fake_ac.negative_list.update({LISTED: "Fraude documental confirmada", COMPANY: "Fraude documental confirmada"})
    return ExternalCa(base_url=fake_ac.url, token=fake_ac.token, timeout=5)


def test_both_backends_answer_the_list_for_the_person_and_for_the_company(listing):
    listed = listing.negative_list_check(cpf=LISTED)
    clear = listing.negative_list_check(cpf=valid_cpf(778))
    company = listing.negative_list_check(cpf=valid_cpf(778), cnpj=COMPANY)

    assert (listed.listed, listed.reason) == (True, "Fraude documental confirmada") and listed.reference
    assert (clear.listed, clear.reason) == (False, "") and clear.reference
    assert company.listed
    assert len({listed.reference, clear.reference, company.reference}) == 3  # one reference per query


def test_a_person_taken_off_the_local_list_is_clear_again(local_ca):
    entry = negative_list_add(document=LISTED, reason="Engano", actor=Actor(label="teste"))

    assert negative_list_remove(entry=entry, actor=Actor(label="teste"))
    assert not negative_list_remove(entry=entry, actor=Actor(label="teste"))
    assert get_backend("local").negative_list_check(cpf=LISTED).listed is False
    assert AuditEvent.objects.filter(action="negative_list.removed").count() == 1


@pytest.mark.parametrize(
    ("failure", "error"),
    [
        ((503, b'{"error": {"code": "busy", "message": "ocupado"}}', "application/json"), CaUnavailable),
        ((401, b'{"error": {"code": "auth", "message": "token"}}', "application/json"), CaMisconfigured),
        ((200, b'{"listed": "sim", "reference": "x"}', "application/json"), CaUnavailable),
        ((200, b"<html>proxy</html>", "text/html"), CaUnavailable),
    ],
)
def test_an_external_ac_that_does_not_answer_the_list_is_never_a_pass(fake_ac, failure, error):
    fake_ac.failures.append(failure)
    adapter = ExternalCa(base_url=fake_ac.url, token=fake_ac.token, timeout=5)

    with pytest.raises(error):
        adapter.negative_list_check(cpf=LISTED)


def test_the_query_for_the_validation_says_in_portuguese_when_the_ca_does_not_answer(settings, fake_ac):
    settings.CA_BACKEND, settings.EXTERNAL_CA_URL, settings.EXTERNAL_CA_TOKEN = "external", fake_ac.url, fake_ac.token
    fake_ac.failures.append((502, b"bad gateway", "text/plain"))
    order = OrderFactory(status=Order.Status.SCHEDULED, person_cpf=LISTED)

    with pytest.raises(NegativeListUnavailable, match="não respondeu agora"):
        negative_list_query(order)
    assert negative_list_query(order) == NegativeListAnswer(False, fake_ac.negative_queries[-1][2], "")


def _hand_off(order, on_commit) -> IssuanceRequest:
    with on_commit(), transaction.atomic():
        request = issuance_submit(order)
    request.refresh_from_db()
    return request


def test_a_holder_listed_after_the_validation_is_not_handed_off(local_ca, on_commit):
    # given a verified order whose holder the CA listed after the agent's check
    order = OrderFactory(status=Order.Status.VERIFIED, person_cpf=LISTED)
    negative_list_add(document=LISTED, reason="Documento roubado (B.O. 123/2026)", actor=Actor(label="AC"))

    # when the verified order is handed to the CA
    request = _hand_off(order, on_commit)

    # then nothing reaches the CA: the request is rejected, the order suspended, staff alerted with the reason,
    # and the customer told only to contact support
    assert request.status == IssuanceRequest.Status.REJECTED and "Lista Negativa" in request.last_error
    assert not LocalCaSubmission.objects.exists()
    order.refresh_from_db()
    assert order.status == Order.Status.BLOCKED
    [alert] = [m for m in mail.outbox if m.to == [STAFF]]
    assert order.number in alert.subject and "Documento roubado" in alert.body
    [told] = [m for m in mail.outbox if m.to == [order.email]]
    assert "fale com o suporte" in told.subject
    assert "Lista Negativa" not in told.body and "roubado" not in told.body
    hit = AuditEvent.objects.get(action="negative_list.checked")
    assert hit.after["stage"] == "handoff" and hit.after["listed"] is True
    assert AuditEvent.objects.filter(action="order.blocked", object_id=str(order.pk)).count() == 1


def test_a_company_listed_at_the_external_ac_is_not_handed_off(settings, fake_ac, on_commit):
    settings.CA_BACKEND, settings.EXTERNAL_CA_URL, settings.EXTERNAL_CA_TOKEN = "external", fake_ac.url, fake_ac.token
    fake_ac.negative_list[COMPANY] = "CNPJ inapto"
    order = OrderFactory(
        status=Order.Status.VERIFIED, product=CnpjProductFactory(), cnpj=COMPANY, company_name="Padaria Ltda"
    )

    request = _hand_off(order, on_commit)

    assert request.status == IssuanceRequest.Status.REJECTED
    assert ("POST", "/requests") not in fake_ac.calls
    assert Order.objects.get(pk=order.pk).status == Order.Status.BLOCKED


def test_a_clear_holder_is_handed_off_and_the_check_is_audited(local_ca, on_commit):
    order = OrderFactory(status=Order.Status.VERIFIED, person_cpf=valid_cpf(779))

    request = _hand_off(order, on_commit)

    assert request.status == IssuanceRequest.Status.RELEASED
    check = AuditEvent.objects.get(action="negative_list.checked")
    assert check.after["stage"] == "handoff" and check.after["listed"] is False and check.after["reference"]


@pytest.fixture
def staff_of():
    ensure_roles()

    def user(group: str):
        person = UserFactory(username=f"{group}@ts.test", is_staff=True)
        person.groups.add(Group.objects.get(name=group))
        return person

    return user


def test_management_keeps_the_local_list_in_the_admin_audited(client, staff_of):
    # given a manager in the admin
    manager = staff_of(MANAGERS_GROUP)
    staff_login(client, manager)

    # when they add a CPF (typed with punctuation), try it again, and take it off
    added = client.post(
        "/admin/issuance/negativelistentry/add/", {"document": "529.982.247-25", "reason": "Fraude confirmada pela AC"}
    )
    again = client.post("/admin/issuance/negativelistentry/add/", {"document": "52998224725", "reason": "De novo"})
    entry = NegativeListEntry.objects.get()
    taken_off = client.post(
        "/admin/issuance/negativelistentry/", {"action": "take_off", "_selected_action": [entry.pk], "index": "0"}
    )

    # then one entry, normalised, with who added and removed it; the duplicate refused; every change audited
    assert added.status_code == 302 and again.status_code == 200 and "já está na Lista Negativa" in again.text
    assert taken_off.status_code == 302
    entry.refresh_from_db()
    assert (entry.document, entry.added_by, entry.removed_by) == ("52998224725", manager, manager)
    assert NegativeListEntry.objects.count() == 1
    actions = AuditEvent.objects.filter(action__startswith="negative_list.").order_by("id")
    assert list(actions.values_list("action", flat=True)) == ["negative_list.added", "negative_list.removed"]


def test_support_cannot_put_anyone_on_the_list(client, staff_of):
    staff_login(client, staff_of(SUPPORT_GROUP))

    response = client.post("/admin/issuance/negativelistentry/add/", {"document": LISTED, "reason": "Suspeita"})

    assert response.status_code == 403
    assert not NegativeListEntry.objects.exists() and not AuditEvent.objects.filter(action="negative_list.added")
