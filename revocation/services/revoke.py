"""Revoking a customer's certificate — by the revocation password, or on a letter staff approved — and the
guarantee that follows."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from issuance.models import Certificate
from issuance.services import certificate_revoke
from issuance.services.revocation import AlreadyRevoked
from orders.models import Order
from orders.services.access import order_access_url
from orders.services.passwords import secret_matches
from orders.services.transitions import order_transition
from tecnosign.audit.services import Actor, audit_record
from tecnosign.errors import DomainError
from tecnosign.notifications.services import notify

from ..models import RevocationRequest
from ..reasons import RULES, Guarantee, Reason, guarantee_for
from .details import Details, details_for_reissue, reason_check
from .reissue import guarantee_start, new_purchase_url, reissue_create
from .throttle import brasilia, throttle_claim, throttle_fail, throttle_release

S = Order.Status
R = RevocationRequest.Status


class NotRevocable(DomainError):
    code = "not_revocable"


class WrongRevocationPassword(DomainError):
    code = "wrong_revocation_password"


def revocable_certificate(order: Order) -> Certificate | None:
    return order.certificates.order_by("-issued_at").first()


def revocation_check(certificate: Certificate) -> Order:
    """The certificate's order, when it may be revoked now; otherwise why not, in Portuguese."""
    order = certificate.order
    if certificate.status == Certificate.Status.REVOKED:
        raise AlreadyRevoked(
            f"Este certificado já foi revogado em {brasilia(certificate.revoked_at)} (Brasília). "
            "Um certificado revogado não volta a valer e não pode ser revogado de novo."
        )
    if order.status != S.ISSUED:
        raise NotRevocable(f"O pedido {order.number} está em “{order.get_status_display()}”: não há o que revogar.")
    return order


def guarantee_now(order: Order, reason: str, *, at: datetime | None = None) -> Guarantee:
    return guarantee_for(Reason(reason), issued_at=guarantee_start(order), at=at)


def revoke_with_password(
    *, certificate: Certificate, details: Details, password: str, actor: Actor, proof: int | None = None
) -> RevocationRequest:
    """Self-service revocation: the reason, the revocation password (attempts limited), then revoke at once.

    `proof`: the holder link with which this session opened the order — its guesses count on their own key, not on
    the certificate's lock that anyone knowing the serial and CPF can set off (`throttle`)."""
    order = revocation_check(certificate)
    reason = reason_check(order, details.reason)
    now = timezone.now()
    guarantee = guarantee_now(order, reason, at=now)
    fields = details_for_reissue(order, details, guarantee, revocation_password=password)
    claim = throttle_claim(certificate_id=certificate.pk, ip=actor.ip, proof=proof)
    if not secret_matches(password, order.revocation_password_hash):
        left, locked = throttle_fail(claim)
        audit_record(
            action="revocation.password_locked" if locked else "revocation.password_wrong",
            obj=order,
            actor=actor,
            after={"certificate": certificate.serial, **({"locked_until": locked.until.isoformat()} if locked else {})},
        )
        if locked:
            raise locked
        raise WrongRevocationPassword(
            "Senha de revogação incorreta. Use a senha de revogação criada no pedido (não a senha de emissão). "
            + (f"Restam {left} tentativas." if left > 1 else "Resta 1 tentativa antes do bloqueio temporário."),
            field="password",
        )
    throttle_release(claim)
    with transaction.atomic():
        request = RevocationRequest(
            order=order,
            certificate=certificate,
            channel=RevocationRequest.Channel.PASSWORD,
            reason=reason,
            **fields,
        )
        return revocation_apply(request=request, at=now, actor=actor)


def revocation_apply(*, request: RevocationRequest, at: datetime, actor: Actor) -> RevocationRequest:
    """Revoke the request's certificate, move its order to `revoked`, and reissue when the guarantee applies at `at`.

    Inside the caller's transaction: the CA revocation, the order, the request, the replacement, the commission
    reversal and the e-mail commit together or not at all.
    """
    order = Order.objects.select_for_update(of=("self",)).select_related("product", "partner").get(pk=request.order_id)
    certificate = Certificate.objects.get(pk=request.certificate_id)
    revocation_check(certificate)
    if order.status != S.ISSUED:
        raise NotRevocable(f"O pedido {order.number} está em “{order.get_status_display()}”: não há o que revogar.")
    reason = Reason(request.reason)
    guarantee = guarantee_now(order, reason, at=at)
    label = reason.label
    certificate = certificate_revoke(
        certificate=certificate,
        reason=RULES[reason].crl_reason,
        actor=actor,
        note=f"{label} — pedido do titular ({request.get_channel_display().lower()})",
    )
    order = order_transition(order=order, to=S.REVOKED, actor=actor, note=f"Certificado revogado: {label}")
    request.status = R.REVOKED
    request.revoked_at = certificate.revoked_at
    request.within_guarantee = guarantee.within if guarantee.days is not None else None
    request.guarantee_ends_at = guarantee.ends_at
    request.save()
    if guarantee.reissue:
        request.replacement = reissue_create(original=order, request=request, actor=actor)
        request.save(update_fields=["replacement"])
    # A letter still waiting for the same certificate has nothing left to do.
    RevocationRequest.objects.filter(certificate=certificate, status__in=RevocationRequest.OPEN).exclude(
        pk=request.pk
    ).update(status=R.CLOSED)
    audit_record(
        action="revocation.revoked",
        obj=order,
        actor=actor,
        after={
            "request": request.pk,
            "channel": request.channel,
            "reason": reason.value,
            "crl_reason": certificate.revocation_reason,
            "within_guarantee": request.within_guarantee,
            "replacement": request.replacement.number if request.replacement else None,
        },
        note=label,
    )
    replacement_url = order_access_url(request.replacement) if request.replacement else ""
    notify(
        "revocation_confirmed",
        to=order.email,
        key=f"revocation:{request.pk}:confirmed",
        obj=order,
        context={
            "order": order,
            "certificate": certificate,
            "request": request,
            "reason_label": label,
            "guarantee": guarantee,
            "replacement": request.replacement,
            "replacement_url": replacement_url,
            "new_purchase_url": "" if request.replacement else new_purchase_url(order),
        },
        secrets=[replacement_url],
    )
    return request
