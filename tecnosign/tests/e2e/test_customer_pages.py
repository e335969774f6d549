"""The customer's pages as a Brazilian buyer expects them (issue 23, "The customer"), in Chromium at 390 and 1280 px
with axe: the product chosen in steps, the "Copiar código" buttons read back from the clipboard, the printable
boleto's barcode decoded from the PDF's bars, the page after the A1 file was saved, an upload's refusal next to its
field, the wrong CPF's cleared passwords said, the reschedule in the history, words that match the state."""

import importlib
import io
import re
from contextlib import nullcontext
from datetime import timedelta

import pytest
from django.apps import apps
from django.utils import timezone
from pypdf import PdfReader

from issuance.models import Certificate
from issuance.tests.helpers import a1_issue_as_customer
from orders.catalog import catalog_load
from orders.models import Document, Order, Product
from orders.payments.boleto import barcode_from_line
from orders.services.payments import payment_start
from orders.tests.factories import DiscountLinkFactory, LinkFactory, OrderFactory
from revocation.tests.helpers import hand_off
from scheduling.models import Booking
from scheduling.services.booking import booking_create
from scheduling.tests.factories import make_agent, ready_order
from tecnosign.audit.services import Actor

from .browser import AXE_SOURCE, BLOCKING_IMPACTS, LAYOUT_AND_FORMS, WIDTHS, axe_violations, screenshot, set_width
from .steps import ISSUANCE_PASSWORD, fill_holder, open_order

pytestmark = pytest.mark.browser
CUSTOMER = Actor(label="cliente", ip="198.51.100.20")
E_CPF_A1 = "e-cpf-a1-12m"
FILE_PASSWORD = "Arquivo#Meu2026"


@pytest.fixture
def catalog(ca, axe_ready):
    catalog_load()


def _order(**fields) -> Order:
    return OrderFactory(product=Product.objects.get(code=E_CPF_A1), link=LinkFactory(), **fields)


def _seed_help() -> None:
    """The help articles come from data migrations, which the live server's flushed database lost."""
    importlib.import_module("tecnosign.helpcenter.migrations.0002_seed_articles").create_articles(apps, None)
    importlib.import_module("tecnosign.helpcenter.migrations.0004_seed_a1_install_article").create_article(apps, None)


def _problems_at_both_widths(page, name: str) -> list[str]:
    """Screenshots, layout and labels, errors tied to fields, and axe's serious or critical findings, per width."""
    problems = []
    assert AXE_SOURCE.exists()
    for width in WIDTHS:
        set_width(page, width)
        screenshot(page, name, width)
        problems += [f"[{width}px] {problem}" for problem in page.evaluate(LAYOUT_AND_FORMS)]
        problems += [
            f"[{width}px] axe {v['impact']} {v['id']}: {v['help']} — {v['nodes']}"
            for v in axe_violations(page)
            if v["impact"] in BLOCKING_IMPACTS
        ]
    return problems


# -- choosing the product --------------------------------------------------------------------------------------


def test_the_link_page_asks_who_then_a1_or_a3_then_shows_the_products_with_the_discount(open_browser, catalog):
    link = DiscountLinkFactory()  # 15 % off
    page = open_browser()
    page.goto(f"/l/{link.code}/")

    # First only who the certificate is for: no product grid yet, and no script on the page.
    assert page.locator("article.offer").count() == 0
    assert page.locator("script").count() == 0
    assert "Desconto do parceiro" in page.inner_text("main")
    page.get_by_role("link", name=re.compile("^Para você")).click()
    page.wait_for_selector("#passo-2")
    assert "Qual eu preciso?" in page.inner_text("section:has(#passo-2)")
    assert page.get_attribute("a.choice.chosen", "aria-current") == "true"
    page.get_by_role("link", name=re.compile("^A3 — token ou cartão")).click()
    page.wait_for_selector("#passo-3")

    offers = page.locator("article.offer")
    names = [offers.nth(n).locator("h3").inner_text() for n in range(offers.count())]
    expected = Product.objects.filter(holder_type="cpf", certificate_type="A3", active=True)
    assert sorted(names) == sorted(expected.values_list("name", flat=True))
    assert page.locator("#passo-3").locator("xpath=..").get_by_text("Desconto de R$").count() == len(names)
    assert not _problems_at_both_widths(page, "link-steps-a3")

    # A1 has one product: its card, and the purchase goes on to the checkout.
    page.get_by_role("link", name=re.compile("^A1 — arquivo no computador")).click()
    page.get_by_role("link", name="Comprar e-CPF A1 — 12 meses").click()
    page.wait_for_selector("h1:has-text('e-CPF A1 — 12 meses')")


def test_a_wrong_cpf_at_checkout_says_the_passwords_were_cleared(open_browser, catalog):
    link = LinkFactory()
    page = open_browser()
    page.goto(f"/l/{link.code}/{E_CPF_A1}/")
    fill_holder(page, cpf="529.982.247-24")
    page.get_by_role("button", name="Fazer pedido").click()
    page.wait_for_selector("#form-errors")

    assert "senhas de novo" in page.inner_text("#form-errors")
    assert "Digite as quatro senhas de novo" in page.inner_text("#senhas-apagadas")
    assert page.input_value("#id_issuance_password") == ""  # cleared indeed, as the message says
    assert page.input_value("#id_person_name") == "Maria da Silva"
    assert not Order.objects.exists()


# -- paying on a phone -----------------------------------------------------------------------------------------


def test_the_pix_code_is_copied_with_an_announced_confirmation(open_browser, catalog, live_server):
    order = _order()
    payment = payment_start(order=order, method="pix", actor=CUSTOMER)
    page = open_browser()
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    open_order(page, order.number, order.holder_document)

    button = page.get_by_role("button", name="Copiar código")
    button.wait_for()  # shown by the page's script once it has run (hidden without JavaScript)
    assert button.count() == 1
    button.click()
    status = page.locator("#pagamento .copy-status")
    status.filter(has_text="Código PIX copiado.").wait_for()
    assert status.get_attribute("role") == "status" and status.get_attribute("aria-live") == "polite"
    assert page.evaluate("() => navigator.clipboard.readText()") == payment.pix_payload
    assert not _problems_at_both_widths(page, "order-pix-copied")


def test_the_boleto_line_is_grouped_whole_at_390_px_copied_and_printable_with_its_barcode(
    open_browser, catalog, live_server
):
    order = _order()
    payment = payment_start(order=order, method="boleto", actor=CUSTOMER)
    line = payment.boleto_line
    page = open_browser()
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    open_order(page, order.number, order.holder_document)

    # Grouped as banks print it, and no group cut or pushed off a phone's screen.
    grouped = f"{line[0:5]}.{line[5:10]} {line[10:15]}.{line[15:21]} {line[21:26]}.{line[26:32]} {line[32]} {line[33:]}"
    assert page.inner_text("#boleto-linha") == grouped
    set_width(page, 390)
    for box in page.locator("#boleto-linha .nowrap").evaluate_all(
        "spans => spans.map(s => { const r = s.getBoundingClientRect(); return [r.left, r.right, r.height]; })"
    ):
        assert box[0] >= 0 and box[1] <= 390 and box[2] < 40, box  # inside the screen, on one line

    page.get_by_role("button", name="Copiar código").click()
    page.locator("#pagamento .copy-status").filter(has_text="Linha digitável copiada.").wait_for()
    assert page.evaluate("() => navigator.clipboard.readText()") == line  # digits only: what banks' apps accept
    assert not _problems_at_both_widths(page, "order-boleto-copied")

    # The printable boleto, from the order page's link: its bars decode to the barcode of the line.
    with page.expect_popup() as opened:
        page.get_by_role("link", name="Imprimir o boleto (PDF)").click()
    opened.value.close()
    response = page.request.get(f"/pedido/{order.number}/boleto.pdf")
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.body()))
    text = reader.pages[0].extract_text()
    assert grouped in text and payment.boleto_barcode in text
    assert _decode_i2of5(reader.pages[0].get_contents().get_data()) == barcode_from_line(line) == payment.boleto_barcode

    # Someone else's session gets nothing.
    stranger = open_browser().request.get(f"/pedido/{order.number}/boleto.pdf", max_redirects=0)
    assert stranger.status in (302, 403, 404) and stranger.headers.get("content-type") != "application/pdf"


_NARROW_WIDE = {
    "NNWWN": "0",
    "WNNNW": "1",
    "NWNNW": "2",
    "WWNNN": "3",
    "NNWNW": "4",
    "WNWNN": "5",
    "NWWNN": "6",
    "NNNWW": "7",
    "WNNWN": "8",
    "NWNWN": "9",
}


def _decode_i2of5(content: bytes) -> str:
    """Read the Interleaved 2 of 5 symbol back from the page's filled rectangles (`x y w h re f*`) as a scanner reads
    bars and spaces: start (narrow bar-space-bar-space), pairs of digits (five bars, five spaces), stop."""
    rects = sorted(
        (float(x), float(w))
        for x, w in re.findall(rb"\bn ([\d.]+) [-\d.]+ ([\d.]+) [\d.]+ re f\*", content)
        if float(w) < 10  # bars only
    )
    assert len(rects) > 10, "no barcode on the page"
    bars = [w for _, w in rects]
    spaces = [rects[i + 1][0] - (rects[i][0] + rects[i][1]) for i in range(len(rects) - 1)]
    threshold = (min(bars) + max(bars)) / 2

    def kind(width: float) -> str:
        return "W" if width > threshold else "N"

    assert [kind(w) for w in bars[:2] + spaces[:2]] == ["N"] * 4, "no start pattern"
    assert [kind(bars[-2]), kind(spaces[-1]), kind(bars[-1])] == ["W", "N", "N"], "no stop pattern"
    digits = []
    for start in range(2, len(bars) - 2, 5):
        digits.append(_NARROW_WIDE["".join(kind(w) for w in bars[start : start + 5])])
        digits.append(_NARROW_WIDE["".join(kind(w) for w in spaces[start : start + 5])])
    return "".join(digits)


# -- after the A1 download -------------------------------------------------------------------------------------


def test_after_the_a1_file_is_saved_the_page_says_so_and_no_earlier_error_stays(open_browser, catalog, pki_bundle):
    _seed_help()
    order = hand_off(_order(status=Order.Status.VERIFIED), lambda: nullcontext())
    page = open_browser()
    open_order(page, order.number, order.holder_document)
    page.get_by_role("link", name="Emitir o certificado").click()
    page.wait_for_selector("h1:has-text('Emitir o certificado A1')")

    # A wrong issuance password first: refused next to its field.
    page.fill("#a1-senha", "Errada#2026")
    page.fill("#a1-senha-arquivo", FILE_PASSWORD)
    page.fill("#a1-senha-arquivo-confirmacao", FILE_PASSWORD)
    page.check("#a1-entendo")
    page.get_by_role("button", name="Gerar a chave e emitir o certificado").click()
    page.wait_for_selector("#a1-senha_error")

    # Then the right one: the certificate is issued and the file saved.
    page.fill("#a1-senha", ISSUANCE_PASSWORD)
    page.fill("#a1-senha-arquivo", FILE_PASSWORD)
    page.fill("#a1-senha-arquivo-confirmacao", FILE_PASSWORD)
    page.check("#a1-entendo")
    with page.expect_download() as download:
        page.get_by_role("button", name="Gerar a chave e emitir o certificado").click()
    page.wait_for_selector("#a1-pronto:not([hidden])")

    done = page.inner_text("#a1-pronto")
    assert download.value.suggested_filename.endswith(".pfx")
    assert page.inner_text("#a1-arquivo") == download.value.suggested_filename
    assert "foi baixado uma vez" in done
    assert "garantia de 14 dias" in done and "arquivo corrompido" in done
    main = page.inner_text("main")
    assert "incorreta" not in main and "Restam" not in main and "não pode ser gerado" not in main
    assert page.locator("#a1-senha_error").count() == 0
    assert page.evaluate("() => document.activeElement.id") == "h-a1-pronto"
    assert Certificate.objects.filter(order=order).count() == 1
    assert not _problems_at_both_widths(page, "a1-success")

    # Saved again: the page counts it; the help article on installing is one click away.
    with page.expect_download():
        page.get_by_role("button", name="Salvar o arquivo de novo").click()
    assert page.inner_text("#a1-vezes") == "2 vezes"
    page.get_by_role("link", name="Como instalar o certificado A1").click()
    page.wait_for_selector("h1:has-text('Como instalar o certificado A1')")
    article = page.inner_text("main")
    assert all(part in article for part in ("Windows", "macOS", "Firefox", "Chrome", "14 dias"))
    assert not _problems_at_both_widths(page, "help-install-a1")


# -- errors where the eye is -----------------------------------------------------------------------------------


def test_a_refused_upload_is_said_next_to_the_file_field_and_keeps_the_document_type(open_browser, catalog):
    order = _order(status=Order.Status.PAID)
    page = open_browser()
    open_order(page, order.number, order.holder_document)
    page.select_option("#id_kind", "identity")
    page.select_option("#id_identity_type", "cnh")
    page.set_input_files(
        "#id_files", files=[{"name": "cnh.pdf", "mimeType": "application/pdf", "buffer": b"isto nao e um PDF"}]
    )
    page.get_by_role("button", name="Enviar documentos").click()
    page.wait_for_selector("#id_files_error")

    field = page.locator("#id_files")
    assert field.get_attribute("aria-invalid") == "true"
    assert "id_files_error" in field.get_attribute("aria-describedby")
    assert page.locator(".field:has(#id_files) #id_files_error").count() == 1  # next to the field, not a banner
    assert page.locator("main > [role=status] .alert-error").count() == 0
    assert page.input_value("#id_kind") == "identity" and page.input_value("#id_identity_type") == "cnh"
    assert page.evaluate("() => location.hash") == "#documentos"
    assert not Document.objects.filter(order=order).exists()
    assert not _problems_at_both_widths(page, "order-upload-refused")


# -- words that match the state --------------------------------------------------------------------------------


def test_an_unpaid_orders_current_step_does_not_say_paid_and_the_history_has_no_link_code(open_browser, catalog):
    link = LinkFactory()
    page = open_browser()
    page.goto(f"/l/{link.code}/{E_CPF_A1}/")
    fill_holder(page, cpf="529.982.247-25")
    page.get_by_role("button", name="Fazer pedido").click()
    page.wait_for_selector("h1:has-text('Pedido ')")

    current = page.inner_text("ol.timeline li[aria-current=step] .label")
    assert current == "Pagamento" and "confirmado" not in current
    history = page.inner_text("#h-historico + .table-scroll")
    assert link.code not in page.content() and link.partner.name in history
    assert not _problems_at_both_widths(page, "order-unpaid-words")


def test_a_reschedule_adds_a_remarcada_entry_with_the_new_time_to_the_history(open_browser, catalog, clock):
    make_agent("ana.agente")
    order = ready_order(product=Product.objects.get(code=E_CPF_A1))
    tomorrow = timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0) + timedelta(days=1)
    booking_create(order=order, start=tomorrow, actor=CUSTOMER)
    page = open_browser()
    open_order(page, order.number, order.holder_document)

    page.get_by_role("link", name="Remarcar ou cancelar").click()
    page.wait_for_selector("h2:has-text('Remarcar para outro horário')")
    page.locator("input[name=slot]:not(:checked)").first.check()
    page.get_by_role("button", name="Remarcar", exact=True).click()
    page.wait_for_selector("h1:has-text('Pedido ')")

    new = Booking.objects.get(order=order, status=Booking.Status.SCHEDULED)
    when = timezone.localtime(new.starts_at).strftime("%d/%m/%Y às %H:%M")
    rows = page.locator("#h-historico + .table-scroll tbody tr")
    last = rows.nth(rows.count() - 1).inner_text()
    assert "Videoconferência remarcada" in last and f"Videoconferência em {when}" in last
    assert timezone.localtime(tomorrow).strftime("%d/%m/%Y às %H:%M") in last  # the old time, as "antes"
    assert not _problems_at_both_widths(page, "order-rescheduled")


def test_the_certificate_reads_plainly_with_the_technical_detail_behind_a_toggle(open_browser, catalog):
    order = hand_off(_order(status=Order.Status.VERIFIED), lambda: nullcontext())
    a1_issue_as_customer(order, password=ISSUANCE_PASSWORD, actor=CUSTOMER)
    certificate = Certificate.objects.get(order=order)
    page = open_browser()
    open_order(page, order.number, order.holder_document)

    section = page.locator("section[aria-labelledby=h-emissao]")
    assert "Em nome de" in section.inner_text() and order.holder_name in section.inner_text()
    subject = section.locator("code", has_text=certificate.subject)
    assert not subject.is_visible()  # behind "Detalhes técnicos"
    section.get_by_text("Detalhes técnicos").click()
    assert subject.is_visible()
    # The history's dates and "Quando (Brasília)" stay whole at 390 px: one line each.
    set_width(page, 390)
    lines = page.evaluate(
        """() => [...document.querySelectorAll('td.when, th .nowrap, .timeline .when')].map(el => {
          const range = document.createRange(); range.selectNodeContents(el);
          return [el.textContent.trim(), new Set([...range.getClientRects()].map(r => Math.round(r.top))).size];
        })"""
    )
    assert lines and all(count == 1 for _, count in lines), lines  # each on one line, never cut mid-word
    assert not _problems_at_both_widths(page, "order-issued-plain")


def test_the_favicon_is_served(open_browser, live_server):
    page = open_browser()
    response = page.request.get("/favicon.ico")
    assert response.status == 200 and response.headers["content-type"] == "image/x-icon"
    assert response.body()[:4] == b"\x00\x00\x01\x00"  # an ICO header
    page.goto("/")
    assert page.locator("link[rel=icon]").count() == 1
