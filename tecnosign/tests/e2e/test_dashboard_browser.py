"""The management dashboard in Chromium at 390 and 1280 px: a manager signs in (password and second factor),
follows the admin home's link, and the page passes the layout, form and axe checks at both widths (screenshots
into ARTIFACTS_DIR); the partner filter and a CSV download work from the browser."""

import csv
import io
from pathlib import Path

import pytest
from django.contrib.auth.models import Group

from dashboard.tests.seed import seed
from orders.tests.factories import UserFactory
from scheduling.roles import MANAGERS_GROUP, ensure_roles

from .browser import inspect_page, screenshot, set_width
from .steps import admin_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_manager_reads_the_dashboard(clock, open_browser, axe_ready):
    data = seed()
    ensure_roles()
    manager = UserFactory(username="gerente@exemplo.com.br", first_name="Gina", is_staff=True)
    manager.groups.add(Group.objects.get(name=MANAGERS_GROUP))
    page = open_browser()
    admin_login(page, manager.username)
    page.get_by_role("link", name="Painel da gerência").click()
    page.wait_for_selector("h1:has-text('Painel da gerência')")
    url = page.url
    # The default period is in the date fields (1 December: this month and the five before).
    assert (page.input_value("#id_start"), page.input_value("#id_end")) == ("2026-07-01", "2026-12-01")
    for key in ("funil", "receita", "parceiros", "ac", "agentes", "pagamentos"):
        assert page.locator(f"#{key} svg[role=img] title").count() == 1
        assert page.locator(f"#table-{key}").is_visible()

    report = inspect_page(page, "dashboard", primary="input[type=submit][value=Aplicar]", reopen=lambda: page.goto(url))
    report.assert_clean()

    page.goto(url)
    set_width(page, 1280)
    page.select_option("#id_partner", str(data["partner_a"].pk))
    page.get_by_role("button", name="Aplicar").click()
    page.wait_for_url(f"**partner={data['partner_a'].pk}**")
    funnel = page.locator("#table-funil tbody tr").all_inner_texts()
    assert funnel[0].split("\t")[:2] == ["Visitas aos links (total acumulado)", "100"]
    assert page.locator("#table-parceiros tbody tr").count() == 1
    screenshot(page, "dashboard-partner", 1280)

    with page.expect_download() as download:
        page.get_by_role("link", name="Exportar “Parceiros que mais venderam” em CSV").click()
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    # The default period (this month and the five before; the clock says 1 December) takes in August's order too.
    assert list(csv.reader(io.StringIO(text), delimiter=";"))[1] == ["Alfa Contabilidade", "6", "R$ 959,40", "R$ 79,95"]
