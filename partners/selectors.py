"""Reads of the partner portal and API: the partner's orders in words, link numbers, the commission statement.

Every function takes the partner and filters by it first: a partner never reads another partner's rows.
"""

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import formats, timezone

from orders.models import CommissionEntry, Order, Partner, ReferralLink
from scheduling.selectors import order_booking_facts

from .models import CommissionPayout

S = Order.Status

# What a partner may read of an order: never the password hashes, never documents.
ORDER_FIELDS = (
    "id",
    "number",
    "status",
    "status_changed_at",
    "created_at",
    "person_name",
    "person_cpf",
    "company_name",
    "cnpj",
    "email",
    "mobile",
    "list_price",
    "discount",
    "price",
    "commission_percent",
    "partner_id",
    "link__id",
    "link__code",
    "link__name",
    "product__id",
    "product__code",
    "product__name",
)

# The state of an order as a partner reads it on the dashboard, the CSV and the API.
STATE_TEXT = {
    S.AWAITING_HOLDER: "aguardando confirmação do cliente — link enviado ao e-mail dele",
    S.AWAITING_PAYMENT: "aguardando pagamento",
    S.PAYMENT_EXPIRED: "pagamento expirado — gerar nova cobrança",
    S.PAID: "pago — aguardando documentos",
    S.DOCUMENTS_RECEIVED: "documentos recebidos — aguardando agendamento",
    S.SCHEDULED: "videoconferência agendada",
    S.NO_SHOW: "não compareceu — reagendar a videoconferência",
    S.VALIDATED: "identidade validada — na central de verificação",
    S.VERIFIED: "aprovado — aguardando liberação (até 24 h)",
    S.RELEASED: "liberado — aguardando a emissão pelo cliente",
    S.ISSUED: "certificado emitido",
    S.REJECTED: "validação recusada — aguardando novo documento",
    S.CANCELLED: "cancelado",
    S.REVOKED: "certificado revogado",
    S.BLOCKED: "suspenso — o cliente deve falar com o suporte da TecnoSign",
}


def partner_of(user) -> Partner | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Partner.objects.filter(user=user).first()


# --- Orders ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrderFilters:
    status: str = ""
    created_from: date | None = None
    created_to: date | None = None
    link_id: int | None = None
    query: str = ""


def _local_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _search(query: str) -> Q:
    compact = "".join(ch for ch in query if ch.isalnum()).upper()
    condition = Q(person_name__icontains=query) | Q(company_name__icontains=query) | Q(number__iexact=compact)
    if len(compact) >= 3 and any(ch.isdigit() for ch in compact):
        condition |= Q(person_cpf__contains=compact) | Q(cnpj__contains=compact)
    return condition


def partner_orders(partner: Partner, filters: OrderFilters = OrderFilters()) -> QuerySet[Order]:
    orders = Order.objects.filter(partner=partner).select_related("link", "product").only(*ORDER_FIELDS)
    return orders_filter(orders, filters)


def orders_filter(orders: QuerySet[Order], filters: OrderFilters) -> QuerySet[Order]:
    """The dashboard's filters and search, applied to an already partner-scoped queryset."""
    if filters.status:
        orders = orders.filter(status=filters.status)
    # Days are Brasília days (the current time zone); comparing dates also keeps year 9999 from overflowing.
    if filters.created_from:
        orders = orders.filter(created_at__date__gte=filters.created_from)
    if filters.created_to:
        orders = orders.filter(created_at__date__lte=filters.created_to)
    if filters.link_id:
        orders = orders.filter(link_id=filters.link_id)
    if filters.query.strip():
        orders = orders.filter(_search(filters.query.strip()))
    return orders.order_by("-created_at", "-id")


def order_state_text(order: Order, *, booking_start: datetime | None = None) -> str:
    if order.status == S.SCHEDULED and booking_start is not None:
        when = formats.date_format(timezone.localtime(booking_start), "d/m H:i")
        return f"videoconferência agendada para {when}"
    return STATE_TEXT.get(order.status, order.get_status_display().lower())


@dataclass(frozen=True)
class OrderRow:
    order: Order
    state: str
    booking_start: datetime | None
    can_resend_payment: bool
    can_book: bool
    can_resend_holder_link: bool


def order_rows(orders) -> list[OrderRow]:
    """The partner's view of each order, with the booking times and who may book fetched once for the whole list
    (the booking rule is scheduling's)."""
    orders = list(orders)
    booking = order_booking_facts(orders)
    return [
        OrderRow(
            order=order,
            state=order_state_text(order, booking_start=booking[order.pk].starts_at),
            booking_start=booking[order.pk].starts_at,
            can_resend_payment=order.status in Order.PAYABLE,
            can_book=booking[order.pk].may_book,
            # The client has yet to confirm the partner's order: the partner may have the link sent again.
            can_resend_holder_link=order.status == S.AWAITING_HOLDER,
        )
        for order in orders
    ]


def partner_order(partner: Partner, number: str) -> Order | None:
    return partner_orders(partner).filter(number=number.strip().upper()).first()


# --- Links -------------------------------------------------------------------------------------------


def partner_links(partner: Partner) -> QuerySet[ReferralLink]:
    """The partner's links with how many of their orders were paid (a refund takes one off)."""
    return (
        ReferralLink.objects.filter(partner=partner)
        .select_related("product")
        .annotate(paid_orders=Count("orders", filter=Q(orders__payments__status="paid"), distinct=True))
        .order_by("-created_at", "-id")
    )


def link_conversion(link: ReferralLink) -> Decimal | None:
    """Paid orders per visit, in percent; None before the first visit."""
    if not link.visits:
        return None
    return (Decimal(link.paid_orders) * 100 / link.visits).quantize(Decimal("0.1"))


# --- Commission statement ----------------------------------------------------------------------------


def month_start(value: date) -> date:
    return value.replace(day=1)


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """The month in Brasília time, as aware datetimes [start, end)."""
    first = month_start(month)
    last_day = calendar.monthrange(first.year, first.month)[1]
    return _local_start(first), _local_start(first.replace(day=last_day)) + timedelta(days=1)


@dataclass
class CommissionStatement:
    month: date
    entries: list[CommissionEntry] = field(default_factory=list)
    accrued: Decimal = Decimal("0.00")
    reversed: Decimal = Decimal("0.00")
    payout: CommissionPayout | None = None

    @property
    def net(self) -> Decimal:
        return self.accrued + self.reversed

    @property
    def is_closed(self) -> bool:
        return self.month < month_start(timezone.localdate())


def commission_statement(partner: Partner, month: date) -> CommissionStatement:
    start, end = month_bounds(month)
    entries = list(
        CommissionEntry.objects.filter(partner=partner, created_at__gte=start, created_at__lt=end)
        .select_related("order")
        .only(
            "id",
            "kind",
            "base_amount",
            "percent",
            "amount",
            "reason",
            "created_at",
            "order__id",
            "order__number",
            "order__person_name",
            "order__company_name",
            "order__cnpj",
        )
        .order_by("created_at", "id")
    )
    accrued = sum((e.amount for e in entries if e.kind == CommissionEntry.Kind.ACCRUAL), Decimal("0.00"))
    reversed_ = sum((e.amount for e in entries if e.kind == CommissionEntry.Kind.REVERSAL), Decimal("0.00"))
    payout = CommissionPayout.objects.filter(partner=partner, month=month_start(month)).first()
    return CommissionStatement(
        month=month_start(month), entries=entries, accrued=accrued, reversed=reversed_, payout=payout
    )


def commission_month_net(partner: Partner, month: date) -> Decimal:
    start, end = month_bounds(month)
    total = CommissionEntry.objects.filter(partner=partner, created_at__gte=start, created_at__lt=end).aggregate(
        total=Sum("amount")
    )["total"]
    return total or Decimal("0.00")


def commission_months(partner: Partner, *, limit: int = 24) -> list[date]:
    """Months to offer on the statement page: the current one and those with entries, newest first."""
    with_entries = (
        CommissionEntry.objects.filter(partner=partner)
        .annotate(month=TruncMonth("created_at"))
        .values_list("month", flat=True)
        .distinct()
        .order_by("-month")[:limit]
    )
    months = {month_start(timezone.localdate())}
    months.update(timezone.localdate(value) if isinstance(value, datetime) else value for value in with_entries)
    return sorted(months, reverse=True)[:limit]
