"""The management dashboard's figures: read-only, each aggregated in the database (GROUP BY, filtered COUNT/SUM),
so the number of queries is the same for ten orders as for a hundred thousand.

Every selector takes the page's `Filters` (a Brasília date range, inclusive, and optionally one partner) and
returns plain numbers; `dashboard.tables` turns them into the tables and charts the page shows and the CSV exports.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Max, Q, Sum
from django.utils import timezone

from issuance.models import IssuanceRequest
from orders.models import CommissionEntry, Order, Partner, Payment, ReferralLink
from scheduling.models import AvailabilityRule, Booking, Validation

BRASILIA = ZoneInfo("America/Sao_Paulo")
ZERO = Decimal("0.00")
S = Order.Status

# The funnel from the order's current status: the furthest step each status proves it reached. An order cancelled
# or blocked counts as an order only (its history is not in its status); a rejected one was booked, not validated.
FUNNEL_STEPS: list[tuple[str, str, frozenset]] = [
    ("orders", "Pedidos", frozenset(S.values)),
    (
        "paid",
        "Pagos",
        frozenset(
            {
                S.PAID,
                S.DOCUMENTS_RECEIVED,
                S.SCHEDULED,
                S.NO_SHOW,
                S.VALIDATED,
                S.VERIFIED,
                S.RELEASED,
                S.ISSUED,
                S.REVOKED,
                S.REJECTED,
            }
        ),
    ),
    (
        "documents",
        "Documentos enviados",
        frozenset(
            {
                S.DOCUMENTS_RECEIVED,
                S.SCHEDULED,
                S.NO_SHOW,
                S.VALIDATED,
                S.VERIFIED,
                S.RELEASED,
                S.ISSUED,
                S.REVOKED,
                S.REJECTED,
            }
        ),
    ),
    (
        "booked",
        "Videoconferência agendada",
        frozenset({S.SCHEDULED, S.NO_SHOW, S.VALIDATED, S.VERIFIED, S.RELEASED, S.ISSUED, S.REVOKED, S.REJECTED}),
    ),
    ("validated", "Identidade validada", frozenset({S.VALIDATED, S.VERIFIED, S.RELEASED, S.ISSUED, S.REVOKED})),
    ("issued", "Certificado emitido", frozenset({S.ISSUED, S.REVOKED})),
]

# Time to release, in hours: the buckets of the hand-off chart (the last one is past the promise).
HANDOFF_BUCKETS = [(0, 6), (6, 12), (12, 18), (18, 24)]


@dataclass(frozen=True)
class Filters:
    start: date
    end: date  # inclusive
    partner_id: int | None = None

    @property
    def since(self) -> datetime:
        return datetime.combine(self.start, time.min, tzinfo=BRASILIA)

    @property
    def until(self) -> datetime:
        return datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=BRASILIA)

    def months(self) -> list[date]:
        first, months = self.start.replace(day=1), []
        while first <= self.end:
            months.append(first)
            first = (first + timedelta(days=32)).replace(day=1)
        return months


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=BRASILIA)


def _next_month(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


def partner_choices() -> list[tuple[int, str]]:
    return list(Partner.objects.order_by("name").values_list("pk", "name"))


@dataclass
class FunnelStep:
    key: str
    label: str
    count: int
    conversion: Decimal | None  # percent of the previous step; None when the previous step is zero


def funnel(filters: Filters) -> list[FunnelStep]:
    orders = Order.objects.filter(created_at__gte=filters.since, created_at__lt=filters.until)
    links = ReferralLink.objects.all()
    if filters.partner_id:
        orders = orders.filter(partner_id=filters.partner_id)
        links = links.filter(partner_id=filters.partner_id)
    by_status = dict(orders.order_by().values_list("status").annotate(n=Count("id")))
    # The links count their visits (a counter, no date): the visits step is the links' total to date.
    visits = links.aggregate(n=Sum("visits"))["n"] or 0
    counts = [("visits", "Visitas aos links (total acumulado)", visits)]
    counts += [
        (key, label, sum(n for status, n in by_status.items() if status in statuses))
        for key, label, statuses in FUNNEL_STEPS
    ]
    steps, previous = [], None
    for key, label, count in counts:
        conversion = None if not previous else (Decimal(count) * 100 / previous).quantize(Decimal("0.1"))
        steps.append(FunnelStep(key, label, count, conversion))
        previous = count
    return steps


@dataclass
class Month:
    month: date
    payments: int = 0
    revenue: Decimal = ZERO
    commissions: Decimal = ZERO


@dataclass
class PartnerRow:
    partner_id: int
    name: str
    payments: int  # payments confirmed (an order is paid once: one per paid order)
    revenue: Decimal
    commissions: Decimal = ZERO


def money(filters: Filters, limit: int = 10) -> tuple[list[Month], list[PartnerRow]]:
    """Money received by month (payments confirmed in the month, refunded later or not) with the partners'
    commissions booked in it (accruals less reversals), and the `limit` partners whose clients paid the most.

    One scan of each table for both: grouped by partner (a hash aggregate of a few dozen groups), one filtered
    COUNT/SUM per month over plain timestamp comparisons — no time-zone conversion of every row, which costs more
    than the scan itself on 100,000 rows (TruncMonth in Brasília)."""
    payments = Payment.objects.filter(paid_at__gte=filters.since, paid_at__lt=filters.until, paid_amount__isnull=False)
    commissions = CommissionEntry.objects.filter(created_at__gte=filters.since, created_at__lt=filters.until)
    if filters.partner_id:
        payments = payments.filter(order__partner_id=filters.partner_id)
        commissions = commissions.filter(partner_id=filters.partner_id)
    bounds = [
        (m, max(filters.since, _midnight(m)), min(filters.until, _midnight(_next_month(m)))) for m in filters.months()
    ]
    paid = list(
        payments.values("order__partner")
        .annotate(
            **{f"n{i}": Count("id", filter=Q(paid_at__gte=a, paid_at__lt=b)) for i, (_, a, b) in enumerate(bounds)},
            **{
                f"s{i}": Sum("paid_amount", filter=Q(paid_at__gte=a, paid_at__lt=b))
                for i, (_, a, b) in enumerate(bounds)
            },
        )
        .order_by()
    )
    booked = list(
        commissions.values("partner")
        .annotate(
            **{
                f"c{i}": Sum("amount", filter=Q(created_at__gte=a, created_at__lt=b))
                for i, (_, a, b) in enumerate(bounds)
            }
        )
        .order_by()
    )
    months = [
        Month(
            m,
            sum(row[f"n{i}"] for row in paid),
            sum((row[f"s{i}"] or ZERO for row in paid), ZERO),
            sum((row[f"c{i}"] or ZERO for row in booked), ZERO),
        )
        for i, (m, _, _) in enumerate(bounds)
    ]
    columns = range(len(bounds))
    by_partner = [
        PartnerRow(
            row["order__partner"],
            "",
            sum(row[f"n{i}"] for i in columns),
            sum((row[f"s{i}"] or ZERO for i in columns), ZERO),
        )
        for row in paid
        if row["order__partner"] is not None
    ]
    top = sorted(by_partner, key=lambda r: (-r.revenue, r.partner_id))[:limit]
    if top:
        totals = {row["partner"]: sum((row[f"c{i}"] or ZERO for i in columns), ZERO) for row in booked}
        names = dict(Partner.objects.filter(pk__in=[r.partner_id for r in top]).values_list("pk", "name"))
        for row in top:
            row.commissions = totals.get(row.partner_id, ZERO)
            row.name = names[row.partner_id]
    return months, top


@dataclass
class Handoff:
    promise_hours: int
    submitted: int
    released: int
    on_time: int
    released_late: int
    open_overdue: int  # not released and already past the deadline
    open_in_time: int
    rejected: int
    average_hours: Decimal | None
    longest_hours: Decimal | None
    buckets: list[tuple[str, int]] = field(default_factory=list)

    @property
    def breaches(self) -> int:
        return self.released_late + self.open_overdue

    @property
    def on_time_rate(self) -> Decimal | None:
        if not self.released:
            return None
        return (Decimal(self.on_time) * 100 / self.released).quantize(Decimal("0.1"))


def _hours(value: timedelta | None) -> Decimal | None:
    return None if value is None else (Decimal(value.total_seconds()) / 3600).quantize(Decimal("0.1"))


def handoff(filters: Filters) -> Handoff:
    """The CA's side of the 24 h promise, for the requests handed to it in the period."""
    promise = settings.ISSUANCE_SLA_HOURS
    requests = IssuanceRequest.objects.filter(submitted_at__gte=filters.since, submitted_at__lt=filters.until)
    if filters.partner_id:
        requests = requests.filter(order__partner_id=filters.partner_id)
    released = Q(released_at__isnull=False)
    is_open = Q(released_at__isnull=True) & ~Q(status=IssuanceRequest.Status.REJECTED)
    now = timezone.now()
    buckets = {
        f"b{low}": Count("id", filter=released & Q(took__gte=timedelta(hours=low), took__lt=timedelta(hours=high)))
        for low, high in HANDOFF_BUCKETS
    }
    figures = requests.annotate(
        took=ExpressionWrapper(F("released_at") - F("submitted_at"), output_field=DurationField())
    ).aggregate(
        submitted=Count("id"),
        released=Count("id", filter=released),
        on_time=Count("id", filter=released & Q(released_at__lte=F("sla_deadline"))),
        released_late=Count("id", filter=Q(released_at__gt=F("sla_deadline"))),
        open_overdue=Count("id", filter=is_open & Q(sla_deadline__lt=now)),
        open_in_time=Count("id", filter=is_open & Q(sla_deadline__gte=now)),
        rejected=Count("id", filter=Q(status=IssuanceRequest.Status.REJECTED)),
        late_hours=Count("id", filter=released & Q(took__gte=timedelta(hours=HANDOFF_BUCKETS[-1][1]))),
        average=Avg("took", filter=released),
        longest=Max("took", filter=released),
        **buckets,
    )
    chart = [(f"{low}–{high} h", figures[f"b{low}"]) for low, high in HANDOFF_BUCKETS]
    chart += [(f"mais de {HANDOFF_BUCKETS[-1][1]} h", figures["late_hours"])]
    chart += [("ainda na AC", figures["open_overdue"] + figures["open_in_time"])]
    return Handoff(
        promise_hours=promise,
        submitted=figures["submitted"],
        released=figures["released"],
        on_time=figures["on_time"],
        released_late=figures["released_late"],
        open_overdue=figures["open_overdue"],
        open_in_time=figures["open_in_time"],
        rejected=figures["rejected"],
        average_hours=_hours(figures["average"]),
        longest_hours=_hours(figures["longest"]),
        buckets=chart,
    )


@dataclass
class AgentRow:
    agent_id: int
    name: str
    bookings: int = 0
    customer_no_shows: int = 0
    agent_no_shows: int = 0
    booked_minutes: int = 0
    validations: int = 0
    validated: int = 0
    average_minutes: Decimal | None = None
    available_minutes: int = 0

    @property
    def utilisation(self) -> Decimal | None:
        if not self.available_minutes:
            return None
        return (Decimal(self.booked_minutes) * 100 / self.available_minutes).quantize(Decimal("0.1"))


def _name(row: dict, prefix: str) -> str:
    full = f"{row[prefix + 'first_name']} {row[prefix + 'last_name']}".strip()
    return full or row[prefix + "username"]


def agents(filters: Filters) -> list[AgentRow]:
    """Per agent, in the period: the appointments held (not cancelled nor moved), the no-shows of customers and
    of agents (the agent-late alarm fired), the validations recorded and their average length, and the share of
    the agent's weekly hours (AvailabilityRule; days off and extra hours are not counted) the appointments took."""
    bookings = Booking.objects.filter(starts_at__gte=filters.since, starts_at__lt=filters.until)
    validations = Validation.objects.filter(finished_at__gte=filters.since, finished_at__lt=filters.until)
    if filters.partner_id:
        bookings = bookings.filter(order__partner_id=filters.partner_id)
        validations = validations.filter(order__partner_id=filters.partner_id)
    held = ~Q(status__in=[Booking.Status.CANCELLED, Booking.Status.RESCHEDULED])
    names = ("agent__username", "agent__first_name", "agent__last_name")
    rows: dict[int, AgentRow] = {}
    for row in (
        bookings.values("agent", *names)
        .annotate(
            n=Count("id", filter=held),
            customer_no_shows=Count(
                "id", filter=Q(status=Booking.Status.NO_SHOW) | Q(outcome=Booking.Outcome.CUSTOMER_NO_SHOW)
            ),
            agent_no_shows=Count("id", filter=Q(agent_late_at__isnull=False)),
            booked=Sum(ExpressionWrapper(F("ends_at") - F("starts_at"), output_field=DurationField()), filter=held),
        )
        .order_by()
    ):
        agent = rows.setdefault(row["agent"], AgentRow(row["agent"], _name(row, "agent__")))
        agent.bookings, agent.customer_no_shows, agent.agent_no_shows = (
            row["n"],
            row["customer_no_shows"],
            row["agent_no_shows"],
        )
        agent.booked_minutes = int(row["booked"].total_seconds() // 60) if row["booked"] else 0
    for row in (
        validations.values("agent", *names)
        .annotate(
            n=Count("id"),
            validated=Count("id", filter=Q(outcome=Validation.Outcome.VALIDATED)),
            seconds=Avg("duration_seconds"),
        )
        .order_by()
    ):
        agent = rows.setdefault(row["agent"], AgentRow(row["agent"], _name(row, "agent__")))
        agent.validations, agent.validated = row["n"], row["validated"]
        agent.average_minutes = (Decimal(row["seconds"]) / 60).quantize(Decimal("0.1"))
    if rows:
        days = Counter(
            (filters.start + timedelta(days=i)).weekday() for i in range((filters.end - filters.start).days + 1)
        )
        for agent_id, weekday, minutes in (
            AvailabilityRule.objects.filter(agent_id__in=rows)
            .values_list("agent", "weekday")
            .annotate(length=Sum(ExpressionWrapper(F("end") - F("start"), output_field=DurationField())))
            .order_by()
        ):
            rows[agent_id].available_minutes += int(minutes.total_seconds() // 60) * days[weekday]
    return sorted(rows.values(), key=lambda a: (-a.bookings, a.name))


@dataclass
class MethodRow:
    method: str
    label: str
    charges: int = 0
    paid: int = 0
    expired: int = 0
    failed: int = 0
    pending: int = 0
    paid_amount: Decimal = ZERO

    @property
    def expiry_rate(self) -> Decimal | None:
        # Boleto and Pix expire when not paid in time; a card is refused instead.
        if self.method == Payment.Method.CARD or not self.charges:
            return None
        return (Decimal(self.expired) * 100 / self.charges).quantize(Decimal("0.1"))


def payments_by_method(filters: Filters) -> list[MethodRow]:
    """The charges created in the period by method: how many, how they ended, what was received. A charge
    replaced by another (a new method chosen) is not counted."""
    payments = Payment.objects.filter(created_at__gte=filters.since, created_at__lt=filters.until).exclude(
        status=Payment.Status.CANCELLED
    )
    if filters.partner_id:
        payments = payments.filter(order__partner_id=filters.partner_id)
    rows = {m.value: MethodRow(m.value, m.label) for m in Payment.Method}
    for row in payments.values("method", "status").annotate(n=Count("id"), received=Sum("paid_amount")).order_by():
        method = rows[row["method"]]
        method.charges += row["n"]
        status = row["status"]
        if status in (Payment.Status.PAID, Payment.Status.REFUNDED):
            method.paid += row["n"]
            method.paid_amount += row["received"] or ZERO
        elif status == Payment.Status.EXPIRED:
            method.expired += row["n"]
        elif status == Payment.Status.FAILED:
            method.failed += row["n"]
        elif status == Payment.Status.PENDING:
            method.pending += row["n"]
    return list(rows.values())
