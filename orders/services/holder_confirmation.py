"""A partner's order waits for its holder, who confirms the data, accepts the LGPD terms and sets both passwords.

A partner enters a client's data (the partners' API) but never the passwords nor the consent: they are the
holder's alone, given through a one-time link e-mailed to the address on the order (`HolderLink`, purpose
HOLDER_CONFIRMATION). Each link lives `HOLDER_CONFIRMATION_DAYS`; the partner may have a new one sent, at most
`HOLDER_CONFIRMATION_LINKS_PER_DAY` links a day per order. An order whose last link lapsed unused is cancelled by
`holder_confirmations_expire` (a beat task).
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone

from tecnosign.audit.services import SYSTEM, Actor, audit_record
from tecnosign.errors import DomainError
from tecnosign.notifications.services import notify

from ..models import HolderLink, Order, Partner
from .access import order_created_notify
from .holder_links import holder_link_issue, holder_link_spend, holder_link_verify
from .passwords import hash_secret, holder_secrets_problem
from .transitions import order_transition, order_transition_claim

S = Order.Status
PURPOSE = HolderLink.Purpose.HOLDER_CONFIRMATION


class HolderConfirmationError(DomainError):
    code = "holder_confirmation_invalid"


class HolderLinkResendRefused(DomainError):
    code = "resend_not_allowed"


def holder_confirmation_lifetime() -> timedelta:
    return timedelta(days=settings.HOLDER_CONFIRMATION_DAYS)


def holder_confirmation_url(token: str) -> str:
    return settings.SITE_URL + reverse("orders:holder-confirm", args=[token])


def holder_confirmation_send(*, order: Order, actor: Actor, note: str) -> HolderLink:
    """Issue a confirmation link and e-mail it to the holder, inside the caller's transaction (which locked or
    created the order). The link is a secret of that e-mail: masked wherever staff read the outbox."""
    issued = holder_link_issue(order=order, purpose=PURPOSE, lifetime=holder_confirmation_lifetime())
    url = holder_confirmation_url(issued.token)
    notify(
        "holder_confirmation",
        to=order.email,
        key=f"holder-link:{issued.link.pk}",
        obj=order,
        context={"order": order, "partner": order.partner, "confirm_url": url, "expires_at": issued.link.expires_at},
        secrets=[url],
    )
    audit_record(
        action="order.holder_link_sent",
        obj=order,
        actor=actor,
        after={"link": issued.link.pk, "expires_at": issued.link.expires_at.isoformat()},
        note=note,
    )
    return issued.link


LINK_UNUSABLE = (
    "Este link de confirmação não vale mais: já foi usado ou expirou. Se você ainda não confirmou o pedido, peça a "
    "quem o fez (o seu contador ou parceiro TecnoSign) que envie um novo link; ele chega ao seu e-mail."
)


def holder_confirmation_closed(order: Order) -> HolderConfirmationError:
    """Why `order` can no longer be confirmed (it was confirmed or cancelled), for a link still unused."""
    if order.status == S.CANCELLED:
        return HolderConfirmationError(
            f"O pedido {order.number} foi cancelado e não pode mais ser confirmado.", code="order_cancelled"
        )
    return HolderConfirmationError(
        f"O pedido {order.number} já foi confirmado. Para acompanhá-lo, informe o número do pedido e o CPF/CNPJ em "
        "“Acessar meu pedido”.",
        code="already_confirmed",
    )


def _lock_awaiting_holder(order_id: int) -> Order:
    order = Order.objects.select_for_update().get(pk=order_id)
    if order.status != S.AWAITING_HOLDER:
        raise holder_confirmation_closed(order)
    return order


def order_holder_confirm(
    *,
    token: str,
    data_confirmed: bool,
    issuance_password: str,
    revocation_password: str,
    lgpd_consent: bool,
    actor: Actor,
) -> Order:
    """The holder confirms a partner's order: the data is right, the LGPD terms accepted, both passwords set.

    The order moves to `awaiting_payment` with the hashes and the consent in the same UPDATE, the link is spent,
    and the "order created / how to pay" e-mail goes out. HolderLinkInvalid when the link is unknown, used or
    expired; HolderConfirmationError (with its field) for anything the holder must fix.
    """
    link = holder_link_verify(token=token, purpose=PURPOSE)
    if not data_confirmed:
        raise HolderConfirmationError("Confira os dados e marque que estão corretos.", field="data_confirmed")
    if problem := holder_secrets_problem(issuance_password, revocation_password, lgpd_consent=lgpd_consent):
        field, message = problem
        raise HolderConfirmationError(message, field=field)
    # Hashed before the transaction, as checkout does: a quarter of a second of CPU must not hold the row lock.
    issuance_hash, revocation_hash = hash_secret(issuance_password), hash_secret(revocation_password)
    with transaction.atomic():
        # The order first, then the link, as `order_holder_decline` does: two requests on one link cannot deadlock.
        order = _lock_awaiting_holder(link.order_id)
        holder_link_spend(link)
        consent_at = timezone.now()
        order = order_transition(
            order=order,
            to=S.AWAITING_PAYMENT,
            actor=actor,
            note="Dados confirmados pelo titular",
            fields={
                "issuance_password_hash": issuance_hash,
                "revocation_password_hash": revocation_hash,
                "lgpd_consent_at": consent_at,
                "lgpd_consent_version": settings.LGPD_CONSENT_VERSION,
            },
        )
        audit_record(
            action="order.holder_confirmed",
            obj=order,
            actor=actor,
            after={"lgpd_consent_at": consent_at.isoformat(), "lgpd_consent_version": settings.LGPD_CONSENT_VERSION},
            note="O titular conferiu os dados, aceitou o termo LGPD e criou as senhas de emissão e de revogação",
        )
        order_created_notify(order)
    return order


def order_holder_decline(*, token: str, actor: Actor) -> Order:
    """The holder says the partner's data is wrong: the order is cancelled and the partner told to make it again."""
    link = holder_link_verify(token=token, purpose=PURPOSE)
    with transaction.atomic():
        order = _lock_awaiting_holder(link.order_id)
        holder_link_spend(link)
        order = order_transition(
            order=order, to=S.CANCELLED, actor=actor, note="O titular informou que os dados do pedido estão errados"
        )
        _tell_partner(order, "holder_declined")
    return order


def _tell_partner(order: Order, kind: str) -> None:
    partner = order.partner
    if partner is None:
        return
    notify(
        kind,
        to=partner.email,
        key=f"order:{order.pk}:{kind}",
        obj=order,
        context={"order": order, "partner": partner},
    )


def order_holder_link_resend(*, partner: Partner, order: Order, actor: Actor) -> HolderLink:
    """A new confirmation link for the holder of the partner's order (the earlier ones stay valid)."""
    if order.partner_id != partner.pk:
        raise HolderLinkResendRefused("Pedido não encontrado.", code="not_found")
    limit = settings.HOLDER_CONFIRMATION_LINKS_PER_DAY
    with transaction.atomic():
        # The lock serialises two resends of one order, so the count below cannot be raced past the limit.
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if locked.status != S.AWAITING_HOLDER:
            raise HolderLinkResendRefused(f"O pedido {locked.number} não está aguardando a confirmação do cliente.")
        recent = HolderLink.objects.filter(
            order=locked, purpose=PURPOSE, created_at__gt=timezone.now() - timedelta(days=1)
        ).count()
        if recent >= limit:
            raise HolderLinkResendRefused(
                f"Já enviamos {recent} links de confirmação deste pedido nas últimas 24 horas. Peça ao cliente que "
                "confira a caixa de spam; um novo envio fica disponível amanhã.",
                code="too_many_links",
            )
        return holder_confirmation_send(
            order=locked, actor=actor, note=f"Link de confirmação reenviado a pedido do parceiro {partner.name}"
        )


def _lapsed(now: datetime) -> Exists:
    """Orders with no confirmation link left to use."""
    live = HolderLink.objects.filter(order=OuterRef("pk"), purpose=PURPOSE, used_at__isnull=True, expires_at__gt=now)
    return ~Exists(live)


def holder_confirmations_expire(*, now: datetime | None = None) -> int:
    """Cancel the partners' orders whose holder let every confirmation link lapse. Returns how many.

    Idempotent: each order is claimed with a conditional UPDATE, so a beat run twice (or racing the holder's
    click) cancels it once and tells the partner once.
    """
    now = now or timezone.now()
    candidates = (
        Order.objects.filter(
            _lapsed(now), status=S.AWAITING_HOLDER, status_changed_at__lte=now - holder_confirmation_lifetime()
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    cancelled = 0
    for order_id in list(candidates):
        with transaction.atomic():
            order = order_transition_claim(
                order_id=order_id,
                source=S.AWAITING_HOLDER,
                to=S.CANCELLED,
                condition=_lapsed(now),
                actor=SYSTEM,
                note="O titular não confirmou o pedido no prazo",
            )
            if order is None:
                continue
            _tell_partner(order, "holder_confirmation_expired")
            cancelled += 1
    return cancelled
