"""Partners' referral links: create, change, pause and resume, within the limits staff set.

`orders` owns the ReferralLink rows and what makes a link's terms valid; the limits are the partner programme's
(`partners.models.LinkLimits`), handed in by the partner portal's services."""

from dataclasses import asdict, dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from django.db import transaction
from django.utils import timezone

from tecnosign.audit.services import Actor, audit_record
from tecnosign.errors import DomainError
from tecnosign.page_cache import public_pages_changed

from ..models import Partner, Product, ReferralLink

CENTS = Decimal("0.01")


class LinkRefused(DomainError):
    code = "link_invalid"


class PartnerNotApproved(DomainError):
    code = "partner_not_approved"


class LinkLimits(Protocol):
    """The most a link may give, as staff set it (partners.models.LinkLimits)."""

    max_commission_percent: Decimal
    max_discount_percent: Decimal
    max_discount_amount: Decimal


@dataclass(frozen=True)
class LinkTerms:
    """What the partner chose for a link. Exactly one benefit value goes with the benefit."""

    name: str
    benefit: str
    product: Product | None = None
    commission_percent: Decimal | None = None
    discount_percent: Decimal | None = None
    discount_amount: Decimal | None = None
    expires_at: datetime | None = None
    max_uses: int | None = None


def _money(value: Decimal) -> str:
    return f"{value:.2f}".replace(".", ",")


def _bounded(value: Decimal | None, *, field: str, maximum: Decimal, unit: str) -> Decimal:
    if value is None:
        raise LinkRefused("Informe o valor do benefício.", field=field)
    value = Decimal(value)
    if not value.is_finite() or value <= 0:
        raise LinkRefused("O valor deve ser maior que zero.", field=field)
    if value != value.quantize(CENTS):
        raise LinkRefused("Use no máximo duas casas decimais.", field=field)
    if value > maximum:
        limit = f"{_money(maximum)}%" if unit == "%" else f"R$ {_money(maximum)}"
        raise LinkRefused(f"O máximo permitido pela TecnoSign é {limit}.", field=field)
    return value.quantize(CENTS)


def link_terms_clean(terms: LinkTerms, *, limits: LinkLimits, orders_so_far: int = 0) -> LinkTerms:
    """The terms as they will be stored, or LinkRefused naming the field that is wrong."""
    name = " ".join((terms.name or "").split())
    if not name:
        raise LinkRefused("Dê um nome ao link (por exemplo, o nome da campanha).", field="name")
    if len(name) > 100:
        raise LinkRefused("O nome pode ter até 100 caracteres.", field="name")
    if terms.product is not None and not terms.product.active:
        raise LinkRefused("Este produto não está mais à venda.", field="product")
    values = {"commission_percent": None, "discount_percent": None, "discount_amount": None}
    if terms.benefit == ReferralLink.Benefit.COMMISSION:
        if terms.discount_percent is not None or terms.discount_amount is not None:
            raise LinkRefused("Um link com comissão não dá desconto ao cliente: escolha um dos dois.", field="benefit")
        values["commission_percent"] = _bounded(
            terms.commission_percent, field="commission_percent", maximum=limits.max_commission_percent, unit="%"
        )
    elif terms.benefit == ReferralLink.Benefit.DISCOUNT:
        if terms.commission_percent is not None:
            raise LinkRefused("Um link com desconto não paga comissão: escolha um dos dois.", field="benefit")
        if (terms.discount_percent is None) == (terms.discount_amount is None):
            raise LinkRefused("Informe o desconto em percentual ou em reais (um dos dois).", field="discount_percent")
        if terms.discount_percent is not None:
            values["discount_percent"] = _bounded(
                terms.discount_percent, field="discount_percent", maximum=limits.max_discount_percent, unit="%"
            )
        else:
            values["discount_amount"] = _bounded(
                terms.discount_amount, field="discount_amount", maximum=limits.max_discount_amount, unit="R$"
            )
    else:
        raise LinkRefused("Escolha o benefício: comissão para você ou desconto para o cliente.", field="benefit")
    if terms.expires_at is not None and terms.expires_at <= timezone.now():
        raise LinkRefused("A data de validade precisa estar no futuro.", field="expires_at")
    if terms.max_uses is not None:
        if terms.max_uses < 1:
            raise LinkRefused("O limite de pedidos deve ser de pelo menos 1.", field="max_uses")
        if terms.max_uses < orders_so_far:
            raise LinkRefused(
                f"O link já tem {orders_so_far} pedidos: o limite não pode ser menor que isso.", field="max_uses"
            )
    return LinkTerms(
        name=name,
        benefit=terms.benefit,
        product=terms.product,
        expires_at=terms.expires_at,
        max_uses=terms.max_uses,
        **values,
    )


def _snapshot(link: ReferralLink) -> dict:
    return {
        "name": link.name,
        "product": link.product.code if link.product else None,
        "benefit": link.benefit,
        "commission_percent": str(link.commission_percent) if link.commission_percent is not None else None,
        "discount_percent": str(link.discount_percent) if link.discount_percent is not None else None,
        "discount_amount": str(link.discount_amount) if link.discount_amount is not None else None,
        "expires_at": link.expires_at.isoformat() if link.expires_at else None,
        "max_uses": link.max_uses,
        "active": link.active,
    }


def _require_approved(partner: Partner) -> None:
    if partner.status != Partner.Status.APPROVED:
        raise PartnerNotApproved("Só parceiros aprovados podem criar ou alterar links de venda.")


def referral_link_create(*, partner: Partner, terms: LinkTerms, limits: LinkLimits, actor: Actor) -> ReferralLink:
    _require_approved(partner)
    clean = link_terms_clean(terms, limits=limits)
    with transaction.atomic():
        link = ReferralLink.objects.create(partner=partner, **asdict(clean))
        audit_record(action="link.created", obj=link, actor=actor, after=_snapshot(link))
    return link


def referral_link_update(*, link: ReferralLink, terms: LinkTerms, limits: LinkLimits, actor: Actor) -> ReferralLink:
    """Change a link's terms. Orders already made keep the price and commission they were made with."""
    _require_approved(link.partner)
    with transaction.atomic():
        locked = ReferralLink.objects.select_for_update().get(pk=link.pk)
        if terms.expires_at == locked.expires_at:
            # Keeping an expiry that has already passed is not "setting it in the past".
            clean = link_terms_clean(replace(terms, expires_at=None), limits=limits, orders_so_far=locked.orders_count)
            clean = replace(clean, expires_at=locked.expires_at)
        else:
            clean = link_terms_clean(terms, limits=limits, orders_so_far=locked.orders_count)
        before = _snapshot(locked)
        for field, value in asdict(clean).items():
            setattr(locked, field, value)
        locked.save(update_fields=list(asdict(clean)))
        audit_record(action="link.updated", obj=locked, actor=actor, before=before, after=_snapshot(locked))
    return locked


def referral_link_set_active(*, link: ReferralLink, active: bool, actor: Actor) -> ReferralLink:
    """Pause or resume. Doing it twice changes nothing and records nothing the second time."""
    if active:
        _require_approved(link.partner)
    with transaction.atomic():
        changed = ReferralLink.objects.filter(pk=link.pk, active=not active).update(active=active)
        if changed:
            public_pages_changed()  # update() sends no post_save: the link page must not be served paused/resumed
            audit_record(
                action="link.resumed" if active else "link.paused",
                obj=link,
                actor=actor,
                before={"active": not active},
                after={"active": active},
            )
    link.refresh_from_db(fields=["active"])
    return link
