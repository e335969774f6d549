"""A small, hand-counted data set for the dashboard's tests (every expected figure is worked out in
test_dashboard.py from this file), and `grow()` to add rows of every kind for the query-count test."""

from datetime import datetime, timedelta
from decimal import Decimal
from itertools import count
from zoneinfo import ZoneInfo

from issuance.models import IssuanceRequest
from orders.models import CommissionEntry, Order, Payment, ReferralLink
from orders.tests.factories import LinkFactory, ProductFactory, order_row
from scheduling.models import Booking
from scheduling.tests.factories import booking_row, make_agent, validation_row

BRASILIA = ZoneInfo("America/Sao_Paulo")
PRICE = Decimal("159.90")
COMMISSION = Decimal("15.99")
_numbers = count(7_000)
_charges = count(1)


def at(month: int, day: int, hour: int = 10, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, tzinfo=BRASILIA)


def orders(product, link, status_list, created_at) -> list[Order]:
    rows = [
        order_row(
            next(_numbers),
            product=product,
            link=link,
            partner=link.partner if link else None,
            status=status,
            created_at=created_at,
        )
        for status in status_list
    ]
    return Order.objects.bulk_create(rows)


def pay(order, method, status, when, amount=PRICE) -> Payment:
    paid = status in ("paid", "refunded")
    return Payment.objects.create(
        order=order,
        method=method,
        gateway="sandbox",
        charge_id=f"dash-{next(_charges)}",
        amount=amount,
        status=status,
        created_at=when,
        paid_at=when if paid else None,
        paid_amount=amount if paid else None,
    )


def commission(order, when, kind="accrual") -> CommissionEntry:
    amount = COMMISSION if kind == "accrual" else -COMMISSION
    return CommissionEntry.objects.create(
        partner=order.partner, order=order, kind=kind, base_amount=PRICE, percent=10, amount=amount, created_at=when
    )


def handed_off(order, submitted, released_after_hours=None) -> IssuanceRequest:
    released = released_after_hours is not None
    return IssuanceRequest.objects.create(
        order=order,
        backend="local",
        status=IssuanceRequest.Status.RELEASED if released else IssuanceRequest.Status.SUBMITTED,
        submitted_at=submitted,
        sla_deadline=submitted + timedelta(hours=24),
        external_reference=f"AC-{order.pk}",
        released_at=submitted + timedelta(hours=released_after_hours) if released else None,
    )


def appointment(order, agent, starts, *, status="completed", outcome="validated", seconds=None, **extra) -> Booking:
    booking = Booking.objects.bulk_create(
        [
            booking_row(
                order_id=order.pk,
                agent=agent,
                attendee_cpf=order.person_cpf,
                starts_at=starts,
                status=status,
                outcome=outcome if status == "completed" else ("customer_no_show" if status == "no_show" else ""),
                started_at=starts if status == "completed" else None,
                started_by=agent if status == "completed" else None,
                finished_at=starts + timedelta(minutes=20) if status in ("completed", "no_show") else None,
                **extra,
            )
        ]
    )[0]
    if seconds is not None:
        validation = validation_row(booking)
        validation.outcome = outcome
        if outcome == "rejected":
            validation.reject_reason = "document_invalid"
        validation.duration_seconds = seconds
        validation.save()
    return booking


def seed() -> dict:
    product = ProductFactory()
    link_a = LinkFactory(partner__name="Alfa Contabilidade")
    link_b = LinkFactory(partner__name="Beta Assessoria")
    ReferralLink.objects.filter(pk=link_a.pk).update(visits=100)
    ReferralLink.objects.filter(pk=link_b.pk).update(visits=50)
    a_sep = orders(product, link_a, ["issued", "issued", "awaiting_payment", "cancelled"], at(9, 10, 9))
    a_oct = orders(product, link_a, ["paid", "scheduled", "rejected"], at(10, 5, 9))
    b_oct = orders(product, link_b, ["issued", "validated", "payment_expired"], at(10, 20, 9))
    direct = orders(product, None, ["documents_received", "no_show"], at(11, 3, 9))
    august = orders(product, link_a, ["issued"], at(8, 15, 9))  # outside the tests' period

    pay(a_sep[0], "pix", "paid", at(9, 10))
    pay(a_sep[1], "boleto", "paid", at(9, 12))
    pay(a_sep[2], "boleto", "pending", at(9, 10))
    pay(a_sep[3], "pix", "cancelled", at(9, 10))  # replaced: not a charge of the period
    pay(a_oct[0], "card", "paid", at(10, 5))
    pay(a_oct[1], "pix", "expired", at(10, 5))
    pay(a_oct[1], "pix", "paid", at(10, 6))
    pay(a_oct[2], "pix", "paid", at(10, 5))
    pay(b_oct[0], "boleto", "paid", at(10, 21))
    pay(b_oct[1], "pix", "paid", at(10, 20))
    pay(b_oct[2], "boleto", "expired", at(10, 20))
    pay(direct[0], "card", "paid", at(11, 3))
    pay(direct[1], "pix", "paid", at(11, 4))
    pay(august[0], "pix", "paid", at(8, 15))

    commission(a_sep[0], at(9, 10))
    commission(a_sep[1], at(9, 12))
    commission(a_oct[0], at(10, 5))
    commission(a_oct[1], at(10, 6))
    commission(a_oct[2], at(10, 5))
    commission(a_oct[2], at(11, 10), kind="reversal")
    commission(b_oct[0], at(10, 21))
    commission(b_oct[1], at(10, 20))
    commission(august[0], at(8, 15))

    handed_off(a_sep[0], at(9, 10, 10), released_after_hours=5)
    handed_off(a_sep[1], at(9, 12, 10), released_after_hours=30)
    handed_off(b_oct[0], at(10, 21, 10), released_after_hours=20)
    handed_off(b_oct[1], at(11, 29, 12))  # still at the CA, its deadline long past
    handed_off(august[0], at(8, 15, 10), released_after_hours=2)

    xavier = make_agent("xavier", last_name="Souza")
    yara = make_agent("yara", last_name="Lima")
    appointment(a_sep[0], xavier, at(9, 9, 10), seconds=1200)
    appointment(a_oct[2], xavier, at(10, 4, 10), outcome="rejected", seconds=1800)
    appointment(a_oct[1], xavier, at(10, 7, 10), status="no_show")
    appointment(b_oct[0], yara, at(10, 20, 10), seconds=600, agent_late_at=at(10, 20, 10) + timedelta(minutes=5))
    appointment(b_oct[1], yara, at(10, 21, 10), status="cancelled", closed_at=at(10, 21, 8))
    appointment(august[0], yara, at(8, 14, 10), seconds=900)
    return {
        "partner_a": link_a.partner,
        "partner_b": link_b.partner,
        "xavier": xavier,
        "yara": yara,
        "product": product,
        "link_a": link_a,
    }


def grow(data: dict, n: int) -> None:
    """n more orders of the period, each paid, commissioned, booked, validated and handed to the CA, under a new
    partner and a new agent: more rows of every kind and more groups in every GROUP BY."""
    link = LinkFactory(partner__name=f"Gama {n}")
    agent = make_agent(f"gama{n}@exemplo.com.br")
    rows = orders(data["product"], link, ["issued"] * n, at(10, 1, 9))
    for i, order in enumerate(rows):
        when = at(10, 1 + i % 28, 8) + timedelta(minutes=i)
        pay(order, ["pix", "boleto", "card"][i % 3], "paid", when)
        commission(order, when)
        appointment(order, agent, at(10, 1, 7) + timedelta(minutes=30 * i), seconds=900)
        handed_off(order, when, released_after_hours=i % 30)
