"""Biometrics on file: staff's manual rows in the admin go through the same audited service as a positive PSBio
match (scheduling/tests/test_evidence.py)."""

import pytest

from orders.models import HolderBiometrics
from tecnosign.audit.models import AuditEvent
from tecnosign.tests.auth import staff_login

from .factories import UserFactory, valid_cpf

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_client(client):
    staff_login(client, UserFactory(username="chefe", is_staff=True, is_superuser=True))
    return client


def test_a_manual_row_added_in_the_admin_is_audited_with_who_added_it(superuser_client):
    cpf = valid_cpf(4242)

    response = superuser_client.post(
        "/admin/orders/holderbiometrics/add/",
        {"cpf": cpf, "source": "cnh", "note": "CNH 2019 conferida", "protocol": ""},
    )

    assert response.status_code == 302
    row = HolderBiometrics.objects.get(cpf=cpf)
    assert row.recorded_by.username == "chefe" and row.source == "cnh"
    event = AuditEvent.objects.get(action="biometrics.recorded")
    assert event.actor == row.recorded_by and event.after["cpf"] == cpf and event.after["note"] == "CNH 2019 conferida"


def test_changing_and_deleting_a_row_are_audited_and_the_cpf_cannot_be_changed(superuser_client):
    row = HolderBiometrics.objects.create(cpf=valid_cpf(4243), source="cnh")

    superuser_client.post(
        f"/admin/orders/holderbiometrics/{row.pk}/change/",
        {"cpf": valid_cpf(4244), "source": "psbio", "note": "PSBio da AC", "protocol": "PSB-1"},
    )
    changed = HolderBiometrics.objects.get(pk=row.pk)
    superuser_client.post(f"/admin/orders/holderbiometrics/{row.pk}/delete/", {"post": "yes"})

    assert (changed.cpf, changed.source, changed.protocol) == (valid_cpf(4243), "psbio", "PSB-1")
    assert not HolderBiometrics.objects.filter(cpf=valid_cpf(4244)).exists()
    updated = AuditEvent.objects.get(action="biometrics.updated")
    assert updated.before["source"] == "cnh" and updated.after["source"] == "psbio"
    assert AuditEvent.objects.get(action="biometrics.deleted").before["cpf"] == valid_cpf(4243)
    assert not HolderBiometrics.objects.exists()


def test_an_invalid_cpf_is_refused_by_the_form_and_nothing_is_written(superuser_client):
    response = superuser_client.post(
        "/admin/orders/holderbiometrics/add/", {"cpf": "12345678900", "source": "cnh", "note": "", "protocol": ""}
    )

    assert response.status_code == 200 and "CPF inválido" in response.text
    assert not HolderBiometrics.objects.exists() and not AuditEvent.objects.filter(action__startswith="biometrics.")
