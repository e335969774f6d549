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


def test_suspending_asks_for_the_reason_and_the_partner_reads_it(admin_client, client, on_commit):
    partner = PartnerFactory()
    link = LinkFactory(partner=partner)
    action = {"action": "suspend", "_selected_action": [partner.pk]}

    asked = admin_client.post("/admin/orders/partner/", action)
    empty = admin_client.post("/admin/orders/partner/", {**action, "apply": "1", "reason": ""})
    assert "Motivo" in asked.text and "Informe o motivo" in empty.text
    partner.refresh_from_db()
    assert partner.status == Partner.Status.APPROVED

    with on_commit():
        admin_client.post("/admin/orders/partner/", {**action, "apply": "1", "reason": "Documentação vencida."})

    partner.refresh_from_db()
    assert partner.status == Partner.Status.SUSPENDED
    assert mail.outbox[-1].to == [partner.email] and "Documentação vencida." in mail.outbox[-1].body
    assert client.get(f"/l/{link.code}/").status_code == 410


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("Paula@Aurora.com.br", "paula@aurora.com.br"),
        ("529.982.247-25", "52998224725"),
        ("11.222.333/0001-81", "11222333000181"),
        ("(31) 99876-5432", "+5531998765432"),
        ("123E4567-E89B-42D3-A456-426614174000", "123e4567-e89b-42d3-a456-426614174000"),
    ],
)
def test_pix_key_is_stored_as_the_pix_directory_writes_it(client, typed, stored):
    client.post("/parceiros/credenciamento/", {**FORM, "pix_key": typed})
    assert Partner.objects.get().pix_key == stored


def test_a_wrong_pix_key_is_refused(client):
    response = client.post("/parceiros/credenciamento/", {**FORM, "pix_key": "minha chave"})
    assert response.status_code == 400 and "Chave PIX inválida" in response.context["form"].errors["pix_key"][0]


def test_partner_updates_contact_and_pix_key_audited(client):
    from tecnosign.audit.models import AuditEvent

    partner = PartnerFactory(pix_key="antiga@x.com.br")
    client.force_login(partner.user)
    bad = client.post("/parceiros/perfil/", {"contact_name": "Paula", "phone": "123", "pix_key": ""})
    assert bad.status_code == 400

    client.post("/parceiros/perfil/", {"contact_name": "Paula S.", "phone": "(31) 99876-5432", "pix_key": "nova@x.com"})

    partner.refresh_from_db()
    assert (partner.contact_name, partner.phone, partner.pix_key) == ("Paula S.", "+5531998765432", "nova@x.com")
    event = AuditEvent.objects.get(action="partner.profile")
    assert event.before["pix_key"] == "antiga@x.com.br" and event.after["pix_key"] == "nova@x.com"
