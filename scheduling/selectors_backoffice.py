"""Reads for the back office: an agent's day, a dossier, the verification queue, and who may see what.

Two rules live here, each once: who *acted on* a dossier (and so may not verify it: four eyes), and which orders'
documents a staff user may open (`orders` asks through `SchedulingConfig.order_documents_visible_to`).
"""

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet

from orders.models import Document, HolderTerm, Order
from orders.selectors import order_history, staff_may_view_documents
from orders.services.documents import current_documents, identity_document_waiver

from .models import IMAGE_EXTENSIONS, BiometricMatch, Booking, FaceCapture, SealedDossier, Validation, Verification
from .selectors_evidence import Evidence, validation_evidence
from .slots import BRASILIA


def day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time.min, tzinfo=BRASILIA)
    return start, start + timedelta(days=1)


def agenda(user, day: date) -> QuerySet[Booking]:
    start, end = day_bounds(day)
    bookings = Booking.objects.filter(starts_at__gte=start, starts_at__lt=end).exclude(
        status__in=[Booking.Status.CANCELLED, Booking.Status.RESCHEDULED]
    )
    if not user.is_superuser:
        bookings = bookings.filter(agent=user)
    return bookings.select_related("order__product", "agent").order_by("starts_at")


def acted_on_by(user) -> Q:
    """Validations whose dossier `user` acted on: they are (or were, when recording) the booking's agent, they
    started the booking, or they recorded any validation of it (a returned dossier confirmed again included)."""
    recorded_any = Validation.objects.filter(booking=OuterRef("booking"), recorded_by=user)
    return (
        Q(booking__agent=user)
        | Q(booking__started_by=user)
        | Q(agent=user)
        | Q(recorded_by=user)
        | Exists(recorded_any)
    )


def _latest(validations: QuerySet[Validation]) -> QuerySet[Validation]:
    """Only the newest validation of each order (a newer row answers or replaces the older ones)."""
    newer = Validation.objects.filter(order=OuterRef("order"), pk__gt=OuterRef("pk"))
    return validations.exclude(Exists(newer))


def verification_queue(user) -> QuerySet[Validation]:
    """Validated dossiers waiting for a decision; never one the user acted on (four eyes)."""
    decided = Verification.objects.filter(validation=OuterRef("pk"))
    return (
        _latest(
            Validation.objects.filter(
                outcome=Validation.Outcome.VALIDATED,
                returned_at__isnull=True,
                order__status=Order.Status.VALIDATED,
            )
        )
        .exclude(Exists(decided))
        .exclude(acted_on_by(user))
        .select_related("order__product", "agent", "booking")
        .order_by("finished_at")
    )


def orders_with_documents_for(user) -> Q:
    """The orders whose identity documents this staff user's work needs now (a filter on `orders.Order`).

    Agents: the orders of their active bookings, and those they conducted while the verification centre has them
    (waiting for review, or returned to them). Verifiers: the dossiers their verification queue offers them.
    Superusers and the permission to see documents at all are `orders.selectors.documents_visible_to`'s.
    """
    visible = Q(pk__in=[])
    if user.has_perm("scheduling.conduct_appointment"):
        booked = Booking.objects.filter(order=OuterRef("pk"), agent=user, status__in=Booking.ACTIVE)
        conducted = _latest(Validation.objects.filter(order=OuterRef("pk"))).filter(booking__agent=user)
        visible |= Exists(booked) | (Q(status=Order.Status.VALIDATED) & Exists(conducted))
    if user.has_perm("scheduling.verify_dossier"):
        visible |= Q(pk__in=verification_queue(user).values("order_id"))
    return visible


@dataclass(frozen=True)
class Dossier:
    order: Order
    booking: Booking
    documents: list[Document]
    documents_visible: bool
    history: list
    bookings: list[Booking]
    validations: list[Validation]
    verifications: list[Verification]
    evidence: Evidence
    documents_waiver: str
    sealed: list[SealedDossier]


def dossier(booking: Booking, *, viewer) -> Dossier:
    """The dossier as `viewer` may see it: the documents' links (and the face images) only when their work needs
    them now."""
    order = booking.order
    return Dossier(
        order=order,
        booking=booking,
        documents=list(current_documents(order)),
        documents_visible=staff_may_view_documents(viewer, order),
        history=order_history(order),
        bookings=list(order.bookings.select_related("agent", "started_by").order_by("starts_at")),
        validations=list(order.validations.select_related("agent", "recorded_by").order_by("pk")),
        verifications=list(order.verifications.select_related("verifier", "validation").order_by("pk")),
        evidence=validation_evidence(booking),
        documents_waiver=identity_document_waiver(order),
        sealed=list(order.sealed_dossiers.filter(purged_at__isnull=True).order_by("pk")),
    )


def evidence_file(order: Order, public_id) -> tuple | None:
    """A file of the order's evidence by its random identifier — a face capture, the base's face, the accepted term —
    as (file, content type, download name, what); None when the order has none such, or it was purged."""
    capture = FaceCapture.objects.filter(order=order, public_id=public_id, purged_at__isnull=True).first()
    if capture is not None and capture.file:
        return (
            capture.file,
            capture.content_type,
            f"face-{order.number}{IMAGE_EXTENSIONS[capture.content_type]}",
            "face",
        )
    match = BiometricMatch.objects.filter(order=order, public_id=public_id, purged_at__isnull=True).first()
    if match is not None and match.base_face:
        name = f"face-base-{order.number}{IMAGE_EXTENSIONS[match.base_face_content_type]}"
        return match.base_face, match.base_face_content_type, name, "base_face"
    term = HolderTerm.objects.filter(order=order, public_id=public_id, purged_at__isnull=True).first()
    if term is not None and term.file:
        return term.file, "application/pdf", f"termo-{order.number}.pdf", "term"
    return None


@dataclass(frozen=True)
class ValidationWarning:
    code: str  # "short" or "early": recorded in the approval's audit event
    label: str  # the verification queue's column
    message: str  # the review page


def validation_warnings(validation: Validation) -> list[ValidationWarning]:
    """What the verification centre must look at twice before approving: an appointment shorter than
    VALIDATION_MIN_MINUTES, and one started before its booked time (the agent may open the room a little early,
    but the customer was told the booked time)."""
    warnings = []
    minimum = settings.VALIDATION_MIN_MINUTES
    if validation.duration_seconds < minimum * 60:
        warnings.append(
            ValidationWarning(
                "short",
                "atendimento curto",
                f"Atendimento curto: durou {validation.duration_display}, menos que os {minimum} minutos esperados "
                "para conferir documento, rosto e ambiente.",
            )
        )
    booked = validation.booking.starts_at
    if validation.started_at < booked:
        early = math.ceil((booked - validation.started_at).total_seconds() / 60)
        warnings.append(
            ValidationWarning(
                "early",
                "início antecipado",
                f"Início antecipado: o atendimento começou às {validation.started_at.astimezone(BRASILIA):%H:%M}, "
                f"{early} min antes do horário marcado ({booked.astimezone(BRASILIA):%H:%M}, Brasília).",
            )
        )
    return warnings
