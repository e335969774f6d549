"""Each main customer and partner page, in the states that matter, at 390 px and 1280 px: a screenshot, no
horizontal scroll, a label on every field, errors announced next to their field, the main action reached with Tab
and activated from the keyboard with a visible focus, and no serious or critical axe-core violation.

The scene of each page is set with the services (and factories where a state is only data); the page itself is
reached and checked in Chromium. The admin pages are screenshotted by the journey test."""

import importlib
import re
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
import time_machine
from django.apps import apps
from django.utils import timezone

from issuance.tests.helpers import a1_issue_as_customer
from orders.catalog import catalog_load
from orders.models import Order, Partner, Product
from orders.services.checkout import HolderData, order_create_for_holder
from orders.services.payments import payment_start
from orders.tests.factories import LinkFactory, OrderFactory, PartnerFactory
from privacy.services import privacy_request_open
from renewal.services.links import renewal_token
from revocation.services.details import Details
from revocation.services.revoke import revoke_with_password
from revocation.services.urgent import urgent_revocation_request
from revocation.tests.helpers import hand_off
from scheduling.services.booking import booking_create
from scheduling.tests.factories import make_agent, ready_order
from tecnosign.audit.services import Actor
from tecnosign.notifications.models import OutboxMessage
from tecnosign.tests.auth import totp_device

from .browser import LAYOUT_AND_FORMS, axe_violations, inspect_page
from .steps import ISSUANCE_PASSWORD, REVOCATION_PASSWORD, STAFF_PASSWORD, fill_holder

pytestmark = pytest.mark.browser
CUSTOMER = Actor(label="cliente", ip="198.51.100.20")
E_CPF_A1 = "e-cpf-a1-12m"


@dataclass
class Scene:
    """What a page check needs: how to (re)open the page, its main action, whether it shows a form's errors."""

    open: object  # callable(page) that leaves the browser on the page
    primary: str
    expect_errors: bool = False
    in_page: str | None = None  # the primary action is a form the page's script handles (browser.inspect_page)


def _goto(url: str):
    return lambda page: page.goto(url)


def _as_customer(order: Order, url: str | None = None):
    """The customer opens the order on /pedido/ (number + CPF), then goes to `url` (the order page by default)."""

    def open_page(page):
        page.goto("/pedido/")
        page.fill("#id_number", order.number)
        page.fill("#id_document", order.holder_document)
        page.get_by_role("button", name="Ver pedido").click()
        page.wait_for_selector("h1:has-text('Pedido ')")
        if url:
            page.goto(url)

    return open_page


def _as_partner(url: str):
    def open_page(page):
        page.goto("/parceiros/entrar/")
        page.fill("#id_username", "paula@horizonte.com.br")
        page.fill("#id_password", STAFF_PASSWORD)
        page.get_by_role("button", name="Entrar").click()
        page.wait_for_selector("nav.portal-nav")
        page.goto(url)

    return open_page


def _then(first, *more):
    def open_page(page):
        first(page)
        for step in more:
            step(page)

    return open_page


def _order(**fields) -> Order:
    fields.setdefault("link", LinkFactory())
    return OrderFactory(product=Product.objects.get(code=E_CPF_A1), **fields)


def _issued() -> Order:
    order = hand_off(_order(status=Order.Status.VERIFIED), lambda: nullcontext())
    a1_issue_as_customer(order, password=ISSUANCE_PASSWORD, actor=CUSTOMER)
    order.refresh_from_db()
    return order


def _scheduled() -> Order:
    make_agent("ana.agente")
    order = ready_order(product=Product.objects.get(code=E_CPF_A1))
    booking_create(order=order, start=_today(10) + timedelta(days=1), actor=CUSTOMER)  # still reschedulable
    return order


def _today(hour: int, minute: int = 0):
    return timezone.localtime().replace(hour=hour, minute=minute, second=0, microsecond=0)


def _help_articles() -> None:
    """The help centre's articles come from a data migration, which the live server's flushed database lost."""
    importlib.import_module("tecnosign.helpcenter.migrations.0002_seed_articles").create_articles(apps, None)
    importlib.import_module("tecnosign.helpcenter.migrations.0004_seed_a1_install_article").create_article(apps, None)


def _checkout_with_errors(code: str):
    def submit(page):
        page.goto(f"/l/{code}/{E_CPF_A1}/")
        fill_holder(page, cpf="529.982.247-24")
        page.fill("#id_email", "maria@exemplo")
        page.get_by_role("button", name="Fazer pedido").click()
        page.wait_for_selector("#form-errors")

    return submit


def _submit(button: str, wait: str = "#form-errors", **fields):
    def submit(page):
        for selector, value in fields.items():
            page.fill(f"#{selector}", value)
        page.get_by_role("button", name=button).click()
        page.wait_for_selector(wait)

    return submit


def _holder_confirmation_path() -> str:
    """A partner's order through the API's service; the path of the confirmation link e-mailed to its holder."""
    partner = PartnerFactory(name="Contabilidade Horizonte Ltda", phone="+5511912345678")
    order_create_for_holder(
        link=LinkFactory(partner=partner),
        product_code=E_CPF_A1,
        holder=HolderData(
            person_name="Maria da Silva",
            person_cpf="52998224725",
            person_birth_date=date(1985, 4, 12),
            email="maria@exemplo.com.br",
            mobile="+5511987654321",
        ),
        actor=Actor(label="API tsk_teste"),
    )
    return re.search(r"/pedido/confirmar/[^/\s]+/", OutboxMessage.objects.get(kind="holder_confirmation").body_text)[0]


def home(settings):
    return Scene(_goto("/"), "a:has-text('Acessar meu pedido')")


def link_page(settings):
    link = LinkFactory()
    return Scene(_goto(f"/l/{link.code}/"), "main a.choice")


def link_page_products(settings):
    """The link page after its two steps (who, A1 or A3): the products with their medium and validity."""
    link = LinkFactory()
    return Scene(_goto(f"/l/{link.code}/?para=cpf&tipo=A3"), "main a.button")


def checkout_with_errors(settings):
    link = LinkFactory()
    return Scene(_checkout_with_errors(link.code), "button:has-text('Fazer pedido')", expect_errors=True)


def order_lookup(settings):
    return Scene(_goto("/pedido/"), "button:has-text('Ver pedido')")


def holder_confirmation(settings):
    return Scene(_goto(_holder_confirmation_path()), "button:has-text('Confirmar e seguir para o pagamento')")


def holder_confirmation_with_errors(settings):
    opened = _then(
        _goto(_holder_confirmation_path()),
        _submit(
            "Confirmar e seguir para o pagamento",
            id_issuance_password=ISSUANCE_PASSWORD,
            id_issuance_password_confirm="Outra#Senha2026",
        ),
    )
    return Scene(opened, "button:has-text('Confirmar e seguir para o pagamento')", expect_errors=True)


def order_awaiting_payment(settings):
    return Scene(_as_customer(_order()), "a:has-text('Pagar agora')")


def order_boleto_pending(settings):
    order = _order()
    payment_start(order=order, method="boleto", actor=CUSTOMER)
    return Scene(_as_customer(order), "a:has-text('Pagar agora')")


def order_pix_pending(settings):
    settings.DEBUG = True  # with the sandbox's "Simular pagamento" button, as in development
    order = _order()
    payment_start(order=order, method="pix", actor=CUSTOMER)
    return Scene(_as_customer(order), "a:has-text('Pagar agora')")


def order_paid(settings):
    return Scene(_as_customer(_order(status=Order.Status.PAID)), "a:has-text('Enviar documentos')")


def order_documents_received(settings):
    make_agent("ana.agente")
    order = ready_order(product=Product.objects.get(code=E_CPF_A1))
    return Scene(_as_customer(order), "a:has-text('Agendar a videoconferência')")


def booking(settings):
    make_agent("ana.agente")
    order = ready_order(product=Product.objects.get(code=E_CPF_A1))
    return Scene(_as_customer(order, f"/pedido/{order.number}/agendar/"), "button:text-is('Agendar')")


def booking_without_a_slot(settings):
    make_agent("ana.agente")
    order = ready_order(product=Product.objects.get(code=E_CPF_A1))
    opened = _then(_as_customer(order, f"/pedido/{order.number}/agendar/"), _submit("Agendar", wait="#id_slot_error"))
    return Scene(opened, "button:text-is('Agendar')", expect_errors=True)


def order_scheduled(settings):
    return Scene(_as_customer(_scheduled()), "a:has-text('Remarcar ou cancelar')")


def order_verified(settings):
    settings.LOCAL_CA_RELEASE_DELAY_SECONDS = 3600  # the CA has not released it yet
    order = hand_off(_order(status=Order.Status.VERIFIED), lambda: nullcontext())
    return Scene(_as_customer(order), "#h-proximo ~ p a")


def order_released(settings):
    order = hand_off(_order(status=Order.Status.VERIFIED), lambda: nullcontext())
    return Scene(_as_customer(order), "a:has-text('Emitir o certificado')")


def issuance(settings):
    order = hand_off(_order(status=Order.Status.VERIFIED), lambda: nullcontext())
    return Scene(
        _as_customer(order, f"/pedido/{order.number}/emitir/"),
        "button:has-text('Gerar a chave e emitir o certificado')",
        in_page="#form-a1",
    )


def issuance_wrong_password(settings):
    """The issuance page's script: a key made in the browser, then the portal refuses the issuance password."""
    order = hand_off(_order(status=Order.Status.VERIFIED), lambda: nullcontext())
    opened = _then(
        _as_customer(order, f"/pedido/{order.number}/emitir/"),
        lambda page: page.check("#a1-entendo"),
        _submit(
            "Gerar a chave e emitir o certificado",
            wait="#a1-senha_error",
            **{
                "a1-senha": "Errada#2026",
                "a1-senha-arquivo": "Arquivo#2026",
                "a1-senha-arquivo-confirmacao": "Arquivo#2026",
            },
        ),
    )
    return Scene(
        opened, "button:has-text('Gerar a chave e emitir o certificado')", expect_errors=True, in_page="#form-a1"
    )


def issuance_file_never_saved(settings):
    """The issuance page of an order issued while its key only lived in a page closed before the file was saved."""
    order = _issued()
    return Scene(_as_customer(order, f"/pedido/{order.number}/emitir/"), "a:has-text('Revogar e pedir a reemissão')")


def order_issued(settings):
    return Scene(_as_customer(_issued()), "a:has-text('Revogar certificado')")


def revocation(settings):
    order = _issued()
    serial = order.certificates.get().serial
    return Scene(_as_customer(order, f"/revogar/{serial}/"), "button:has-text('Revogar o certificado agora')")


def revocation_with_errors(settings):
    order = _issued()
    serial = order.certificates.get().serial
    opened = _then(
        _as_customer(order, f"/revogar/{serial}/"),
        _submit("Revogar o certificado agora", id_password=REVOCATION_PASSWORD),  # no reason, not confirmed
    )
    return Scene(opened, "button:has-text('Revogar o certificado agora')", expect_errors=True)


def revocation_lookup(settings):
    return Scene(_goto("/revogar/"), "button:has-text('Continuar')")


def order_revoked(settings):
    order = _issued()
    details = Details(reason="file_corrupted")
    revoke_with_password(
        certificate=order.certificates.get(), details=details, password=REVOCATION_PASSWORD, actor=CUSTOMER
    )
    return Scene(_as_customer(order), "#revogacao a")


def _link_in_outbox(kind: str) -> str:
    """The path of the one-time link in the newest `kind` message, as the holder reads it in the inbox."""
    body = OutboxMessage.objects.filter(kind=kind).latest("id").body_text
    return re.search(r"https?://[^/\s]+(/\S+/)", body).group(1)


def reissue_confirmation(settings):
    """The page of the link e-mailed for a same-holder reissue: the SMS code and the two new passwords."""
    order = _issued()
    details = Details(reason="file_corrupted")
    revoke_with_password(
        certificate=order.certificates.get(), details=details, password=REVOCATION_PASSWORD, actor=CUSTOMER
    )
    return Scene(_goto(_link_in_outbox("reissue_confirm")), "button:has-text('Confirmar a reemissão')")


def urgent_revocation(settings):
    """The page of the urgent-revocation link: the SMS code and the confirmation."""
    order = _issued()
    urgent_revocation_request(identifier=order.number, ip=None, actor=CUSTOMER)
    return Scene(_goto(_link_in_outbox("revocation_urgent_link")), "button:has-text('Revogar o certificado agora')")


def help_centre(settings):
    _help_articles()
    return Scene(_goto("/ajuda/"), "button:has-text('Buscar')")


def help_article(settings):
    _help_articles()
    return Scene(_goto("/ajuda/artigos/garantias/"), "main a[href^='/ajuda/']")


def help_article_install_a1(settings):
    _help_articles()
    return Scene(_goto("/ajuda/artigos/instalar-certificado-a1/"), "main a[href^='/ajuda/']")


def partner_login(settings):
    return Scene(_goto("/parceiros/entrar/"), "button:has-text('Entrar')")


def partner_registration_with_errors(settings):
    opened = _then(_goto("/parceiros/credenciamento/"), lambda page: page.locator("main form button").last.click())
    return Scene(opened, "main form button[type=submit]", expect_errors=True)


def privacy_notice(settings):
    return Scene(_goto("/privacidade/"), "main a[href='/pedido/']")


def privacy_rights_with_errors(settings):
    order = _order(status=Order.Status.PAYMENT_EXPIRED)
    opened = _then(
        _as_customer(order, f"/pedido/{order.number}/privacidade/"),
        _submit("Pedir a correção", **{"id_correction-new_mobile": "123"}),
    )
    return Scene(opened, "button:has-text('Pedir a correção')", expect_errors=True)


def privacy_deletion_answer(settings):
    """The answer to a deletion the holder confirmed by the e-mailed link: item by item, what went and what stays."""
    order = _order(status=Order.Status.PAYMENT_EXPIRED)
    privacy_request_open(order=order, kind="deletion", actor=CUSTOMER)
    link = _link_in_outbox("privacy_confirmation")
    answer: list[str] = []

    def open_page(page):
        if answer:  # the link works once: later visits go straight to the answer
            page.goto(answer[0])
            return
        page.goto(link)
        page.get_by_role("button", name="Confirmar").click()
        page.wait_for_selector("h1:has-text('Eliminação')")
        answer.append(page.url)

    return Scene(open_page, "main a:has-text('aviso de privacidade')")


def _partner_with_a_client() -> None:
    partner = PartnerFactory(name="Contabilidade Horizonte Ltda", user__username="paula@horizonte.com.br")
    link = LinkFactory(partner=partner, name="Clientes do escritório")
    OrderFactory(product=Product.objects.get(code=E_CPF_A1), link=link, status=Order.Status.PAID)


def partner_dashboard(settings):
    _partner_with_a_client()
    return Scene(_as_partner("/parceiros/"), "button:has-text('Filtrar')")


def partner_links(settings):
    _partner_with_a_client()
    return Scene(_as_partner("/parceiros/links/"), "main a:has-text('Criar link de venda')")


def partner_new_link_with_errors(settings):
    _partner_with_a_client()
    opened = _then(_as_partner("/parceiros/links/novo/"), _submit("Criar link"))
    return Scene(opened, "button:has-text('Criar link')", expect_errors=True)


def partner_commissions(settings):
    _partner_with_a_client()
    return Scene(_as_partner("/parceiros/comissoes/"), "button:has-text('Ver')")


def renewal_order(settings):
    certificate = _issued().certificates.get()
    return Scene(
        _goto(f"/renovar/{renewal_token(certificate)}/"), "button:has-text('Renovar e seguir para o pagamento')"
    )


def partner_renewals(settings):
    partner = PartnerFactory(name="Contabilidade Horizonte Ltda", user__username="paula@horizonte.com.br")
    with time_machine.travel(timezone.now() - timedelta(days=345), tick=False):  # it ends in about 20 days
        order = hand_off(_order(status=Order.Status.VERIFIED, link=LinkFactory(partner=partner)), nullcontext)
        a1_issue_as_customer(order, password=ISSUANCE_PASSWORD, actor=CUSTOMER)
    return Scene(_as_partner("/parceiros/renovacoes/?dias=30"), "button:has-text('Enviar link de renovação')")


def _partner_signs_in(wait: str):
    def open_page(page):
        page.goto("/parceiros/entrar/")
        page.fill("#id_username", "paula@horizonte.com.br")
        page.fill("#id_password", STAFF_PASSWORD)
        page.get_by_role("button", name="Entrar").click()
        page.wait_for_selector(wait)

    return open_page


def second_factor_setup(settings):
    """A partner of whom staff require the second factor, at the set-up page the sign-in leads to."""
    _partner_with_a_client()
    Partner.objects.filter(user__username="paula@horizonte.com.br").update(second_factor_required=True)
    return Scene(_partner_signs_in("#totp-secret"), "button:has-text('Ativar o aplicativo')")


def second_factor_verification(settings):
    """A partner who turned the second factor on, asked for the code after the password."""
    _partner_with_a_client()
    totp_device(Partner.objects.get(user__username="paula@horizonte.com.br").user)
    return Scene(_partner_signs_in("h1:has-text('Confirme que é você')"), "button:has-text('Confirmar')")


PAGES = [
    home,
    link_page,
    link_page_products,
    checkout_with_errors,
    order_lookup,
    holder_confirmation,
    holder_confirmation_with_errors,
    order_awaiting_payment,
    order_boleto_pending,
    order_pix_pending,
    order_paid,
    order_documents_received,
    booking,
    booking_without_a_slot,
    order_scheduled,
    order_verified,
    order_released,
    issuance,
    issuance_wrong_password,
    issuance_file_never_saved,
    order_issued,
    revocation,
    revocation_with_errors,
    revocation_lookup,
    order_revoked,
    reissue_confirmation,
    urgent_revocation,
    help_centre,
    help_article,
    help_article_install_a1,
    privacy_notice,
    privacy_rights_with_errors,
    privacy_deletion_answer,
    partner_login,
    partner_registration_with_errors,
    partner_dashboard,
    partner_links,
    partner_new_link_with_errors,
    partner_commissions,
    renewal_order,
    partner_renewals,
    second_factor_setup,
    second_factor_verification,
]


@pytest.mark.parametrize("scene_of", PAGES, ids=[page.__name__.replace("_", "-") for page in PAGES])
def test_the_page_works_at_both_widths_with_keyboard_and_screen_reader(
    scene_of, open_browser, ca, settings, axe_ready, pki_bundle
):
    catalog_load()
    scene = scene_of(settings)
    page = open_browser()
    scene.open(page)

    report = inspect_page(
        page,
        scene_of.__name__.replace("_", "-"),
        primary=scene.primary,
        reopen=lambda: scene.open(page),
        expect_errors=scene.expect_errors,
        in_page=scene.in_page,
    )

    report.assert_clean()


def test_the_checks_catch_what_they_look_for(open_browser, axe_ready):
    """The checks above are not vacuous: a page with each fault is reported for each of them."""
    page = open_browser()
    page.set_content(
        """<!DOCTYPE html><html lang="pt-BR"><head><title>Defeitos</title></head><body><main>
        <h1>Defeitos</h1><div style="width:2000px">largo demais</div>
        <input type="text" name="sem_rotulo">
        <div class="field"><label for="id_cpf">CPF</label><input id="id_cpf" name="cpf" aria-invalid="true"></div>
        <ul class="errorlist" id="id_nome_error"><li>Erro solto</li></ul>
        <p style="color:#bbb;background:#fff">contraste baixo</p><img src="data:," width="10" height="10">
        </main></body></html>"""
    )
    page.set_viewport_size({"width": 390, "height": 844})

    problems = page.evaluate(LAYOUT_AND_FORMS)
    violations = {violation["id"] for violation in axe_violations(page)}

    assert any(problem.startswith("horizontal scroll") for problem in problems)
    assert "field without a label: input[name=sem_rotulo]#?" in problems
    assert "invalid field without its error in aria-describedby: input[name=cpf]#id_cpf" in problems
    assert 'error not tied to any field: "Erro solto"' in problems
    assert {"color-contrast", "image-alt", "label"} <= violations
