"""Urgent revocation — "minha chave foi comprometida": revoke at once without the revocation password, by a one-time
link e-mailed to the holder and its code sent by SMS to the mobile on file.

Never subject to the revocation-password lock nor to the look-up lock: whoever holds a stolen key could set those off
on purpose (the serial and the CPF are printed in every certificate) to keep the holder from revoking it. Guessing
is stopped instead by the link (unguessable, in the holder's inbox) and its code (HOLDER_LINK_CODE_MAX_FAILURES wrong
tries void the link). Asking for a link takes only the order number or the serial, answers the same whether it
exists or not, and is limited against mail and SMS bombing only: the links already sent stay valid. The reason is
the reasons table's `key_compromised` (keyCompromise, no guarantee, no reissue).
"""

import re
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from issuance.models import Certificate
from orders.models import HolderLink, Order
from orders.services.holder_links import (
    HolderLinkInvalid,
    holder_link_find,
    holder_link_send,
    holder_link_spend,
    holder_link_verify,
)
from tecnosign import ratelimit
from tecnosign.audit.services import Actor, audit_record
from tecnosign.errors import DomainError

from ..models import RevocationRequest
from ..reasons import Reason
from .access import normalize_serial
from .revoke import revocation_apply

P = HolderLink.Purpose
_SUBJECT = re.compile(r"^certificate:(\d+)$")


class UrgentRequestLimited(DomainError):
    code = "too_many_requests"


def urgent_certificates(identifier: str) -> list[Certificate]:
    """The valid certificates of issued orders an order number or a serial names (serials are unique per issuer)."""
    compact = re.sub(r"[\s:.\-]", "", identifier or "").upper()
    if not compact:
        return []
    candidates = Certificate.objects.select_related("order").filter(
        status=Certificate.Status.VALID, order__status=Order.Status.ISSUED
    )
    if compact.startswith("TS"):
        return list(candidates.filter(order__number=compact).order_by("-issued_at")[:1])
    serial = normalize_serial(compact)
    return list(candidates.filter(serial=serial)) if serial else []


def urgent_revocation_request(*, identifier: str, ip: str | None, actor: Actor) -> None:
    """Send the urgent-revocation link and code for the certificate(s) `identifier` names, to their holder's contact.

    The same answer whatever the identifier; past the per-IP limit UrgentRequestLimited, past the per-certificate
    limit nothing more is sent, silently."""
    window = settings.HOLDER_LINK_SEND_WINDOW_SECONDS
    if ratelimit.is_limited("urgent-link-ip", ip or "unknown", limit=settings.HOLDER_LINK_SEND_MAX_PER_IP):
        raise UrgentRequestLimited(
            "Muitos pedidos de revogação urgente a partir desta conexão. Use um dos links já enviados ao e-mail "
            "cadastrado ou tente de novo em uma hora."
        )
    ratelimit.register_hit("urgent-link-ip", ip or "unknown", window=window)
    for certificate in urgent_certificates(identifier):
        sent = ratelimit.register_hit("urgent-link-certificate", str(certificate.pk), window=window)
        if sent > settings.HOLDER_LINK_SEND_MAX_PER_ORDER:
            continue
        with transaction.atomic():
            _send(certificate, actor=actor)


def _send(certificate: Certificate, *, actor: Actor) -> None:
    order = certificate.order
    issued = holder_link_send(
        order=order,
        purpose=P.URGENT_REVOCATION,
        lifetime=timedelta(minutes=settings.URGENT_REVOCATION_LINK_MINUTES),
        subject=f"certificate:{certificate.pk}",
        url_name="revocation:urgent",
        kind="revocation_urgent_link",
        context={"certificate": certificate, "minutes": settings.URGENT_REVOCATION_LINK_MINUTES},
        code_for="revogar o certificado",
    )
    audit_record(
        action="revocation.urgent_link_sent",
        obj=order,
        actor=actor,
        after={"certificate": certificate.serial, "link": issued.link.pk},
    )


def _certificate_of(link: HolderLink | None) -> Certificate | None:
    match = _SUBJECT.match(link.subject) if link is not None else None
    if match is None:
        return None
    return (
        Certificate.objects.select_related("order__product")
        .filter(pk=int(match.group(1)), order_id=link.order_id)
        .first()
    )


def urgent_link_certificate(token: str) -> Certificate | None:
    """The certificate a usable urgent-revocation link is for (to show its page); None otherwise."""
    return _certificate_of(holder_link_find(token, purpose=P.URGENT_REVOCATION))


def revoke_urgently(*, token: str, code: str, actor: Actor) -> RevocationRequest:
    """Revoke at once, reason keyCompromise, on the link and its SMS code. HolderCodeWrong / HolderLinkInvalid when
    they do not match (a wrong code is counted before anything else happens, for good)."""
    link = holder_link_verify(token=token, purpose=P.URGENT_REVOCATION, code=code)
    certificate = _certificate_of(link)
    if certificate is None:
        raise HolderLinkInvalid("Este link não é de um certificado que possamos revogar.")
    with transaction.atomic():
        holder_link_spend(link)
        request = RevocationRequest(
            order=certificate.order,
            certificate=certificate,
            channel=RevocationRequest.Channel.URGENT,
            reason=Reason.KEY_COMPROMISED,
        )
        return revocation_apply(request=request, at=timezone.now(), actor=actor)
