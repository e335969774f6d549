"""Reads for the order page: its timeline and what the customer should do next."""

from dataclasses import dataclass
from datetime import datetime

from tecnosign.audit.models import AuditEvent

from .models import Order

S = Order.Status

# The happy path, as the customer sees it on the order page.
JOURNEY: list[tuple[str, str]] = [
    (S.AWAITING_PAYMENT, "Pedido feito"),
    (S.PAID, "Pagamento confirmado"),
    (S.DOCUMENTS_RECEIVED, "Documento enviado"),
    (S.SCHEDULED, "Videoconferência agendada"),
    (S.VALIDATED, "Identidade validada"),
    (S.VERIFIED, "Central de verificação"),
    (S.RELEASED, "Liberado para emissão"),
    (S.ISSUED, "Certificado emitido"),
]
_JOURNEY_INDEX = {status: index for index, (status, _) in enumerate(JOURNEY)}
# The last milestone a branch state has reached, for drawing progress.
_BRANCH_POSITION = {
    S.PAYMENT_EXPIRED: S.AWAITING_PAYMENT,
    S.NO_SHOW: S.DOCUMENTS_RECEIVED,
    S.REJECTED: S.DOCUMENTS_RECEIVED,
    S.REVOKED: S.ISSUED,
}


@dataclass(frozen=True)
class TimelineStep:
    status: str
    label: str
    state: str  # "done", "current" or "todo"
    at: datetime | None


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    label: str
    note: str


def order_status_events(order: Order) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(
            object_type=order._meta.label_lower,
            object_id=str(order.pk),
            action__in=["order.created", "order.status"],
        ).order_by("id")
    )


def order_timeline(order: Order, events: list[AuditEvent] | None = None) -> list[TimelineStep]:
    """Milestones reached are done; the next one is current (none when the order is cancelled)."""
    events = order_status_events(order) if events is None else events
    reached: dict[str, datetime] = {}
    for event in events:
        reached[event.after.get("status")] = event.created_at
    if order.status == S.CANCELLED:
        position = max((_JOURNEY_INDEX[status] for status in reached if status in _JOURNEY_INDEX), default=0)
    else:
        position = _JOURNEY_INDEX[_BRANCH_POSITION.get(order.status, order.status)]
    steps = []
    for index, (status, label) in enumerate(JOURNEY):
        if index <= position:
            state = "done"
        elif index == position + 1 and order.status != S.CANCELLED:
            state = "current"
        else:
            state = "todo"
        steps.append(TimelineStep(status, label, state, reached.get(status) if state == "done" else None))
    return steps


def order_history(order: Order, events: list[AuditEvent] | None = None) -> list[HistoryEntry]:
    events = order_status_events(order) if events is None else events
    return [
        HistoryEntry(at=event.created_at, label=S(event.after["status"]).label, note=event.note)
        for event in events
        if event.after.get("status") in S.values
    ]
