"""Reads for the order page: its timeline, the deadlines that matter, and what the customer should do next."""

import re
from dataclasses import dataclass
from datetime import datetime, time
from functools import cache

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone

from tecnosign.audit.models import AuditEvent
from tecnosign.row_versions import RowsVersion

from .models import HolderBiometrics, Order, Payment
from .models.order import ORDER_NUMBER_ALPHABET
from .validators import compact_identifier, normalize_cnpj, normalize_cpf

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
# A partner's order starts one step earlier: the holder confirms it (data, consent, passwords) before paying.
HOLDER_JOURNEY: list[tuple[str, str]] = [
    (S.AWAITING_HOLDER, "Pedido feito pelo parceiro"),
    (S.AWAITING_PAYMENT, "Dados confirmados pelo titular"),
    *JOURNEY[1:],
]
# How a milestone reads while it is still ahead (current or to do): "Pagamento confirmado" in bold while nothing was
# paid would say the opposite of the truth.
PENDING_LABELS: dict[str, str] = {
    S.AWAITING_PAYMENT: "Confirmação dos dados pelo titular",  # the partner's order (HOLDER_JOURNEY) only
    S.PAID: "Pagamento",
    S.DOCUMENTS_RECEIVED: "Envio do documento",
    S.SCHEDULED: "Agendamento da videoconferência",
    S.VALIDATED: "Validação da identidade",
    S.VERIFIED: "Central de verificação",
    S.RELEASED: "Liberação para emissão",
    S.ISSUED: "Emissão do certificado",
}
# The last milestone a branch state has reached, for drawing progress.
_BRANCH_POSITION = {
    S.PAYMENT_EXPIRED: S.AWAITING_PAYMENT,
    S.NO_SHOW: S.DOCUMENTS_RECEIVED,
    S.REJECTED: S.DOCUMENTS_RECEIVED,
    S.REVOKED: S.ISSUED,
}


@dataclass(frozen=True)
class Deadline:
    """A date that matters for one step of the journey, shown under that step on the order page (Brasília time)."""

    step: str  # the JOURNEY status it belongs to
    label: str  # pt-BR, reads before the date: "Vencimento do boleto"
    at: datetime
    day_only: bool = False  # a calendar day (a boleto's due date, the last day of a guarantee), not a moment


@dataclass(frozen=True)
class TimelineStep:
    status: str
    label: str
    state: str  # "done", "current" or "todo"
    at: datetime | None
    deadlines: tuple[Deadline, ...] = ()


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    label: str
    note: str


# A videoconference moved to another time (scheduling.services.booking.booking_reschedule): no change of status,
# but the order's history says it, with the new time.
ORDER_RESCHEDULED = "order.rescheduled"


def order_status_events(order: Order) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(
            object_type=order._meta.label_lower,
            object_id=str(order.pk),
            action__in=["order.created", "order.status", ORDER_RESCHEDULED],
        ).order_by("id")
    )


def payment_deadlines(order: Order) -> list[Deadline]:
    """While a charge waits: the boleto's due date and the day it may still clear, or the PIX code's expiry."""
    if order.status != S.AWAITING_PAYMENT:
        return []
    live = order.payments.filter(status=Payment.Status.PENDING).order_by("-created_at").first()
    if live is None or live.expires_at is None:
        return []
    if live.method == Payment.Method.BOLETO:
        due = timezone.make_aware(datetime.combine(live.due_date, time.max))
        return [
            Deadline(S.PAID, "Vencimento do boleto", due, day_only=True),
            Deadline(S.PAID, "Compensação do boleto pago no vencimento até", live.expires_at, day_only=True),
        ]
    if live.method == Payment.Method.PIX:
        return [Deadline(S.PAID, "Código PIX válido até", live.expires_at)]
    return []


def order_deadlines(order: Order) -> list[Deadline]:
    """The dates that matter now, in time order: the payment's, and those of the apps that own the other steps.

    `orders` imports none of those apps (dependencies point toward it): each adds its dates through an
    `order_deadlines(order)` method on its AppConfig — scheduling the booked time, issuance the CA's 24 h deadline,
    revocation the guarantee windows — as `manage.py load_demo` collects their demo data.
    """
    found = payment_deadlines(order)
    for config in apps.get_app_configs():
        provider = getattr(config, "order_deadlines", None)
        if provider is not None:
            found.extend(provider(order))
    return sorted(found, key=lambda deadline: deadline.at)


def documents_visible_to(user) -> Q:
    """The orders whose identity documents `user` may open now, as a filter on `Order`.

    Staff without `orders.view_document` (support) never; superusers all (every opening is audited); anyone else
    only what their work needs now, which the apps that own that work say: `orders` imports none of them, each
    adds its orders through an `order_documents_visible_to(user) -> Q` method on its AppConfig (as
    `order_deadlines` does) — scheduling: an agent's bookings and dossiers under review, a verifier's queue.
    Nothing is visible when no app says so.
    """
    if not (user.is_active and user.is_staff and user.has_perm("orders.view_document")):
        return Q(pk__in=[])
    if user.is_superuser:
        return Q()
    visible = Q(pk__in=[])
    for config in apps.get_app_configs():
        provider = getattr(config, "order_documents_visible_to", None)
        if provider is not None:
            visible |= provider(user)
    return visible


def certificate_end(order_ref):
    """When an order's certificate ended — revoked, or else expired; the latest of its certificates, so one still
    valid lies in the future — as a query expression on `order_ref` (an `OuterRef` to the order's id).

    The app that issues certificates says it through an `order_certificate_end(order_ref)` method on its AppConfig
    (`orders` imports none of them); None when no installed app issues certificates.
    """
    for config in apps.get_app_configs():
        provider = getattr(config, "order_certificate_end", None)
        if provider is not None:
            return provider(order_ref)
    return None


def staff_may_view_documents(user, order: Order) -> bool:
    return Order.objects.filter(documents_visible_to(user), pk=order.pk).exists()


def order_timeline(
    order: Order, events: list[AuditEvent] | None = None, deadlines: list[Deadline] | None = None
) -> list[TimelineStep]:
    """Milestones reached are done; the next one is current (none when the order is cancelled or suspended). `deadlines`
    (`order_deadlines`) go under the step they belong to."""
    events = order_status_events(order) if events is None else events
    reached: dict[str, datetime] = {}
    for event in events:
        if event.action != ORDER_RESCHEDULED:
            reached[event.after.get("status")] = event.created_at
    journey = HOLDER_JOURNEY if S.AWAITING_HOLDER in reached or order.status == S.AWAITING_HOLDER else JOURNEY
    index_of = {status: index for index, (status, _) in enumerate(journey)}
    stopped = order.status in (S.CANCELLED, S.BLOCKED)  # no next step: the journey shows how far it got
    if stopped:
        position = max((index_of[status] for status in reached if status in index_of), default=0)
    else:
        position = index_of[_BRANCH_POSITION.get(order.status, order.status)]
    steps = []
    for index, (status, label) in enumerate(journey):
        if index <= position:
            state = "done"
        elif index == position + 1 and not stopped:
            state = "current"
        else:
            state = "todo"
        when = reached.get(status) if state == "done" else None
        label = label if state == "done" else PENDING_LABELS.get(status, label)
        steps.append(TimelineStep(status, label, state, when, tuple(d for d in deadlines or () if d.step == status)))
    return steps


def order_history(order: Order, events: list[AuditEvent] | None = None) -> list[HistoryEntry]:
    events = order_status_events(order) if events is None else events
    entries = []
    for event in events:
        if event.action == ORDER_RESCHEDULED:
            entries.append(HistoryEntry(at=event.created_at, label="Videoconferência remarcada", note=event.note))
        elif event.after.get("status") in S.values:
            entries.append(HistoryEntry(at=event.created_at, label=S(event.after["status"]).label, note=event.note))
    return entries


_ORDER_NUMBER = re.compile(f"TS[{ORDER_NUMBER_ALPHABET}]{{8}}")


def order_exact_match(term: str) -> Q | None:
    """A whole order number, CPF or CNPJ, however typed ("529.982.247-25"), finds its orders through their
    indexes; None for anything else, which is left to a partial search (a scan of the table)."""
    compact = compact_identifier(term)
    if _ORDER_NUMBER.fullmatch(compact):
        return Q(number=compact)
    try:
        if len(compact) == 11:
            return Q(person_cpf=normalize_cpf(compact))
        if len(compact) == 14:
            return Q(cnpj=normalize_cnpj(compact))
    except ValidationError:
        pass
    return None


def _belongs_to_one_order(model) -> bool:
    """The model's rows carry their order (a required `order`): the first hop already finds them by it."""
    field = next((f for f in model._meta.concrete_fields if f.name == "order"), None)
    return field is not None and field.is_relation and field.related_model is Order and not field.null


@cache
def _order_relations() -> tuple[tuple[type, str, tuple[tuple[type, str], ...]], ...]:
    """Every table that points at an order (from any app), each with the tables that point at its rows: what an
    order's page may show. Found from the models, so a new model is covered without being named here."""
    found = []
    for relation in Order._meta.related_objects:
        if relation.many_to_many:
            continue
        model = relation.related_model
        below = ()
        if model is not Order:  # a replacement order's own rows are its page's business
            below = tuple(
                (inner.related_model, inner.field.name)
                for inner in model._meta.related_objects
                if not inner.many_to_many and not _belongs_to_one_order(inner.related_model)
            )
        found.append((model, relation.field.name, below))
    return tuple(found)


def order_page_rows(order_id: int) -> list[QuerySet]:
    """Every row about the order: the order, the rows of any app pointing at it and those pointing at them, its audit
    trail, and the holder's biometrics on file (read by CPF, they decide whether a videoconference is possible)."""
    order = Order._base_manager.filter(pk=order_id)
    rows = [order]
    for model, field, below in _order_relations():
        pointing = model._base_manager.filter(**{field: order_id})
        rows.append(pointing)
        pointing_ids = pointing.values("pk")
        rows.extend(inner._base_manager.filter(**{f"{inner_field}__in": pointing_ids}) for inner, inner_field in below)
    rows.append(AuditEvent.objects.filter(object_type=Order._meta.label_lower, object_id=str(order_id)))
    rows.append(HolderBiometrics.objects.filter(cpf__in=order.values("person_cpf")))
    return rows


# The stand-in is a value no order id takes (tecnosign.row_versions).
ORDER_PAGE_ROWS = RowsVersion("order_page", order_page_rows, order_id=-7_301_911)
_order_ids: dict[str, int] = {}  # number → id, which never changes (orders are never deleted): kept per process


def order_ids_forget() -> None:
    """Forget the numbers' ids (the tests: a rolled-back order's number may come again with another id)."""
    _order_ids.clear()


def order_id_for(number: str) -> int | None:
    """The id of the order `number` (None: no such order), read once per process: a kept page's version is then
    asked by id, without reading the order."""
    order_id = _order_ids.get(number)
    if order_id is None:
        order_id = Order.objects.filter(number=number).values_list("pk", flat=True).first()
        if order_id is not None:
            if len(_order_ids) >= 100_000:
                _order_ids.clear()
            _order_ids[number] = order_id
    return order_id


def order_page_version(number: str) -> str | None:
    """A digest of every row about the order `number` that changes with any write to them; None on SQLite or when
    there is no such order (nothing to keep)."""
    order_id = order_id_for(number)
    return None if order_id is None else ORDER_PAGE_ROWS.version(order_id=order_id)
