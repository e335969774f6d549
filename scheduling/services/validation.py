"""The identity check and its second look: the agent's checklist and the verification centre (four eyes).

A validation needs the appointment's evidence (services/evidence.py: the holder's term accepted, the face captured
and matched, the Lista Negativa asked); a positive biometric match waives the document item of the checklist.
The agent records the appointment's outcome on the booking it conducted (the row names who recorded it); a
validated dossier waits for a verifier who acted on none of it — not the agent, not whoever started the booking,
not whoever recorded any of its validations — enforced here and by database constraints. Verified orders go to
the CA (issuance hand-off) and their dossier is sealed (services/dossier.py); a returned dossier goes back to its
agent with the reason.
"""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from issuance.services import issuance_submit
from orders.models import Order
from orders.services.access import order_access_url
from orders.services.transitions import order_transition
from tecnosign.audit.services import Actor, audit_record
from tecnosign.errors import DomainError
from tecnosign.notifications.services import notify

from ..models import Booking, Validation, Verification
from ..selectors_backoffice import acted_on_by, validation_warnings
from ..selectors_evidence import validation_evidence
from .appointment import may_conduct
from .dossier import dossier_seal
from .messages import booking_access_url

S = Order.Status
R = Validation.RejectReason


class ValidationRefused(DomainError):
    code = "validation_refused"


class FourEyesViolation(DomainError):
    code = "four_eyes"


WARNINGS_NOTE_REQUIRED = (
    "Este atendimento tem alertas: para aprovar, diga na observação por que ele é válido mesmo assim."
)


@dataclass(frozen=True)
class Checklist:
    document: bool
    holder_in_person: bool
    legal_representative: bool
    environment: bool

    def missing(self, *, company: bool, documents_waived: bool = False) -> list[str]:
        labels = [
            (self.document or documents_waived, "documento original e conferindo com os dados"),
            (self.holder_in_person, "o titular em pessoa, sem outra pessoa"),
            (self.legal_representative or not company, "é o representante legal da empresa"),
            (self.environment, "ambiente adequado"),
        ]
        return [label for ticked, label in labels if not ticked]


def validation_pending_review(order: Order) -> Validation | None:
    """The validation the verification centre must decide on, if the order is waiting for it."""
    latest = order.validations.order_by("-pk").first()
    if (
        order.status == S.VALIDATED
        and latest
        and latest.outcome == Validation.Outcome.VALIDATED
        and latest.returned_at is None
    ):
        return latest
    return None


def validation_returned(order: Order) -> Validation | None:
    """The validation the verification centre sent back to its agent, while the agent has not answered."""
    latest = order.validations.order_by("-pk").first()
    if order.status == S.VALIDATED and latest and latest.returned_at is not None:
        return latest
    return None


def validation_refusal(user, booking: Booking, returned: Validation | None) -> str | None:
    """Why `user` may not record an outcome on `booking` now, or None when they may: the booking's agent, on the
    appointment under way or on the dossier the verification centre returned (`returned`, see
    `validation_returned`). The one rule the service enforces and the dossier page asks before offering the
    checklist."""
    if not may_conduct(user, booking):
        return "Só o agente que conduziu a videoconferência pode registrar a validação."
    if returned and returned.booking_id != booking.pk:
        return "O dossiê devolvido é de outra videoconferência deste pedido."
    if not returned and booking.status != Booking.Status.IN_PROGRESS:
        return "Inicie o atendimento antes de registrar o resultado (a duração da videoconferência é registrada)."
    return None


def validation_record(
    *,
    booking: Booking,
    actor: Actor,
    outcome: str,
    checklist: Checklist,
    reject_reason: str = "",
    note: str = "",
) -> Validation:
    """The agent closes the appointment as validated (checklist complete) or rejected (with a reason).

    Also the agent's answer to a dossier the verification centre returned: the same booking, a new row (the
    order stays `validated` when the agent confirms, or becomes `rejected`).
    """
    outcome = Validation.Outcome(outcome)
    now = timezone.now()
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=booking.order_id)
        locked = Booking.objects.select_for_update(of=("self",)).get(pk=booking.pk)
        returned = validation_returned(order)
        if refusal := validation_refusal(actor.user, locked, returned):
            raise ValidationRefused(refusal)
        evidence = validation_evidence(locked)
        if outcome == Validation.Outcome.VALIDATED and evidence.missing:
            raise ValidationRefused("Para validar, falta: " + "; ".join(evidence.missing) + ".")
        waived = evidence.documents_waived
        if outcome == Validation.Outcome.VALIDATED and (
            missing := checklist.missing(company=order.is_company, documents_waived=waived)
        ):
            raise ValidationRefused("Para validar, confirme todos os itens: " + "; ".join(missing) + ".")
        if outcome == Validation.Outcome.REJECTED and reject_reason not in R.values:
            raise ValidationRefused("Escolha o motivo da recusa: o cliente é informado do que fazer.")
        if reject_reason == R.OTHER and not note.strip():
            raise ValidationRefused("Descreva o motivo na observação.")
        started = locked.started_at or now
        finished = locked.finished_at if returned else now
        validation = Validation.objects.create(
            booking=locked,
            order=order,
            agent_id=locked.agent_id,
            recorded_by=actor.user,
            requires_legal_representative=order.is_company,
            check_document=checklist.document,
            check_holder_in_person=checklist.holder_in_person,
            check_legal_representative=checklist.legal_representative and order.is_company,
            check_environment=checklist.environment,
            eligibility_basis=locked.eligibility_basis,
            documents_waived=waived,
            face_capture=evidence.capture,
            biometric_match=evidence.match,
            negative_list_check=evidence.negative_list,
            outcome=outcome,
            reject_reason=reject_reason if outcome == Validation.Outcome.REJECTED else "",
            note=note.strip(),
            started_at=started,
            finished_at=finished,
            duration_seconds=int((finished - started).total_seconds()),
        )
        if not returned:
            locked.status = Booking.Status.COMPLETED
            locked.finished_at = now
        locked.outcome = outcome.value
        locked.outcome_reason = validation.get_reject_reason_display() if reject_reason else ""
        locked.save(update_fields=["status", "finished_at", "outcome", "outcome_reason"])
        audit_record(
            action="validation.recorded",
            obj=order,
            actor=actor,
            after={
                "validation": validation.pk,
                "booking": locked.pk,
                "outcome": outcome.value,
                "reject_reason": validation.reject_reason,
                "checklist": {
                    "document": validation.check_document,
                    "holder_in_person": validation.check_holder_in_person,
                    "legal_representative": validation.check_legal_representative,
                    "environment": validation.check_environment,
                },
                "duration_seconds": validation.duration_seconds,
                "recorded_by": validation.recorded_by_id,
                "eligibility_basis": validation.eligibility_basis,
                "documents_waived": waived,
                "face_capture": validation.face_capture_id,
                "biometric_match": validation.biometric_match_id,
                "negative_list_check": validation.negative_list_check_id,
                "term_accepted": evidence.term is not None,
            },
            note=note,
        )
        if outcome == Validation.Outcome.REJECTED:
            order_transition(
                order=order,
                to=S.REJECTED,
                actor=actor,
                note=f"Validação recusada: {validation.get_reject_reason_display()}",
            )
            access_url, booking_url = order_access_url(order), booking_access_url(order)
            notify(
                "validation_rejected",
                to=order.email,
                key=f"validation:{validation.pk}:rejected",
                obj=order,
                context={
                    "order": order,
                    "validation": validation,
                    "new_document": validation.reject_reason in Validation.NEW_DOCUMENT_REASONS,
                    "access_url": access_url,
                    "booking_url": booking_url,
                },
                secrets=[access_url, booking_url],
            )
        elif not returned:  # a dossier confirmed after a return is already `validated`
            order_transition(order=order, to=S.VALIDATED, actor=actor, note="Videoconferência: identidade validada")
            access_url = order_access_url(order)
            notify(
                "validation_validated",
                to=order.email,
                key=f"validation:{validation.pk}:validated",
                obj=order,
                context={"order": order, "access_url": access_url},
                secrets=[access_url],
            )
    return validation


def has_acted_on(user, validation: Validation) -> bool:
    """Did `user` conduct, start or record any validation of this dossier's booking? Then they may not verify it."""
    return Validation.objects.filter(acted_on_by(user), pk=validation.pk).exists()


def verification_decide(
    *, validation: Validation, actor: Actor, outcome: str, reason: str = "", warnings_note: str = ""
) -> Verification:
    """The verification centre approves a validated dossier (→ the CA) or returns it to its agent.

    A dossier with warnings (`validation_warnings`: too short, started early) is approved only with the verifier's
    `warnings_note` saying why it is sound; the warnings and the note go into the decision's audit event."""
    outcome = Verification.Outcome(outcome)
    user = actor.user
    if user is None or not (user.has_perm("scheduling.verify_dossier")):
        raise FourEyesViolation("Só a central de verificação pode aprovar ou devolver dossiês.")
    if outcome == Verification.Outcome.RETURNED and not reason.strip():
        raise ValidationRefused("Diga ao agente por que o dossiê está sendo devolvido.")
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=validation.order_id)
        # Read again under the order's lock: who acted is judged on the rows as they are now.
        validation = Validation.objects.select_related("booking").get(pk=validation.pk)
        if has_acted_on(user, validation):
            raise FourEyesViolation(
                "Você atuou neste atendimento (conduziu, iniciou ou registrou a validação): a verificação tem de "
                "ser feita por outra pessoa (dupla checagem)."
            )
        if validation_pending_review(order) != validation:
            raise ValidationRefused("Este dossiê não está mais aguardando verificação (outra pessoa já decidiu?).")
        warnings = validation_warnings(validation)
        if outcome == Verification.Outcome.VERIFIED and warnings and not warnings_note.strip():
            raise ValidationRefused(WARNINGS_NOTE_REQUIRED)
        try:
            with transaction.atomic():
                verification = Verification.objects.create(
                    validation=validation,
                    order=order,
                    agent_id=validation.recorded_by_id,
                    started_by_id=validation.booking.started_by_id,
                    verifier=user,
                    outcome=outcome,
                    reason=reason.strip(),
                )
        except IntegrityError as exc:
            raise ValidationRefused("Este dossiê já foi decidido por outra pessoa.") from exc
        audit_record(
            action="verification.decided",
            obj=order,
            actor=actor,
            after={
                "validation": validation.pk,
                "outcome": outcome.value,
                "warnings": [warning.code for warning in warnings],
                "warnings_note": warnings_note.strip(),
            },
            note=reason,
        )
        if outcome == Verification.Outcome.VERIFIED:
            order_transition(order=order, to=S.VERIFIED, actor=actor, note="Aprovado pela central de verificação")
            issuance_submit(order, actor=actor)
            # The dossier is sealed with the approval, in the same transaction: it holds the decision's own events.
            dossier_seal(verification=verification, actor=actor)
        else:
            # The order stays `validated` (the customer has nothing to do); the agent answers with a new row.
            Validation.objects.filter(pk=validation.pk).update(returned_at=timezone.now())
            agent = get_user_model().objects.get(pk=validation.booking.agent_id)
            if agent.email:
                notify(
                    "staff_dossier_returned",
                    to=agent.email,
                    key=f"verification:{verification.pk}:returned",
                    obj=order,
                    context={
                        "order": order,
                        "reason": reason.strip(),
                        "verifier": user,
                        "dossier_url": f"{settings.SITE_URL}/admin/scheduling/booking/{validation.booking_id}/dossie/",
                    },
                )
    return verification
