"""The dashboard's tables and their charts: what the page shows and each CSV exports, from the same cells.

A chart is an SVG drawn here (no JavaScript, nothing loaded): horizontal bars, one row per table row, with a
<title> the screen readers announce; the table beside it carries the numbers.
"""

import csv
import io
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from . import selectors

MONTHS = ["jan", "fev", "mar", "abr", "mai", "jun", "jul", "ago", "set", "out", "nov", "dez"]
COLOURS = ["#1f5f8b", "#b5541b"]  # both ≥ 4.5:1 on white


def integer(value: int) -> str:
    return number_format(value, decimal_pos=0, use_l10n=True, force_grouping=True)


def money(value: Decimal) -> str:
    return "R$ " + number_format(value, decimal_pos=2, use_l10n=True, force_grouping=True)


def percent(value: Decimal | None) -> str:
    return "—" if value is None else number_format(value, decimal_pos=1, use_l10n=True) + " %"


def decimal(value: Decimal | None, unit: str = "") -> str:
    return "—" if value is None else number_format(value, decimal_pos=1, use_l10n=True) + unit


@dataclass
class Table:
    key: str
    title: str
    columns: list[str]
    rows: list[list[str]]
    note: str = ""
    chart: SafeString = field(default_factory=lambda: mark_safe(""))

    def csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, delimiter=";")  # the spreadsheets of pt-BR read ';' (the comma is the decimal)
        writer.writerow(self.columns)
        writer.writerows(self.rows)
        return out.getvalue()


def bar_chart(key: str, title: str, labels: list[str], series: list[tuple[str, list[float]]]) -> SafeString:
    """Horizontal bars, one group per label and one bar per series, scaled to the largest value."""
    bar, gap, left, width, right = 14, 10, 190, 600, 70
    group = bar * len(series) + gap
    legend = 24 if len(series) > 1 else 0
    height = legend + group * max(len(labels), 1) + 6
    top = max([v for _, values in series for v in values] + [0]) or 1
    parts = [
        f'<svg class="dashboard-chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="chart-{key}-title" preserveAspectRatio="xMinYMin meet">',
        f'<title id="chart-{key}-title">{escape(title)}</title>',
    ]
    if legend:
        x = left
        for n, (name, _) in enumerate(series):
            parts.append(f'<rect x="{x}" y="4" width="12" height="12" fill="{COLOURS[n % 2]}"/>')
            parts.append(f'<text x="{x + 16}" y="15" font-size="13" fill="#222">{escape(name)}</text>')
            x += 20 + 8 * len(name)
    for i, label in enumerate(labels):
        y0 = legend + i * group
        parts.append(
            f'<text x="{left - 6}" y="{y0 + bar * len(series) / 2 + 5:.0f}" font-size="13" text-anchor="end" '
            f'fill="#222">{escape(label[:28])}</text>'
        )
        for n, (_, values) in enumerate(series):
            value = values[i]
            length = (width - left - right) * value / top
            y = y0 + n * bar
            parts.append(f'<rect x="{left}" y="{y}" width="{length:.1f}" height="{bar - 2}" fill="{COLOURS[n % 2]}"/>')
            shown = number_format(value, decimal_pos=0 if float(value).is_integer() else 1, use_l10n=True)
            parts.append(
                f'<text x="{left + length + 4:.1f}" y="{y + bar - 3}" font-size="12" fill="#222">{shown}</text>'
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 (every text escaped above, numbers formatted here)


def month_label(month) -> str:
    return f"{MONTHS[month.month - 1]}/{month.year}"


def _funnel(filters: selectors.Filters) -> list[Table]:
    tables = []
    steps = selectors.funnel(filters)
    funnel = Table(
        "funil",
        "Funil: das visitas aos links ao certificado emitido",
        ["Etapa", "Quantidade", "Conversão da etapa anterior"],
        [[s.label, integer(s.count), percent(s.conversion)] for s in steps],
        note="Pedidos criados no período, pela etapa mais adiantada que a situação atual comprova (cancelados e "
        "suspensos contam só como pedidos). As visitas são o contador dos links, sem data: o total acumulado.",
    )
    funnel.chart = bar_chart(funnel.key, funnel.title, [s.label for s in steps], [("", [s.count for s in steps])])
    tables.append(funnel)
    return tables


def _money(filters: selectors.Filters) -> list[Table]:
    tables = []
    months, top = selectors.money(filters)
    revenue = Table(
        "receita",
        "Receita e comissões dos parceiros por mês",
        ["Mês", "Pagamentos", "Recebido", "Comissões"],
        [[month_label(m.month), integer(m.payments), money(m.revenue), money(m.commissions)] for m in months],
        note="Recebido: pagamentos confirmados no mês (devolvidos depois ou não). Comissões: lançadas no mês, "
        "estornos descontados.",
    )
    revenue.chart = bar_chart(
        revenue.key,
        revenue.title,
        [month_label(m.month) for m in months],
        [
            ("Recebido (R$)", [float(m.revenue) for m in months]),
            ("Comissões (R$)", [float(m.commissions) for m in months]),
        ],
    )
    tables.append(revenue)

    partners = Table(
        "parceiros",
        "Parceiros que mais venderam",
        ["Parceiro", "Pagamentos", "Recebido", "Comissões"],
        [[p.name, integer(p.payments), money(p.revenue), money(p.commissions)] for p in top],
    )
    partners.chart = bar_chart(
        partners.key, partners.title, [p.name for p in top], [("Recebido (R$)", [float(p.revenue) for p in top])]
    )
    tables.append(partners)
    return tables


def _handoff(filters: selectors.Filters) -> list[Table]:
    tables = []
    h = selectors.handoff(filters)
    handoff = Table(
        "ac",
        f"Liberação pela AC: o prazo de {h.promise_hours} h",
        ["Indicador", "Valor"],
        [
            ["Entregues à AC", integer(h.submitted)],
            ["Liberados", integer(h.released)],
            [f"Liberados em até {h.promise_hours} h", integer(h.on_time)],
            ["Liberados no prazo (%)", percent(h.on_time_rate)],
            ["Liberados com atraso", integer(h.released_late)],
            ["Na AC com o prazo vencido", integer(h.open_overdue)],
            ["Na AC dentro do prazo", integer(h.open_in_time)],
            ["Recusados pela AC", integer(h.rejected)],
            ["Prazo estourado (total)", integer(h.breaches)],
            ["Tempo médio até a liberação", decimal(h.average_hours, " h")],
            ["Maior tempo até a liberação", decimal(h.longest_hours, " h")],
        ],
        note="Pedidos entregues à AC no período.",
    )
    handoff.chart = bar_chart(
        handoff.key,
        f"Tempo até a liberação pela AC (prazo: {h.promise_hours} h)",
        [label for label, _ in h.buckets],
        [("", [n for _, n in h.buckets])],
    )
    tables.append(handoff)
    return tables


def _agents(filters: selectors.Filters) -> list[Table]:
    tables = []
    people = selectors.agents(filters)
    agents = Table(
        "agentes",
        "Agentes de registro",
        [
            "Agente",
            "Videoconferências",
            "Validações",
            "Validadas",
            "Duração média",
            "Cliente faltou",
            "Agente faltou/atrasou",
            "Ocupação das horas",
        ],
        [
            [
                a.name,
                integer(a.bookings),
                integer(a.validations),
                integer(a.validated),
                decimal(a.average_minutes, " min"),
                integer(a.customer_no_shows),
                integer(a.agent_no_shows),
                percent(a.utilisation),
            ]
            for a in people
        ],
        note="Ocupação: minutos agendados sobre os minutos da grade semanal do agente no período (folgas e "
        "horários extras não entram).",
    )
    agents.chart = bar_chart(
        agents.key,
        "Videoconferências e validações por agente",
        [a.name for a in people],
        [("Videoconferências", [a.bookings for a in people]), ("Validações", [a.validations for a in people])],
    )
    tables.append(agents)
    return tables


def _payments(filters: selectors.Filters) -> list[Table]:
    tables = []
    methods = selectors.payments_by_method(filters)
    payments = Table(
        "pagamentos",
        "Pagamentos por forma",
        ["Forma", "Cobranças", "Pagas", "Expiradas", "Recusadas", "Aguardando", "Recebido", "Taxa de expiração"],
        [
            [
                m.label,
                integer(m.charges),
                integer(m.paid),
                integer(m.expired),
                integer(m.failed),
                integer(m.pending),
                money(m.paid_amount),
                percent(m.expiry_rate),
            ]
            for m in methods
        ],
        note="Cobranças criadas no período (as substituídas por outra forma não entram). "
        "Cartão não expira: é recusado.",
    )
    payments.chart = bar_chart(
        payments.key,
        payments.title,
        [m.label for m in methods],
        [("Pagas", [m.paid for m in methods]), ("Expiradas", [m.expired for m in methods])],
    )
    tables.append(payments)
    return tables


# Each section's builder, by the keys of the tables it makes (money makes two from one pair of queries).
SECTIONS = [
    (("funil",), _funnel),
    (("receita", "parceiros"), _money),
    (("ac",), _handoff),
    (("agentes",), _agents),
    (("pagamentos",), _payments),
]
KEYS = [key for keys, _ in SECTIONS for key in keys]


def build(filters: selectors.Filters, only: str | None = None) -> list[Table]:
    """Every table of the page, in order; with `only`, just what that table needs (a CSV export)."""
    return [table for keys, make in SECTIONS if only is None or only in keys for table in make(filters)]
