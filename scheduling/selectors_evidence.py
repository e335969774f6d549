"""Reads of the videoconference's evidence: what the dossier holds for an appointment, and what a validation still
lacks (services/evidence.py writes it; services/validation.py refuses a validation while anything is missing)."""

from dataclasses import dataclass, field

from orders.eligibility import eligibility_without_biometrics
from orders.models import HolderTerm, Order
from orders.services.terms import term_of

from .models import BiometricMatch, Booking, FaceCapture, NegativeListCheck

R = BiometricMatch.Result


def latest_capture(booking: Booking) -> FaceCapture | None:
    return booking.face_captures.order_by("-pk").first()


@dataclass(frozen=True)
class Evidence:
    """What the dossier holds for one appointment, and what a validation still lacks (`missing`, in Portuguese)."""

    term: HolderTerm | None
    capture: FaceCapture | None
    match: BiometricMatch | None
    negative_list: NegativeListCheck | None
    documents_waived: bool
    missing: list[str] = field(default_factory=list)


def validation_evidence(booking: Booking) -> Evidence:
    order = booking.order
    term = term_of(order)
    capture = latest_capture(booking)
    match = booking.biometric_matches.select_related("face_capture").order_by("-pk").first()
    negative = booking.negative_list_checks.order_by("-pk").first()
    missing = []
    if term is None:
        missing.append(
            "o titular ainda não aceitou o termo de titularidade: peça que ele o aceite na página do pedido e "
            "atualize esta página"
        )
    if capture is None:
        missing.append("capture e confirme a foto do rosto do titular")
    elif match is None or match.face_capture_id != capture.pk:
        missing.append("consulte a base biométrica (PSBio) com a foto confirmada")
    elif match.result == R.NEGATIVE:
        missing.append(
            f"a base biométrica respondeu NEGATIVO (protocolo {match.protocol}): a face não confere com a do "
            "titular, e a identidade não pode ser validada — recuse a validação"
        )
    elif match.result == R.POSITIVE and not match.name_matches:
        missing.append(
            f"o nome na base biométrica (“{match.name_in_base}”, protocolo {match.protocol}) não confere com o do "
            f"pedido (“{order.person_name}”): recuse a validação ou peça a correção do pedido"
        )
    elif match.result == R.NOT_IN_BASE:
        eligibility = eligibility_without_biometrics(validity_months=order.product.validity_months)
        if not eligibility.eligible:
            missing.append(
                f"a base biométrica respondeu que o CPF não consta (protocolo {match.protocol}), e sem biometria "
                f"cadastrada a videoconferência não vale para este pedido: {eligibility.reason}"
            )
    if negative is None:
        missing.append("consulte a Lista Negativa da AC")
    elif negative.listed:
        missing.append("o titular consta da Lista Negativa da AC: o pedido foi suspenso")
    waived = bool(match and capture and match.face_capture_id == capture.pk and match.waives_documents)
    return Evidence(
        term=term, capture=capture, match=match, negative_list=negative, documents_waived=waived, missing=missing
    )


def positive_match_of(order: Order) -> BiometricMatch | None:
    """The order's latest biometric answer when it waives the identity document (orders asks through the AppConfig:
    `order_identity_document_waiver`)."""
    latest = BiometricMatch.objects.filter(order=order).order_by("-pk").first()
    return latest if latest is not None and latest.waives_documents else None
