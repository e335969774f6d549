"""A same-holder guarantee reissue: the holder's proof of contact, the hold before the hand-off, and the way out.

The attack this stops: the serial and the CPF are printed in every certificate; with the revocation password too,
anyone could revoke with "lost password" inside the 14 days, choose the new issuance password, and have the free
replacement — whose key only they would hold — issued at once on the original validation. Now:

1. Revoking within the guarantee leaves the replacement in `paid` and sends a REISSUE holder link to the e-mail on
   file, its code by SMS to the mobile on file (`reissue_proof_start`).
2. The link's page takes the code, then a new issuance password and a new revocation password (the old one may be
   the attacker's). Only then is the original validation reused: `verified` (`reissue_confirm`) …
3. … and held REISSUE_NOTICE_MINUTES, the holder told by e-mail and SMS when it goes to the CA, with a one-time
   "Não fui eu" link (`reissue_stop`) that sends the replacement back to `paid` — a new validation — and alerts staff.
4. A beat task hands the due holds to the CA (`reissue_handoffs_run_due`): rows with a due time, each claimed by one
   conditional UPDATE, so a missed beat catches up and a doubled one hands off once.

Without access to that e-mail or mobile ("Não tenho mais acesso", `reissue_without_contact`) the replacement goes the
new-validation way at once: documents and a videoconference, the normal path from `paid`, with the passwords of the
original purchase (never ones chosen by someone who only knew the revocation password).
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from issuance.services import issuance_submit
from issuance.services.handoff import IssuanceNotAllowed, delivery_kind, issuance_mark_media_delivered
from orders.models import HolderLink, Order
from orders.services.holder_links import (
    HolderLinkInvalid,
    holder_link_find,
    holder_link_issue,
    holder_link_send,
    holder_link_spend,
    holder_link_verify,
)
from orders.services.passwords import hash_secret, holder_secrets_problem, order_passwords_replace
from orders.services.transitions import order_transition
from tecnosign import ratelimit
from tecnosign.audit.services import SYSTEM, Actor, audit_record
from tecnosign.errors import DomainError
from tecnosign.notifications.models import OutboxMessage
from tecnosign.notifications.services import notify

from ..models import ReissueConfirmation, RevocationRequest
from .throttle import brasilia

logger = logging.getLogger(__name__)
C = ReissueConfirmation.Status
S = Order.Status
P = HolderLink.Purpose
BATCH = 200
CONFIRM, STOP = "reissue", "reissue-stop"  # what a REISSUE link is for, in its `subject`


class ReissueProofRefused(DomainError):
    code = "reissue_proof_refused"


def _lifetime() -> timedelta:
    return timedelta(hours=settings.REISSUE_LINK_HOURS)


def reissue_proof_start(*, request: RevocationRequest, replacement: Order, actor: Actor) -> ReissueConfirmation:
    """The replacement waits for its holder: a link to the e-mail and a code to the mobile on file (inside the
    revocation's transaction)."""
    confirmation = ReissueConfirmation.objects.create(request=request, replacement=replacement)
    audit_record(
        action="revocation.reissue_awaiting_holder",
        obj=replacement,
        actor=actor,
        after={"confirmation": confirmation.pk, "status": confirmation.status},
        note="Mesmo titular: a validação só é reaproveitada depois da confirmação pelo e-mail e pelo celular",
    )
    _send_proof(confirmation, actor=actor)
    return confirmation


def _send_proof(confirmation: ReissueConfirmation, *, actor: Actor) -> None:
    order = confirmation.replacement
    issued = holder_link_send(
        order=order,
        purpose=P.REISSUE,
        lifetime=_lifetime(),
        subject=f"{CONFIRM}:{confirmation.pk}",
        url_name="revocation:reissue",
        kind="reissue_confirm",
        context={"original": confirmation.request.order, "hours": settings.REISSUE_LINK_HOURS},
        code_for="confirmar a reemissão",
    )
    audit_record(action="revocation.reissue_link_sent", obj=order, actor=actor, after={"link": issued.link.pk})


def reissue_proof_resend(*, replacement: Order, ip: str | None, actor: Actor) -> None:
    """Another link and code for a replacement still waiting for its holder. Over the per-order limit nothing more is
    sent, silently (the links sent stay valid); over the per-IP limit the caller is told."""
    window = settings.HOLDER_LINK_SEND_WINDOW_SECONDS
    if ratelimit.is_limited("reissue-link-ip", ip or "unknown", limit=settings.HOLDER_LINK_SEND_MAX_PER_IP):
        raise ReissueProofRefused(
            "Muitos pedidos de link a partir desta conexão. Use um dos links já enviados ou tente de novo em uma hora.",
            code="too_many_requests",
        )
    ratelimit.register_hit("reissue-link-ip", ip or "unknown", window=window)
    with transaction.atomic():
        locked = _locked(ReissueConfirmation.objects.filter(replacement=replacement))
        _check_awaiting(locked)
        if ratelimit.register_hit("reissue-link-order", str(replacement.pk), window=window) > (
            settings.HOLDER_LINK_SEND_MAX_PER_ORDER
        ):
            return
        _send_proof(locked, actor=actor)


def _locked(queryset) -> ReissueConfirmation:
    confirmation = (
        queryset.select_for_update(of=("self",)).select_related("replacement__product", "request__order").first()
    )
    if confirmation is None:
        raise ReissueProofRefused("Este pedido não é uma reemissão em garantia do mesmo titular.")
    return confirmation


def _check_awaiting(confirmation: ReissueConfirmation) -> None:
    if confirmation.status == C.AWAITING_HOLDER and confirmation.replacement.status == S.PAID:
        return
    if confirmation.status in (C.ON_HOLD, C.HANDED_OFF):
        raise ReissueProofRefused("Esta reemissão já foi confirmada pelo titular.", code="already_confirmed")
    raise ReissueProofRefused(
        "Esta reemissão segue pela nova validação: envie os documentos e agende a videoconferência na página do "
        "pedido.",
        code="new_validation",
    )


def _confirmation_of(link: HolderLink | None, kind: str) -> ReissueConfirmation | None:
    if link is None:
        return None
    prefix, _, pk = link.subject.partition(":")
    if prefix != kind or not pk.isdigit():
        return None
    return (
        ReissueConfirmation.objects.select_related("replacement__product", "request__order")
        .filter(pk=int(pk), replacement_id=link.order_id)
        .first()
    )


def reissue_link_find(token: str) -> ReissueConfirmation | None:
    """The reissue a usable confirmation link is for (to show its page); None otherwise."""
    return _confirmation_of(holder_link_find(token, purpose=P.REISSUE), CONFIRM)


def reissue_stop_find(token: str) -> ReissueConfirmation | None:
    """The reissue a usable "Não fui eu" link is for; None otherwise."""
    return _confirmation_of(holder_link_find(token, purpose=P.REISSUE), STOP)


_INVALID = (
    "Este link não vale mais: já foi usado ou expirou. Peça um novo na página do pedido de reemissão; ele chega ao "
    "e-mail cadastrado, e o código ao celular."
)


def reissue_confirm(
    *, token: str, code: str, issuance_password: str, revocation_password: str, actor: Actor
) -> ReissueConfirmation:
    """The holder, with the link and the SMS code, chooses the replacement's passwords: the original validation is
    reused (`verified`) and the hand-off held REISSUE_NOTICE_MINUTES, the holder told with a "Não fui eu" link."""
    pending = reissue_link_find(token)
    if pending is None:
        raise HolderLinkInvalid(_INVALID)
    problem = holder_secrets_problem(issuance_password, revocation_password)
    if problem is None and check_password(revocation_password, pending.request.order.revocation_password_hash):
        problem = (
            "revocation_password",
            "Crie uma senha de revogação diferente da anterior: quem revogou pode conhecê-la.",
        )
    if problem:
        field, message = problem
        raise ReissueProofRefused(message, field=field)
    # Outside the transaction: a wrong code is counted for good, even when nothing else happens.
    link = holder_link_verify(token=token, purpose=P.REISSUE, code=code)
    # Hashed before any row is locked (Argon2id takes a tenth of a second each).
    issuance_hash, revocation_hash = hash_secret(issuance_password), hash_secret(revocation_password)
    with transaction.atomic():
        locked = _locked(ReissueConfirmation.objects.filter(pk=pending.pk))
        _check_awaiting(locked)
        holder_link_spend(link)
        now = timezone.now()
        locked.status = C.ON_HOLD
        locked.confirmed_at = now
        locked.due_at = now + timedelta(minutes=settings.REISSUE_NOTICE_MINUTES)
        locked.issuance_password_hash, locked.revocation_password_hash = issuance_hash, revocation_hash
        locked.save(
            update_fields=["status", "confirmed_at", "due_at", "issuance_password_hash", "revocation_password_hash"]
        )
        original = locked.request.order
        locked.replacement = order_transition(
            order=locked.replacement,
            to=S.VERIFIED,
            actor=actor,
            note=f"Mesmo titular, e-mail e celular confirmados: validação do pedido {original.number} reaproveitada",
        )
        audit_record(
            action="revocation.reissue_confirmed",
            obj=locked.replacement,
            actor=actor,
            after={"confirmation": locked.pk, "link": link.pk, "due_at": locked.due_at.isoformat()},
            note=f"Envio à Autoridade Certificadora em {brasilia(locked.due_at)} (Brasília), salvo “Não fui eu”",
        )
        _notify_hold(locked)
    return locked


def _notify_hold(confirmation: ReissueConfirmation) -> None:
    order = confirmation.replacement
    issued = holder_link_issue(
        order=order, purpose=P.REISSUE, lifetime=_lifetime(), subject=f"{STOP}:{confirmation.pk}"
    )
    stop_url = settings.SITE_URL + reverse("revocation:reissue-stop", args=[issued.token])
    context = {
        "order": order,
        "original": confirmation.request.order,
        "due_at": timezone.localtime(confirmation.due_at),
        "stop_url": stop_url,
    }
    key = f"reissue:{confirmation.pk}:on-hold"
    notify("reissue_on_hold", to=order.email, key=f"{key}:email", obj=order, context=context, secrets=[stop_url])
    notify(
        "reissue_on_hold_sms",
        to=order.mobile,
        key=f"{key}:sms",
        channel=OutboxMessage.Channel.SMS,
        obj=order,
        context=context,
        secrets=[stop_url],
    )


def reissue_stop(*, token: str, actor: Actor) -> ReissueConfirmation:
    """The "Não fui eu — cancelar" link: the held replacement goes back to `paid` (a new validation), staff alerted."""
    link = holder_link_verify(token=token, purpose=P.REISSUE)
    confirmation = _confirmation_of(link, STOP)
    if confirmation is None:
        raise HolderLinkInvalid(_INVALID)
    with transaction.atomic():
        locked = _locked(ReissueConfirmation.objects.filter(pk=confirmation.pk))
        if locked.status == C.HANDED_OFF:
            raise ReissueProofRefused(
                f"Tarde demais para cancelar: a reemissão foi enviada à Autoridade Certificadora em "
                f"{brasilia(locked.handed_off_at)} (Brasília). Se não foi você, revogue o certificado novo assim que "
                "ele for emitido (“Minha chave foi comprometida”) e fale com o nosso suporte.",
                code="already_handed_off",
            )
        if locked.status != C.ON_HOLD:
            raise ReissueProofRefused("Esta reemissão já não será enviada à Autoridade Certificadora.")
        holder_link_spend(link)
        locked.status = C.STOPPED
        locked.stopped_at = timezone.now()
        # Whoever chose them is not trusted any more: the replacement keeps the original purchase's passwords.
        locked.issuance_password_hash = locked.revocation_password_hash = ""
        locked.save(update_fields=["status", "stopped_at", "issuance_password_hash", "revocation_password_hash"])
        order = order_transition(
            order=locked.replacement,
            to=S.PAID,
            actor=actor,
            note="“Não fui eu”: o titular não reconheceu a reemissão — nova validação (documentos e videoconferência)",
        )
        audit_record(
            action="revocation.reissue_stopped",
            obj=order,
            actor=actor,
            before={"status": C.ON_HOLD.value},
            after={"confirmation": locked.pk, "status": C.STOPPED.value},
        )
        context = {"order": order, "original": locked.request.order, "confirmation": locked}
        notify("reissue_stopped", to=order.email, key=f"reissue:{locked.pk}:stopped", obj=order, context=context)
        for address in settings.STAFF_ALERT_EMAILS:
            notify(
                "staff_reissue_stopped",
                to=address,
                key=f"reissue:{locked.pk}:stopped:staff:{address}",
                obj=order,
                context={
                    **context,
                    "admin_url": settings.SITE_URL
                    + reverse("admin:revocation_reissueconfirmation_change", args=[locked.pk]),
                },
            )
    return locked


def reissue_without_contact(*, replacement: Order, actor: Actor) -> ReissueConfirmation:
    """The holder has no access to the e-mail or mobile on file: a new validation at once (the path from `paid`)."""
    with transaction.atomic():
        locked = _locked(ReissueConfirmation.objects.filter(replacement=replacement))
        _check_awaiting(locked)
        locked.status = C.NEW_VALIDATION
        locked.stopped_at = timezone.now()
        locked.save(update_fields=["status", "stopped_at"])
        order = locked.replacement
        audit_record(
            action="revocation.reissue_new_validation",
            obj=order,
            actor=actor,
            before={"status": C.AWAITING_HOLDER.value},
            after={"confirmation": locked.pk, "status": C.NEW_VALIDATION.value},
            note="Sem acesso ao e-mail ou ao celular cadastrados",
        )
        # If it was not the holder, whoever still reads the e-mail on file learns of it.
        notify(
            "reissue_new_validation",
            to=order.email,
            key=f"reissue:{locked.pk}:new-validation",
            obj=order,
            context={"order": order, "original": locked.request.order},
        )
    return locked


def reissue_handoff(confirmation_id: int, *, now: datetime) -> bool:
    """Hand one due hold to the CA: claimed by a conditional UPDATE in the transaction that hands it off, so it
    happens once whatever the beats; the holder's passwords go to the replacement now. False: not ours to do."""
    with transaction.atomic():
        if not ReissueConfirmation.objects.filter(pk=confirmation_id, status=C.ON_HOLD, due_at__lte=now).update(
            status=C.HANDED_OFF, handed_off_at=now
        ):
            return False
        confirmation = ReissueConfirmation.objects.select_related("replacement__product", "request__order").get(
            pk=confirmation_id
        )
        order = order_passwords_replace(
            order=confirmation.replacement,
            issuance_password_hash=confirmation.issuance_password_hash,
            revocation_password_hash=confirmation.revocation_password_hash,
            actor=SYSTEM,
            note="Senhas escolhidas pelo titular depois de confirmar o e-mail e o celular cadastrados",
        )
        ReissueConfirmation.objects.filter(pk=confirmation_id).update(
            issuance_password_hash="", revocation_password_hash=""
        )
        handoff = issuance_submit(order, actor=SYSTEM)
        if delivery_kind(order.product) == "a3_delivery":
            # The customer kept the token or card of the original order: nothing is shipped for the reissue.
            issuance_mark_media_delivered(request=handoff, actor=SYSTEM)
        audit_record(
            action="revocation.reissue_handed_off",
            obj=order,
            after={"confirmation": confirmation_id, "request": handoff.pk},
            note="Fim do prazo de aviso ao titular sem “Não fui eu”",
        )
    return True


def reissue_handoffs_run_due(*, now: datetime | None = None) -> dict[str, int]:
    """Every hold whose time has come (a missed beat's backlog included). Returns counts by result."""
    now = now or timezone.now()
    results = {"handed_off": 0, "failed": 0}
    while True:
        due = list(
            ReissueConfirmation.objects.filter(status=C.ON_HOLD, due_at__lte=now)
            .order_by("due_at", "pk")
            .values_list("pk", flat=True)[:BATCH]
        )
        for pk in due:
            try:
                if reissue_handoff(pk, now=now):
                    results["handed_off"] += 1
            except IssuanceNotAllowed as error:
                # Our catalogue is wrong (a product without its policy OID): it stays held until that is fixed.
                logger.error("reissue %s could not be handed off: %s", pk, error.message)
                results["failed"] += 1
        if len(due) < BATCH or results["failed"]:
            return results
