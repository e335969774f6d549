"""Reconciliation: the portal's charges, payments and refunds beside each gateway's own statement, per Brasília day,
with every disagreement listed for staff."""

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from ..models import Payment, Refund
from ..payments.gateways import GatewayUnavailable, configured_gateway_names, get_gateway

ZERO = Decimal("0.00")
PAID_OR_AFTER = (Payment.Status.PAID, Payment.Status.REFUNDED)


@dataclass
class Figure:
    count: int = 0
    total: Decimal = ZERO

    def add(self, amount: Decimal | None) -> None:
        self.count += 1
        self.total += amount or ZERO


@dataclass
class DayRow:
    day: date
    gateway: str
    created: Figure = field(default_factory=Figure)
    expired: Figure = field(default_factory=Figure)
    paid: Figure = field(default_factory=Figure)
    refunded: Figure = field(default_factory=Figure)
    gateway_paid: Figure = field(default_factory=Figure)
    gateway_refunded: Figure = field(default_factory=Figure)

    @property
    def agrees(self) -> bool:
        return self.paid == self.gateway_paid and self.refunded == self.gateway_refunded


@dataclass(frozen=True)
class Mismatch:
    day: date
    gateway: str
    charge_id: str
    problem: str
    portal_amount: Decimal | None
    gateway_amount: Decimal | None
    order_number: str = ""


@dataclass
class Report:
    start: date
    end: date
    rows: list[DayRow]
    mismatches: list[Mismatch]
    unavailable: list[str]


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    return (
        timezone.make_aware(datetime.combine(start, time.min)),
        timezone.make_aware(datetime.combine(end + timedelta(days=1), time.min)),
    )


def _day(moment: datetime) -> date:
    return timezone.localdate(moment)


def reconciliation_report(*, start: date, end: date) -> Report:
    """Per day (Brasília) and gateway, from `start` to `end` inclusive: charges created and expired, payments and
    refunds as the portal has them beside the gateway's statement (`settlements`), and every mismatch."""
    since, until = _bounds(start, end)
    rows: dict[tuple[date, str], DayRow] = {}

    def row(day: date, gateway: str) -> DayRow:
        return rows.setdefault((day, gateway), DayRow(day, gateway))

    payments = Payment.objects.select_related("order")
    for payment in payments.filter(created_at__gte=since, created_at__lt=until):
        row(_day(payment.created_at), payment.gateway).created.add(payment.amount)
    for payment in payments.filter(status=Payment.Status.EXPIRED, expires_at__gte=since, expires_at__lt=until):
        row(_day(payment.expires_at), payment.gateway).expired.add(payment.amount)
    portal_paid = {
        (p.gateway, p.charge_id): p
        for p in payments.filter(status__in=PAID_OR_AFTER, paid_at__gte=since, paid_at__lt=until)
    }
    for payment in portal_paid.values():
        row(_day(payment.paid_at), payment.gateway).paid.add(payment.paid_amount)
    portal_refunds = {}
    done = Refund.objects.select_related("payment__order").filter(
        status=Refund.Status.DONE, done_at__gte=since, done_at__lt=until
    )
    for refund in done.exclude(provider_refund_id=""):  # a manual transfer never appears in the gateway's statement
        portal_refunds[(refund.payment.gateway, refund.refund_id)] = refund
        row(_day(refund.done_at), refund.payment.gateway).refunded.add(refund.amount)

    gateways = configured_gateway_names() | {gateway for _, gateway in rows}
    mismatches: list[Mismatch] = []
    unavailable: list[str] = []
    for name in sorted(gateways):
        try:
            lines = get_gateway(name).settlements(start=since, end=until)
        except GatewayUnavailable:
            unavailable.append(name)
            continue
        seen_paid, seen_refunds = set(), set()
        for line in lines:
            day = _day(line.occurred_at)
            if line.kind == "payment":
                row(day, name).gateway_paid.add(line.amount)
                seen_paid.add(line.charge_id)
                payment = portal_paid.get((name, line.charge_id))
                if payment is None:
                    known = Payment.objects.filter(gateway=name, charge_id=line.charge_id).select_related("order")
                    known = known.first()
                    mismatches.append(
                        Mismatch(
                            day,
                            name,
                            line.charge_id,
                            "Pago no gateway, não no portal",
                            known.paid_amount if known else None,
                            line.amount,
                            known.order.number if known else "",
                        )
                    )
                elif payment.paid_amount != line.amount:
                    mismatches.append(
                        Mismatch(
                            day,
                            name,
                            line.charge_id,
                            "Valor pago diferente",
                            payment.paid_amount,
                            line.amount,
                            payment.order.number,
                        )
                    )
            elif line.kind == "refund":
                row(day, name).gateway_refunded.add(line.amount)
                refund = portal_refunds.get((name, line.provider_id)) or next(
                    (
                        r
                        for (g, _), r in portal_refunds.items()
                        if g == name and r.provider_refund_id == line.provider_id
                    ),
                    None,
                )
                if refund is None:
                    mismatches.append(
                        Mismatch(day, name, line.charge_id, "Devolução no gateway, não no portal", None, line.amount)
                    )
                    continue
                seen_refunds.add(refund.pk)
                if refund.amount != line.amount:
                    mismatches.append(
                        Mismatch(
                            day,
                            name,
                            line.charge_id,
                            "Valor devolvido diferente",
                            refund.amount,
                            line.amount,
                            refund.payment.order.number,
                        )
                    )
        for (gateway, charge_id), payment in portal_paid.items():
            if gateway == name and charge_id not in seen_paid:
                mismatches.append(
                    Mismatch(
                        _day(payment.paid_at),
                        name,
                        charge_id,
                        "Pago no portal, ausente no gateway",
                        payment.paid_amount,
                        None,
                        payment.order.number,
                    )
                )
        for (gateway, _), refund in portal_refunds.items():
            if gateway == name and refund.pk not in seen_refunds:
                mismatches.append(
                    Mismatch(
                        _day(refund.done_at),
                        name,
                        refund.payment.charge_id,
                        "Devolução no portal, ausente no gateway",
                        refund.amount,
                        None,
                        refund.payment.order.number,
                    )
                )
    ordered = [rows[key] for key in sorted(rows)]
    mismatches.sort(key=lambda m: (m.day, m.gateway, m.charge_id))
    return Report(start, end, ordered, mismatches, unavailable)


def reconciliation_csv(report: Report) -> str:
    """The same report as CSV (one section of day rows, one of mismatches), for the finance team's spreadsheet."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "dia",
            "gateway",
            "criadas",
            "criadas_valor",
            "expiradas",
            "expiradas_valor",
            "pagas_portal",
            "pagas_portal_valor",
            "pagas_gateway",
            "pagas_gateway_valor",
            "devolvidas_portal",
            "devolvidas_portal_valor",
            "devolvidas_gateway",
            "devolvidas_gateway_valor",
            "confere",
        ]
    )
    for r in report.rows:
        writer.writerow(
            [
                r.day.isoformat(),
                r.gateway,
                *(
                    value
                    for figure in (r.created, r.expired, r.paid, r.gateway_paid, r.refunded, r.gateway_refunded)
                    for value in (figure.count, f"{figure.total:.2f}")
                ),
                "sim" if r.agrees else "não",
            ]
        )
    writer.writerow([])
    writer.writerow(["divergencia_dia", "gateway", "cobranca", "pedido", "problema", "valor_portal", "valor_gateway"])
    for m in report.mismatches:
        writer.writerow(
            [
                m.day.isoformat(),
                m.gateway,
                m.charge_id,
                m.order_number,
                m.problem,
                "" if m.portal_amount is None else f"{m.portal_amount:.2f}",
                "" if m.gateway_amount is None else f"{m.gateway_amount:.2f}",
            ]
        )
    return out.getvalue()
