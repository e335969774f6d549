"""The evidence of the videoconference, as an ITI audit looks for it (IN ITI 05/2021, IN ITI 12/2020):

- the agent assists a capture of the holder's face (`face_capture_store`, a still from the dossier page's camera);
- the face is matched against the CA's biometric base (`biometric_match_query`: PSBio, or the embedded sandbox);
  "positivo" (with the name on file matching the order's) fills `orders.HolderBiometrics` and waives the identity
  document; "negativo" blocks the validation; "não consta" leaves it to the eligibility rule without biometrics;
- the CA's Lista Negativa is asked (`negative_list_check`, through issuance's CA backend): a listed holder is not
  validated — the order is stopped and staff alerted;
- the holder accepted the *termo de titularidade* (orders).

`selectors_evidence.validation_evidence` says, once, what a validation still lacks; `validation_record` refuses while
it lacks anything.
Everything here happens during the appointment, by the booking's agent.
"""

import hashlib
import logging
import re
import unicodedata

from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from PIL import Image

from orders.models import HolderBiometrics, Order
from orders.services.biometrics import holder_biometrics_record
from orders.services.holds import order_block
from tecnosign.audit.services import Actor, audit_record
from tecnosign.errors import DomainError
from tecnosign.uploads import JPEG, PNG, UploadRefused, upload_check

from ..biometrics import (
    BiometricAnswer,
    BiometricError,
    BiometricMisconfigured,
    BiometricRejected,
    BiometricSample,
    get_backend,
)
from ..models import BiometricMatch, Booking, FaceCapture, NegativeListCheck
from ..selectors_evidence import latest_capture
from .appointment import may_conduct
from .timers import timers_cancel

logger = logging.getLogger(__name__)

R = BiometricMatch.Result


class EvidenceRefused(DomainError):
    code = "evidence_refused"


def _conducting(booking: Booking, actor: Actor) -> None:
    if not may_conduct(actor.user, booking):
        raise EvidenceRefused("Só o agente que conduz a videoconferência registra as evidências do atendimento.")
    if booking.status != Booking.Status.IN_PROGRESS:
        raise EvidenceRefused(
            f"A videoconferência está “{booking.get_status_display()}”: as evidências são registradas durante o "
            "atendimento (inicie-o na sua agenda)."
        )


def _image_size(uploaded: UploadedFile) -> tuple[int, int]:
    uploaded.seek(0)
    with Image.open(uploaded) as image:  # already checked by upload_check: a sound JPEG/PNG under the pixel limit
        size = image.size
    uploaded.seek(0)
    return size


def face_capture_store(*, booking: Booking, uploaded: UploadedFile, actor: Actor) -> FaceCapture:
    """Keep the still the agent confirmed: privately, with its SHA-256, time and agent, audited."""
    try:
        content_type = upload_check(uploaded)
    except UploadRefused as error:
        raise EvidenceRefused(error.message, code=error.code) from error
    if content_type not in (JPEG, PNG):
        raise EvidenceRefused("A foto do rosto precisa ser uma imagem JPEG ou PNG capturada da câmera.")
    width, height = _image_size(uploaded)
    digest = hashlib.sha256()
    for chunk in uploaded.chunks():
        digest.update(chunk)
    uploaded.seek(0)
    with transaction.atomic():
        locked = Booking.objects.select_for_update().get(pk=booking.pk)
        _conducting(locked, actor)
        capture = FaceCapture(
            booking=locked,
            order_id=locked.order_id,
            content_type=content_type,
            size=uploaded.size,
            width=width,
            height=height,
            sha256=digest.hexdigest(),
            captured_at=timezone.now(),
            captured_by=actor.user,
        )
        capture.file.save("face", uploaded, save=False)
        try:
            capture.save()
            audit_record(
                action="face.captured",
                obj=locked.order,
                actor=actor,
                after={
                    "capture": capture.pk,
                    "booking": locked.pk,
                    "sha256": capture.sha256,
                    "size": capture.size,
                    "content_type": content_type,
                    "width": width,
                    "height": height,
                    "captured_at": capture.captured_at.isoformat(),
                    "agent": actor.user.pk,
                },
            )
        except BaseException:
            capture.file.delete(save=False)  # the stored photo must not outlive its row
            raise
    return capture


def _name_key(name: str) -> str:
    """Names compared as a person reads them: no accents, case or extra spaces."""
    folded = unicodedata.normalize("NFKD", name or "").encode("ascii", "ignore").decode()
    return re.sub(r"\s+", " ", folded).strip().upper()


def _refusal(error: BiometricError) -> EvidenceRefused:
    if isinstance(error, BiometricRejected):
        said = f" A base respondeu: {error.message}." if error.message else ""
        return EvidenceRefused(f"A base biométrica recusou a consulta.{said} Capture outra foto e consulte de novo.")
    if isinstance(error, BiometricMisconfigured):
        return EvidenceRefused(
            "A consulta à base biométrica está mal configurada (credenciais ou certificado). Avise o suporte."
        )
    return EvidenceRefused("A base biométrica não respondeu agora. Tente de novo em instantes.")


def biometric_match_query(*, booking: Booking, actor: Actor) -> BiometricMatch:
    """Ask the biometric base about the latest confirmed capture; record the answer (and its protocol), audited.

    The base is asked outside any lock (it may take seconds); the answer is written under the booking's lock, and
    only while the appointment is still the agent's and in progress.
    """
    _conducting(booking, actor)
    capture = latest_capture(booking)
    if capture is None:
        raise EvidenceRefused("Capture e confirme a foto do rosto do titular antes de consultar a base biométrica.")
    order = Order.objects.get(pk=booking.order_id)
    match = BiometricMatch(
        booking=booking,
        order=order,
        face_capture=capture,
        cpf=order.person_cpf,
        queried_by=actor.user,
    )
    backend = get_backend()
    with capture.file.open("rb") as stored:
        sample = BiometricSample(content=stored.read(), content_type=capture.content_type)
    try:
        answer = backend.match(
            cpf=order.person_cpf, sample=sample, reference=str(match.reference), name_on_order=order.person_name
        )
    except BiometricError as error:
        logger.warning("biometric query for order %s failed: %s", order.number, error)
        raise _refusal(error) from error
    match.backend = backend.name
    match.result = R(answer.result)
    match.protocol = answer.protocol
    match.name_in_base = answer.name
    match.name_matches = answer.result == BiometricAnswer.POSITIVE and _name_key(answer.name) == _name_key(
        order.person_name
    )
    match.queried_at = timezone.now()
    with transaction.atomic():
        locked = Booking.objects.select_for_update().get(pk=booking.pk)
        _conducting(locked, actor)
        if answer.face:
            match.base_face_content_type = answer.face_content_type
            match.base_face_sha256 = hashlib.sha256(answer.face).hexdigest()
            match.base_face.save("face", ContentFile(answer.face), save=False)
        try:
            match.save()
            audit_record(
                action="biometrics.matched",
                obj=order,
                actor=actor,
                after={
                    "match": match.pk,
                    "booking": locked.pk,
                    "capture": capture.pk,
                    "capture_sha256": capture.sha256,
                    "backend": match.backend,
                    "result": match.result,
                    "protocol": match.protocol,
                    "name_in_base": match.name_in_base,
                    "name_matches": match.name_matches,
                    "base_face_sha256": match.base_face_sha256,
                },
            )
            if match.waives_documents:
                holder_biometrics_record(
                    cpf=order.person_cpf,
                    source=HolderBiometrics.Source.PSBIO,
                    protocol=match.protocol,
                    note=f"Consulta positiva na videoconferência do pedido {order.number}",
                    actor=actor,
                )
        except BaseException:
            if match.base_face:
                match.base_face.delete(save=False)
            raise
    return match


def negative_list_check(*, booking: Booking, actor: Actor) -> NegativeListCheck:
    """Ask the CA's Lista Negativa (issuance's CA backend, through its AppConfig); record it. A hit ends the
    appointment and stops the order (`orders.services.holds.order_block`: staff alerted, the customer told only to
    contact support)."""
    _conducting(booking, actor)
    order = Order.objects.get(pk=booking.order_id)
    answer = _ca_negative_list(order)
    now = timezone.now()
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=booking.order_id)
        locked = Booking.objects.select_for_update(of=("self",)).get(pk=booking.pk)
        _conducting(locked, actor)
        check = NegativeListCheck.objects.create(
            booking=locked,
            order=order,
            listed=answer.listed,
            reference=answer.reference[:100],
            reason=answer.reason[:500],
            checked_at=now,
            checked_by=actor.user,
        )
        audit_record(
            action="negative_list.checked",
            obj=order,
            actor=actor,
            after={"stage": "validation", "listed": answer.listed, "reference": check.reference, "check": check.pk},
            note=check.reason,
        )
        if answer.listed:
            locked.status = Booking.Status.COMPLETED
            locked.finished_at = now
            locked.outcome = Booking.Outcome.REJECTED
            locked.outcome_reason = "Pedido suspenso: consulta à Lista Negativa da AC"
            locked.save(update_fields=["status", "finished_at", "outcome", "outcome_reason"])
            timers_cancel(locked, now=now)
            order_block(order=order, stage="validation", reference=check.reference, reason=check.reason, actor=actor)
    return check


def _ca_negative_list(order: Order):
    """The CA's answer, from the app that owns the CA backend (issuance comes after scheduling: its AppConfig's
    `negative_list_query(order)`). No such app is a refusal, never a pass."""
    for config in apps.get_app_configs():
        query = getattr(config, "negative_list_query", None)
        if query is not None:
            return query(order)
    raise EvidenceRefused("Nenhuma Autoridade Certificadora responde pela Lista Negativa nesta instalação.")
