"""Reads for the revocation page and the order page's revocation section."""

from dataclasses import dataclass, field
from datetime import timedelta

from django.urls import reverse
from django.utils import formats, timezone

from issuance.models import Certificate
from issuance.selectors import PageOffer
from issuance.services.handoff import delivery_kind
from orders.models import Order
from orders.selectors import Deadline

from .models import ReissueConfirmation, RevocationRequest
from .reasons import RULES, Guarantee, Reason, guarantee_for, reasons_for
from .services.reissue import guarantee_start, new_purchase_url

S = Order.Status


@dataclass(frozen=True)
class ReasonRow:
    reason: Reason
    guarantee: Guarantee
    crl_reason: str

    @property
    def label(self) -> str:
        return self.reason.label


def allowed_reasons(order: Order) -> list[Reason]:
    return reasons_for(software=delivery_kind(order.product) == "a1", company=order.is_company)


def reason_rows(order: Order) -> list[ReasonRow]:
    """Each reason that applies to the order's certificate, with its guarantee as of now."""
    start = guarantee_start(order)
    now = timezone.now()
    return [
        ReasonRow(
            reason=reason,
            guarantee=guarantee_for(reason, issued_at=start, at=now),
            crl_reason=Certificate.Reason(RULES[reason].crl_reason).label,
        )
        for reason in allowed_reasons(order)
    ]


def revocation_done(certificate: Certificate) -> RevocationRequest | None:
    return (
        RevocationRequest.objects.select_related("replacement", "reviewed_by")
        .filter(certificate=certificate, status=RevocationRequest.Status.REVOKED)
        .first()
    )


def outcome_of(request: RevocationRequest | None) -> dict:
    """What to say about a done revocation: the guarantee it had and, without a reissue, where to buy again."""
    if request is None:
        return {}
    order = request.order
    guarantee = guarantee_for(Reason(request.reason), issued_at=guarantee_start(order), at=request.revoked_at)
    return {
        "request": request,
        "guarantee": guarantee,
        "new_purchase_url": "" if request.replacement_id else new_purchase_url(order),
    }


@dataclass
class RevocationPanel:
    visible: bool = False
    certificate: Certificate | None = None
    revocable: bool = False
    outcome: dict = field(default_factory=dict)
    letters: list = field(default_factory=list)
    replaces: Order | None = None
    confirmation: ReissueConfirmation | None = None
    # The confirmation as the holder should read it: "awaiting_holder", "on_hold", "new_validation" or "".
    reissue_step: str = ""


def reissue_step(order: Order, confirmation: ReissueConfirmation | None) -> str:
    """Where a same-holder reissue stands for its order page. A replacement that left `paid` some other way (the
    documents were sent) is on the new-validation path whatever its confirmation row says."""
    C = ReissueConfirmation.Status
    if confirmation is None or confirmation.status == C.HANDED_OFF:
        return ""
    if confirmation.status == C.AWAITING_HOLDER:
        return "awaiting_holder" if order.status == S.PAID else "new_validation"
    if confirmation.status == C.ON_HOLD:
        return "on_hold"
    return "new_validation"


def revocation_panel_for(order: Order) -> RevocationPanel:
    replaces = Order.objects.filter(pk=order.replaces_id).first() if order.replaces_id else None
    if order.status not in (S.ISSUED, S.REVOKED):
        confirmation = ReissueConfirmation.objects.filter(replacement=order).first() if replaces else None
        return RevocationPanel(
            visible=replaces is not None,
            replaces=replaces,
            confirmation=confirmation,
            reissue_step=reissue_step(order, confirmation),
        )
    certificate = order.certificates.order_by("-issued_at").first()
    if certificate is None:
        return RevocationPanel(visible=replaces is not None, replaces=replaces)
    letters = list(
        RevocationRequest.objects.filter(certificate=certificate, channel=RevocationRequest.Channel.LETTER).order_by(
            "-created_at"
        )[:5]
    )
    return RevocationPanel(
        visible=True,
        certificate=certificate,
        revocable=order.status == S.ISSUED and certificate.status == Certificate.Status.VALID,
        outcome=outcome_of(revocation_done(certificate)),
        letters=letters,
        replaces=replaces,
    )


# How the order page's timeline names the cases a guarantee window covers (the reasons' labels are sentences).
GUARANTEE_CASES = {
    Reason.PASSWORD_LOST: "senha perdida",
    Reason.FILE_CORRUPTED: "arquivo corrompido",
    Reason.PIS_CEI_MISSING: "PIS/CEI esquecido",
    Reason.WRONG_BRANCH: "CNPJ de outra filial",
}


def guarantee_deadlines(order: Order) -> list[Deadline]:
    """After issuance: the last day of each guarantee window still open (14 days; 7 for another CNPJ branch),
    with the reasons it covers — counted from the sale's first certificate, as the revocation page counts."""
    if order.status != S.ISSUED or not order.certificates.exists():
        return []
    start, now = guarantee_start(order), timezone.now()
    windows: dict[int, list[Guarantee]] = {}
    for reason in allowed_reasons(order):
        guarantee = guarantee_for(reason, issued_at=start, at=now)
        if guarantee.within:
            windows.setdefault(guarantee.days, []).append(guarantee)
    return [
        Deadline(
            S.ISSUED,
            f"Garantia de {days} dias ({', '.join(GUARANTEE_CASES[g.reason] for g in covered)}) até",
            covered[0].ends_at - timedelta(microseconds=1),
            day_only=True,
        )
        for days, covered in sorted(windows.items(), reverse=True)
    ]


def file_lost_offer(order: Order) -> PageOffer | None:
    """An issued A1 whose file may never have been saved (the page closed before it, or it was lost or corrupted):
    revoke it as "arquivo corrompido" — within the 14-day guarantee, a free reissue issued on the same page."""
    certificate = order.certificates.filter(status=Certificate.Status.VALID).order_by("-issued_at").first()
    if order.status != S.ISSUED or certificate is None or Reason.FILE_CORRUPTED not in allowed_reasons(order):
        return None
    guarantee = guarantee_for(Reason.FILE_CORRUPTED, issued_at=guarantee_start(order))
    url = reverse("revocation:certificate", args=[certificate.serial]) + f"?motivo={Reason.FILE_CORRUPTED.value}#senha"
    if guarantee.within:
        last_day = formats.date_format(guarantee.last_day, "d/m/Y")
        return PageOffer(
            text=f"Garantia de {guarantee.days} dias, até {last_day} (Brasília): revogue este certificado com o motivo "
            f"“{Reason.FILE_CORRUPTED.label}” e a reemissão é sem custo, com a mesma validação. Você confirma pelo "
            "e-mail e pelo celular cadastrados e emite o novo certificado nesta mesma página, com uma chave nova.",
            url=url,
            label="Revogar e pedir a reemissão sem custo",
        )
    return PageOffer(
        text=f"A garantia de {guarantee.days} dias para arquivo corrompido terminou: o certificado ainda pode ser "
        "revogado, e um novo certificado é uma nova compra.",
        url=url,
        label="Revogar o certificado",
    )
