import pytest
from django.core import mail

from orders.models import Partner
from orders.tests.factories import LinkFactory, PartnerFactory, UserFactory

pytestmark = pytest.mark.django_db

FORM = {
    "document": "11.222.333/0001-81",
    "name": "Contabilidade Aurora Ltda",
    "contact_name": "Paula Souza",
    "email": "paula@aurora.com.br",
    "phone": "(31) 99876-5432",
    "pix_key": "paula@aurora.com.br",
    "password": "Parceira#2026",
    "accept_terms": "on",
}


def test_registration_creates_a_pending_partner_and_tells_everyone(client, on_commit):
    with on_commit():
        response = client.post("/parceiros/credenciamento/", FORM)

    assert response.status_code == 302 and response["Location"] == "/parceiros/"
    partner = Partner.objects.get()
    assert (partner.status, partner.document, partner.phone) == ("pending", "11222333000181", "+5531998765432")
    assert sorted(m.to[0] for m in mail.outbox) == ["operacao@tecnosign.test", "paula@aurora.com.br"]
    dashboard = client.get("/parceiros/")
    assert "Aguardando aprovação" in dashboard.text


def test_registration_errors_are_per_field(client):
    PartnerFactory(document="11222333000181")
    bad = {**FORM, "phone": "123", "password": "123", "accept_terms": ""}

    response = client.post("/parceiros/credenciamento/", bad)

    errors = response.context["form"].errors
    assert response.status_code == 400
    assert "Já existe um parceiro com este CPF/CNPJ" in errors["document"][0]
    assert "Celular inválido" in errors["phone"][0]
    assert "accept_terms" in errors and "password" in errors


def test_staff_approval_emails_the_partner_and_opens_the_links(admin_client, client, on_commit):
    partner = PartnerFactory(status=Partner.Status.PENDING)
    link = LinkFactory(partner=partner)
    assert client.get(f"/l/{link.code}/").status_code == 404

    with on_commit():
        admin_client.post("/admin/orders/partner/", {"action": "approve", "_selected_action": [partner.pk]})

    partner.refresh_from_db()
    assert partner.status == Partner.Status.APPROVED and partner.approved_at
    assert mail.outbox[-1].to == [partner.email] and "aprovada" in mail.outbox[-1].subject
    assert client.get(f"/l/{link.code}/").status_code == 200


def test_partner_logs_in_and_sees_only_their_links(client):
    user = UserFactory(username="ana@contab.com.br")
    mine = LinkFactory(partner=PartnerFactory(user=user), name="Meu link")
    theirs = LinkFactory(name="Link de outro")

    response = client.post("/parceiros/entrar/", {"username": "ana@contab.com.br", "password": "senha-de-teste-123"})
    assert response.status_code == 302

    dashboard = client.get("/parceiros/")
    assert mine.code in dashboard.text and theirs.code not in dashboard.text
