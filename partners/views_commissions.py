"""The partner's monthly commission statement, as a page and as CSV."""

from django.core.exceptions import ValidationError
from django.http import HttpResponseBadRequest
from django.shortcuts import render
from django.utils import timezone

from .csv_export import csv_response
from .decorators import partner_view
from .forms import parse_month
from .selectors import commission_months, commission_statement, month_start


def _month(raw: str | None):
    if not raw:
        return month_start(timezone.localdate()), None
    try:
        return parse_month(raw), None
    except ValidationError as error:
        return month_start(timezone.localdate()), error.messages[0]


@partner_view(approved=False)
def statement(request, partner):
    month, error = _month(request.GET.get("mes"))
    context = {
        "partner": partner,
        "statement": commission_statement(partner, month),
        "months": commission_months(partner),
        "error": error,
    }
    return render(request, "partners/commissions.html", context, status=400 if error else 200)


@partner_view(approved=False)
def statement_csv(request, partner, month: str):
    try:
        parsed = parse_month(month)
    except ValidationError as error:
        return HttpResponseBadRequest(error.messages[0])
    data = commission_statement(partner, parsed)
    header = ["Data", "Tipo", "Pedido", "Titular", "Valor do pedido (R$)", "Percentual (%)", "Comissão (R$)", "Motivo"]
    rows = [
        [
            entry.created_at,
            entry.get_kind_display(),
            entry.order.number,
            entry.order.holder_name,
            entry.base_amount,
            entry.percent,
            entry.amount,
            entry.reason,
        ]
        for entry in data.entries
    ]
    rows += [
        [],
        ["", "Total de comissões", "", "", "", "", data.accrued, ""],
        ["", "Total de estornos", "", "", "", "", data.reversed, ""],
        ["", "Saldo do mês", "", "", "", "", data.net, "pago" if data.payout else ""],
    ]
    return csv_response(f"comissoes-{parsed:%Y-%m}.csv", header, rows)
