"""The holder's page of a partner's order: confirm and set the passwords, or say the data is wrong."""

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.db import IntegrityError, transaction
from django.test import Client

from orders.models import HolderLink, Order
from orders.services.checkout import HolderData, order_create_for_holder
from orders.services.holder_confirmation import order_holder_link_resend
from orders.services.payments import payments_expire
from tecnosign.audit.models import AuditEvent
from tecnosign.audit.services import Actor
from tecnosign.tests.auth import staff_login

from .factories import CnpjProductFactory, LinkFactory, OrderFactory, ProductFactory, UserFactory
from .links import HOLDER_FORM

pytestmark = pytest.mark.django_db
S = Order.Status
BRT = ZoneInfo("America/Sao_Paulo")
CONFIRM_LINK = re.compile(r"http://testserver(/pedido/confirmar/[^/\s]+/)")
PARTNER_API = Actor(label="API tsk_teste")
MARIA = HolderData(
    person_name="Maria da Silva",
    person_cpf="52998224725",
    person_birth_date=date(1985, 4, 12),
    email="maria@exemplo.com.br",
    mobile="+5511987654321",
)


def make_partner_order(on_commit, *, product=None, holder=MARIA) -> tuple[Order, str]:
    """A partner's order through the service the API calls, and the path of the link e-mailed to its holder."""
    product = product or ProductFactory()
    link = LinkFactory(partner__name="Contabilidade Horizonte", partner__phone="+5511912345678")
    with on_commit():
        order = order_create_for_holder(link=link, product_code=product.code, holder=holder, actor=PARTNER_API)
    [path] = CONFIRM_LINK.findall(mail.outbox[-1].body)
    return order, path


def row(order: Order) -> tuple:
    return Order.objects.values_list(
        "status", "issuance_password_hash", "revocation_password_hash", "lgpd_consent_at"
    ).get(pk=order.pk)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"data_confirmed": ""}, "data_confirmed", "Confira os dados"),
        ({"issuance_password_confirm": "Outra-Senha#1"}, "issuance_password_confirm", "As senhas não conferem."),
        (
            {"revocation_password": "Minha-Emissao#77", "revocation_password_confirm": "Minha-Emissao#77"},
            "revocation_password",
            "diferente da senha de emissão",
        ),
        ({"issuance_password": "12345678", "issuance_password_confirm": "12345678"}, "issuance_password", "numérica"),
        ({"lgpd_consent": ""}, "lgpd_consent", "tratamento dos dados pessoais"),
    ],
    ids=["data-not-confirmed", "mismatch", "same-passwords", "numeric", "no-consent"],
)
def test_mistakes_are_told_next_to_their_field_and_change_nothing(on_commit, changes, field, message):
    order, path = make_partner_order(on_commit)
    before = row(order)

    response = Client().post(path, {**HOLDER_FORM, **changes})

    assert response.status_code == 400
    assert any(message in error for error in response.context["form"].errors[field])
    # tied to its field: the input points at its error, which sits next to it
    tied = rf'name="{field}"[^>]*aria-invalid="true"[^>]*aria-describedby="[^"]*id_{field}_error'
    assert re.search(tied, response.text)
    assert f'<ul class="errorlist" id="id_{field}_error">' in response.text
    assert row(order) == before and HolderLink.objects.get().used_at is None
    assert not AuditEvent.objects.filter(action="order.holder_confirmed").exists()


def test_an_ecnpj_shows_the_company_and_its_representative(on_commit):
    holder = HolderData(**{**MARIA.__dict__, "company_name": "Padaria Pão Quente Ltda", "cnpj": "11222333000181"})
    _, path = make_partner_order(on_commit, product=CnpjProductFactory(), holder=holder)

    page = Client().get(path)

    assert page.status_code == 200
    for shown in ("Padaria Pão Quente Ltda", "11.222.333/0001-81", "Representante legal", "Maria da Silva"):
        assert shown in page.text
    assert "e-CNPJ A1 — 12 meses" in page.text and "R$\xa0229,90" in page.text


def test_the_data_is_wrong_the_holder_cancels_and_the_partner_is_told(on_commit):
    order, path = make_partner_order(on_commit)
    holder = Client()
    page = holder.get(path)
    assert "Os dados estão errados?" in page.text and "(11) 91234-5678" in page.text

    with on_commit():
        declined = holder.post(f"{path}dados-errados/")

    assert declined.status_code == 200 and "Contabilidade Horizonte" in declined.text
    assert row(order)[0] == S.CANCELLED and HolderLink.objects.get().used_at is not None
    event = AuditEvent.objects.get(action="order.status", object_id=str(order.pk))
    assert (event.after, event.actor_label) == ({"status": "cancelled"}, "titular")
    assert mail.outbox[-1].to == [order.partner.email] and "dados errados" in mail.outbox[-1].subject
    # the link is spent: neither confirming nor declining again does anything
    assert holder.post(path, HOLDER_FORM).status_code == 410
    assert holder.post(f"{path}dados-errados/").status_code == 410
    assert row(order)[1:] == ("", "", None)


def test_a_second_link_cannot_cancel_or_reconfirm_a_confirmed_order(on_commit):
    order, first = make_partner_order(on_commit)
    with on_commit():
        order_holder_link_resend(partner=order.partner, order=order, actor=PARTNER_API)
    [second] = CONFIRM_LINK.findall(mail.outbox[-1].body)
    with on_commit():
        Client().post(first, HOLDER_FORM)
    confirmed = row(order)

    page = Client().get(second)
    declined = Client().post(f"{second}dados-errados/")
    reconfirmed = Client().post(second, HOLDER_FORM)

    assert page.status_code == declined.status_code == reconfirmed.status_code == 410
    assert "já foi confirmado" in page.text
    assert row(order) == confirmed and confirmed[0] == S.AWAITING_PAYMENT


def test_an_unknown_link_gets_a_portuguese_page(db):
    for response in (Client().get("/pedido/confirmar/naoexiste/"), Client().post("/pedido/confirmar/x/", {})):
        assert response.status_code == 410
        assert "Link de confirmação indisponível" in response.text and "Acompanhar meu pedido" in response.text


def test_the_database_refuses_secrets_before_the_holder_and_their_absence_after():
    order = OrderFactory()  # awaiting payment, with the holder's passwords and consent
    waiting = OrderFactory(
        status=S.AWAITING_HOLDER,
        issuance_password_hash="",
        revocation_password_hash="",
        lgpd_consent_at=None,
        lgpd_consent_version="",
    )

    for query, changes in [
        (Order.objects.filter(pk=order.pk), {"issuance_password_hash": ""}),
        (Order.objects.filter(pk=order.pk), {"lgpd_consent_at": None}),
        (Order.objects.filter(pk=waiting.pk), {"status": S.AWAITING_PAYMENT}),
        (Order.objects.filter(pk=waiting.pk), {"issuance_password_hash": "argon2$x"}),
    ]:
        with pytest.raises(IntegrityError), transaction.atomic():
            query.update(**changes)


def test_the_order_page_timeline_shows_the_holders_step(on_commit):
    _, path = make_partner_order(on_commit)
    holder = Client()
    with on_commit():
        landed = holder.post(path, HOLDER_FORM, follow=True)

    steps = {step.status: step for step in landed.context["timeline"]}
    assert [step.label for step in landed.context["timeline"][:2]] == [
        "Pedido feito pelo parceiro",
        "Dados confirmados pelo titular",
    ]
    assert steps[S.AWAITING_HOLDER].state == steps[S.AWAITING_PAYMENT].state == "done"
    assert steps[S.PAID].state == "current"
    assert "Dados confirmados pelo titular" in landed.text


def test_the_payment_window_opens_when_the_holder_confirms(on_commit):
    # given a partner's order made on a Monday and confirmed six days later
    with time_machine.travel(datetime(2026, 11, 2, 10, 0, tzinfo=BRT), tick=False):
        order, path = make_partner_order(on_commit)
    with time_machine.travel(datetime(2026, 11, 8, 10, 0, tzinfo=BRT), tick=False), on_commit():
        Client().post(path, HOLDER_FORM)

    # when the payment expiry runs two days later (past the window counted from the creation), then after the
    # window counted from the confirmation
    with time_machine.travel(datetime(2026, 11, 10, 10, 0, tzinfo=BRT), tick=False):
        assert payments_expire()["orders"] == 0
    with time_machine.travel(datetime(2026, 11, 20, 10, 0, tzinfo=BRT), tick=False), on_commit():
        assert payments_expire()["orders"] == 1
    assert row(order)[0] == S.PAYMENT_EXPIRED


def test_the_admin_filters_by_the_new_state(client, on_commit):
    order, _ = make_partner_order(on_commit)
    OrderFactory(person_name="Outro Cliente")
    staff_login(client, UserFactory(is_staff=True, is_superuser=True))

    response = client.get("/admin/orders/order/", {"status__exact": "awaiting_holder"})

    assert response.status_code == 200
    assert [o.number for o in response.context["cl"].result_list] == [order.number]
    assert "Aguardando confirmação do titular" in response.text


def test_holder_links_expire_after_the_confirmation_days(on_commit, settings):
    settings.HOLDER_CONFIRMATION_DAYS = 2
    _, path = make_partner_order(on_commit)

    link = HolderLink.objects.get()
    assert link.expires_at - link.created_at == timedelta(days=2)
    with time_machine.travel(link.expires_at + timedelta(seconds=1)):
        assert Client().get(path).status_code == 410
