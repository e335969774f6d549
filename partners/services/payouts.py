"""Staff paying a partner's commissions of a closed month: recorded once, audited, the partner told."""

from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone

from orders.models import Partner
from tecnosign.audit.services import Actor, audit_record
from tecnosign.errors import DomainError
from tecnosign.notifications.services import notify

from ..models import CommissionPayout
from ..selectors import commission_month_net, month_start


class PayoutRefused(DomainError):
    code = "payout_refused"


def commission_payout_check(*, partner: Partner, month: date) -> None:
    """Raise PayoutRefused when the month cannot be paid (open month, nothing owed)."""
    month = month_start(month)
    if month >= month_start(timezone.localdate()):
        raise PayoutRefused("Só meses encerrados podem ser pagos: o mês atual ainda recebe lançamentos.", field="month")
    if commission_month_net(partner, month) <= 0:
        raise PayoutRefused(f"Não há comissão a pagar a {partner.name} em {month:%m/%Y}.", field="month")


def commission_payout_record(
    *, partner: Partner, month: date, actor: Actor, reference: str = ""
) -> tuple[CommissionPayout, bool]:
    """Mark the month paid. Idempotent: a second call returns the first payout and `created=False`."""
    month = month_start(month)
    existing = CommissionPayout.objects.filter(partner=partner, month=month).first()
    if existing:
        return existing, False
    commission_payout_check(partner=partner, month=month)
    try:
        with transaction.atomic():
            payout = CommissionPayout.objects.create(
                partner=partner,
                month=month,
                amount=commission_month_net(partner, month),
                pix_key=partner.pix_key,
                reference=reference.strip()[:100],
                paid_by=actor.user,
            )
            audit_record(
                action="commission.payout",
                obj=payout,
                actor=actor,
                after={
                    "partner": partner.pk,
                    "month": month.isoformat(),
                    "amount": str(payout.amount),
                    "reference": payout.reference,
                },
            )
            notify(
                "commission_paid",
                to=partner.email,
                key=f"payout:{payout.pk}:paid",
                obj=payout,
                context={"partner": partner, "payout": payout},
            )
    except IntegrityError:
        # Another staff member recorded it at the same moment: theirs stands.
        return CommissionPayout.objects.get(partner=partner, month=month), False
    return payout, True
