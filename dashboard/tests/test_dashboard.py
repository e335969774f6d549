"""The management dashboard, as its readers use it: /admin/painel/ with a period and a partner, every figure
checked against the hand-counted data set of seed.py, each CSV against its table, and the door closed to
everyone but the management and superusers."""

import csv
import io
from datetime import date, datetime, timedelta
from html.parser import HTMLParser

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orders.tests.factories import UserFactory
from scheduling.roles import MANAGERS_GROUP, SUPPORT_GROUP
from tecnosign.tests.auth import staff_login

from .seed import BRASILIA, grow, seed

pytestmark = pytest.mark.django_db
URL = "/admin/painel/"
PERIOD = {"start": "2026-09-01", "end": "2026-11-30"}
KEYS = ["funil", "receita", "parceiros", "ac", "agentes", "pagamentos"]


class Tables(HTMLParser):
    """The page's tables by id: each row as the list of its cells' text (header row included)."""

    def __init__(self, html: str):
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._table = self._row = self._cell = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and attrs.get("id", "").startswith("table-"):
            self._table = self.tables.setdefault(attrs["id"][len("table-") :], [])
        elif tag == "tr" and self._table is not None:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self._table.append(self._row)
            self._row = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def staff_in(group: str | None, **fields):
    user = UserFactory(is_staff=True, **fields)
    if group:
        user.groups.add(Group.objects.get_or_create(name=group)[0])
    return user


@pytest.fixture
def data():
    return seed()


@pytest.fixture
def manager_client():
    return staff_login(None, staff_in(MANAGERS_GROUP))


def page(client, **params) -> dict[str, list[list[str]]]:
    response = client.get(URL, params)
    assert response.status_code == 200
    return Tables(response.content.decode())


def rows(tables, key) -> dict[str, list[str]]:
    """A table's body rows by their first cell."""
    return {row[0]: row[1:] for row in tables.tables[key][1:]}


def weekdays(start: date, end: date) -> int:
    return sum((start + timedelta(days=i)).weekday() < 5 for i in range((end - start).days + 1))


def test_every_figure_matches_the_seeded_data(data, manager_client):
    tables = page(manager_client, **PERIOD)
    assert set(tables.tables) == set(KEYS)

    assert rows(tables, "funil") == {
        "Visitas aos links (total acumulado)": ["150", "—"],
        "Pedidos": ["12", "8,0 %"],
        "Pagos": ["9", "75,0 %"],
        "Documentos enviados": ["8", "88,9 %"],
        "Videoconferência agendada": ["7", "87,5 %"],
        "Identidade validada": ["4", "57,1 %"],
        "Certificado emitido": ["3", "75,0 %"],
    }
    assert rows(tables, "receita") == {
        "set/2026": ["2", "R$ 319,80", "R$ 31,98"],
        "out/2026": ["5", "R$ 799,50", "R$ 79,95"],
        "nov/2026": ["2", "R$ 319,80", "R$ -15,99"],
    }
    assert tables.tables["parceiros"][1:] == [
        ["Alfa Contabilidade", "5", "R$ 799,50", "R$ 63,96"],
        ["Beta Assessoria", "2", "R$ 319,80", "R$ 31,98"],
    ]
    assert rows(tables, "ac") == {
        "Entregues à AC": ["4"],
        "Liberados": ["3"],
        "Liberados em até 24 h": ["2"],
        "Liberados no prazo (%)": ["66,7 %"],
        "Liberados com atraso": ["1"],
        "Na AC com o prazo vencido": ["1"],
        "Na AC dentro do prazo": ["0"],
        "Recusados pela AC": ["0"],
        "Prazo estourado (total)": ["2"],
        "Tempo médio até a liberação": ["18,3 h"],
        "Maior tempo até a liberação": ["30,0 h"],
    }
    hours = 8 * 60 * weekdays(date(2026, 9, 1), date(2026, 11, 30))  # make_agent: Mon–Fri, 9–12 and 13–18
    share = lambda minutes: f"{round(minutes * 100 / hours, 1):.1f}".replace(".", ",") + " %"  # noqa: E731
    assert tables.tables["agentes"][1:] == [
        ["Xavier Souza", "3", "2", "1", "25,0 min", "1", "0", share(90)],
        ["Yara Lima", "1", "1", "1", "10,0 min", "0", "1", share(30)],
    ]
    assert rows(tables, "pagamentos") == {
        "PIX": ["6", "5", "1", "0", "0", "R$ 799,50", "16,7 %"],
        "Boleto": ["4", "2", "1", "0", "1", "R$ 319,80", "25,0 %"],
        "Cartão de crédito": ["2", "2", "0", "0", "0", "R$ 319,80", "—"],
    }


def test_each_chart_is_an_svg_with_a_title_beside_its_table(data, manager_client):
    html = manager_client.get(URL, PERIOD).content.decode()
    for key in KEYS:
        assert f'aria-labelledby="chart-{key}-title"' in html
        assert f'<title id="chart-{key}-title">' in html
        assert f'id="table-{key}"' in html
    assert "<script" not in html.split('id="content-main"')[1]  # no charting library: the SVG is the chart


def test_the_partner_filter(data, manager_client):
    tables = page(manager_client, partner=data["partner_a"].pk, **PERIOD)
    assert rows(tables, "funil") == {
        "Visitas aos links (total acumulado)": ["100", "—"],
        "Pedidos": ["7", "7,0 %"],
        "Pagos": ["5", "71,4 %"],
        "Documentos enviados": ["4", "80,0 %"],
        "Videoconferência agendada": ["4", "100,0 %"],
        "Identidade validada": ["2", "50,0 %"],
        "Certificado emitido": ["2", "100,0 %"],
    }
    assert tables.tables["parceiros"][1:] == [["Alfa Contabilidade", "5", "R$ 799,50", "R$ 63,96"]]
    assert rows(tables, "pagamentos")["PIX"] == ["4", "3", "1", "0", "0", "R$ 479,70", "25,0 %"]
    assert [row[0] for row in tables.tables["agentes"][1:]] == ["Xavier Souza"]
    assert rows(tables, "ac")["Entregues à AC"] == ["2"]


def test_the_period_filter(data, manager_client):
    tables = page(manager_client, start="2026-08-01", end="2026-08-31")
    assert rows(tables, "funil")["Pedidos"] == ["1", "0,7 %"]
    assert rows(tables, "funil")["Certificado emitido"] == ["1", "100,0 %"]
    assert rows(tables, "receita") == {"ago/2026": ["1", "R$ 159,90", "R$ 15,99"]}
    assert rows(tables, "ac")["Liberados em até 24 h"] == ["1"]
    assert [row[0] for row in tables.tables["agentes"][1:]] == ["Yara Lima"]
    # A period the wrong way round is refused, and the page falls back to the default period.
    response = manager_client.get(URL, {"start": "2026-10-01", "end": "2026-09-01"})
    assert response.status_code == 200
    assert "O início do período vem depois do fim." in response.content.decode()
    # A partner that is not one is refused with the field's error; the page shows the default view (every partner,
    # this month and the five before: on 4 December, August's order too).
    with time_machine.travel(datetime(2026, 12, 4, 12, tzinfo=BRASILIA), tick=False):
        response = manager_client.get(URL, {"partner": "999999", **PERIOD})
    assert 'id="id_partner-errors"' in response.content.decode()
    assert rows(Tables(response.content.decode()), "funil")["Pedidos"] == ["13", "8,7 %"]


def test_each_csv_matches_its_table(data, manager_client):
    params = {"partner": data["partner_b"].pk, **PERIOD}
    tables = page(manager_client, **params)
    for key in KEYS:
        response = manager_client.get(URL, {**params, "csv": key})
        assert response.status_code == 200
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert f'filename="painel-{key}-2026-09-01-2026-11-30.csv"' in response["Content-Disposition"]
        text = response.content.decode("utf-8-sig")
        assert list(csv.reader(io.StringIO(text), delimiter=";")) == tables.tables[key], key
    assert manager_client.get(URL, {"csv": "nada"}).status_code == 404


def test_support_agents_and_strangers_are_refused(data, client):
    for user in [staff_in(SUPPORT_GROUP), staff_in("agents"), staff_in(None)]:
        staff = staff_login(None, user)
        assert staff.get(URL, PERIOD).status_code == 403
        assert staff.get(URL, {**PERIOD, "csv": "receita"}).status_code == 403
        assert "Painel da gerência" not in staff.get("/admin/").content.decode()
    anonymous = client.get(URL, {"csv": "receita"})
    assert anonymous.status_code == 302 and "/admin/login/" in anonymous["Location"]


def test_managers_and_superusers_find_it_on_the_admin_home(manager_client):
    assert 'href="/admin/painel/"' in manager_client.get("/admin/").content.decode()
    superuser = staff_login(None, staff_in(None, is_superuser=True))
    assert 'href="/admin/painel/"' in superuser.get("/admin/").content.decode()
    assert superuser.get(URL).status_code == 200


def test_the_query_count_does_not_grow_with_the_data(data, manager_client, django_assert_num_queries):
    manager_client.get(URL, PERIOD)  # warm: the session, the content types
    with CaptureQueriesContext(connection) as small:
        page(manager_client, **PERIOD)
    grow(data, 40)
    with django_assert_num_queries(len(small.captured_queries)):
        tables = page(manager_client, **PERIOD)
    assert rows(tables, "funil")["Pedidos"] == ["52", "34,7 %"]  # the grown rows are there
    assert len(tables.tables["agentes"]) == 1 + 3
