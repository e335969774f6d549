"""The verification centre in Chromium, at a phone's and a desktop's width: a call of one minute started ten minutes
before its booked time is flagged in the queue and on the review page; approving it without a note is refused next
to the note's field; with the note it goes to the CA. axe-core finds nothing serious, on either state, in what this
page adds to Django's admin — the warnings and the decision form (the admin's own breadcrumbs and links are
Django's, as the other back-office tests hold)."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from orders.catalog import catalog_load
from orders.models import Order, Product
from orders.tests.factories import UserFactory
from scheduling.models import Validation
from scheduling.roles import VERIFIERS_GROUP
from scheduling.services import booking_create
from scheduling.tests.backoffice import FULL_CHECKLIST, gather_evidence, staff
from scheduling.tests.factories import make_agent, ready_order
from tecnosign.audit.models import AuditEvent
from tecnosign.audit.services import Actor

from .browser import AXE_SOURCE, BLOCKING_IMPACTS, WIDTHS, screenshot, set_width
from .steps import admin_login

pytestmark = pytest.mark.browser
NOTE = "A cliente entrou antes do horário; a gravação mostra documento, rosto e ambiente conferidos."
FITS = "el => el.getBoundingClientRect().right <= document.documentElement.clientWidth + 1"


@pytest.fixture
def flagged(ca, clock):
    """Ana's 09:00 call with Maria, started at 08:50 and validated at 08:51; Vitor verifies."""
    catalog_load()
    agent = make_agent("ana.agente", last_name="Agente", email="ana@ts.test")
    verifier = UserFactory(username="vitor.verificador", is_staff=True)
    verifier.groups.add(Group.objects.get(name=VERIFIERS_GROUP))
    order = ready_order(product=Product.objects.get(code="e-cpf-a1-12m"), person_name="Maria da Silva")
    start = timezone.localtime().replace(hour=9, minute=0, second=0, microsecond=0)
    booking = booking_create(order=order, start=start, actor=Actor(label="cliente"))
    clock.move_to(start - timedelta(minutes=10))
    ana = staff(agent)
    assert ana.post(f"/admin/scheduling/booking/{booking.pk}/iniciar/").status_code == 302
    gather_evidence(ana, booking)
    clock.move_to(start - timedelta(minutes=9))
    assert ana.post(f"/admin/scheduling/booking/{booking.pk}/dossie/", FULL_CHECKLIST).status_code == 302
    assert Validation.objects.filter(order=order).exists()
    return order, verifier


SCOPED_AXE = """
async (selectors) => {
  const result = await axe.run({include: selectors.map(s => [s])}, {resultTypes: ['violations']});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 4).map(n => n.target.join(' ')),
  }));
}
"""


def serious(page) -> list[dict]:
    if not page.evaluate("() => typeof axe !== 'undefined'"):
        page.evaluate(AXE_SOURCE.read_text())  # through DevTools: the page's CSP refuses an added <script>
    violations = page.evaluate(SCOPED_AXE, ["#alertas", "#decisao"])
    return [violation for violation in violations if violation["impact"] in BLOCKING_IMPACTS]


def check_both_widths(page, name: str) -> None:
    for width in WIDTHS:
        set_width(page, width)
        screenshot(page, name, width)
        assert page.locator("#alertas").evaluate(FITS), f"the warnings overflow at {width} px"
        assert serious(page) == [], f"axe at {width} px"


def test_the_verifier_sees_the_warnings_and_approves_only_with_a_note(flagged, open_browser, axe_ready):
    order, verifier = flagged
    page = open_browser()
    admin_login(page, verifier.username)

    # The queue: the row says what is odd about the call.
    page.get_by_role("link", name="Central de verificação").first.click()
    row = page.locator("#result_list tbody tr", has_text=order.number)
    assert "início antecipado" in row.inner_text() and "atendimento curto" in row.inner_text()
    assert "1 dossiê aguardando verificação" in page.inner_text("#changelist")

    # The review page: both warnings, in words, above the dossier; the note's field in the form.
    row.get_by_role("link", name="Revisar").click()
    page.wait_for_selector(f"h1:has-text('Verificação do pedido {order.number}')")
    warnings = page.inner_text("#alertas")
    assert re.search(r"Atendimento curto: durou [01] min \d\d s, menos que os 3 minutos", warnings)
    assert "Início antecipado: o atendimento começou às 08:50, 10 min antes do horário marcado (09:00" in warnings
    check_both_widths(page, "admin-verification-warnings")

    # Approving without the note: refused, the error next to the field and announced by it; nothing decided.
    page.check("input[name=outcome][value=verified]")
    page.get_by_role("button", name="Registrar decisão").click()
    note = page.locator("#id_warnings_note")
    note.wait_for()
    assert note.get_attribute("aria-invalid") == "true"
    assert "id_warnings_note_error" in note.get_attribute("aria-describedby").split()
    assert "diga na observação por que" in page.inner_text("#id_warnings_note_error")
    assert Order.objects.get(pk=order.pk).status == Order.Status.VALIDATED
    check_both_widths(page, "admin-verification-warnings-refused")

    # With the note: approved, and the audit event keeps the warnings and the note.
    note.fill(NOTE)
    page.check("input[name=outcome][value=verified]")
    page.get_by_role("button", name="Registrar decisão").click()
    page.wait_for_selector(f"text=Dossiê do pedido {order.number}: decisão registrada.")
    assert Order.objects.get(pk=order.pk).status == Order.Status.RELEASED
    decided = AuditEvent.objects.get(action="verification.decided")
    assert decided.after["warnings"] == ["short", "early"] and decided.after["warnings_note"] == NOTE
