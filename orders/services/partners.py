"""Partners' accounts: registration, staff decisions, their own details. `orders` owns the Partner rows (orders and
links point to them); the partner portal and the admin call these."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from tecnosign.audit.services import Actor, audit_record
from tecnosign.errors import DomainError
from tecnosign.notifications.services import notify

from ..models import Partner


class RegistrationConflict(DomainError):
    code = "partner_exists"


def partner_register(
    *, document: str, name: str, contact_name: str, email: str, phone: str, pix_key: str, password: str, actor: Actor
) -> Partner:
    """A new partner account, pending staff approval."""
    try:
        with transaction.atomic():
            user = get_user_model().objects.create_user(
                username=email, email=email, password=password, first_name=contact_name[:150]
            )
            partner = Partner.objects.create(
                user=user,
                document=document,
                name=name,
                contact_name=contact_name,
                email=email,
                phone=phone,
                pix_key=pix_key,
                terms_accepted_at=timezone.now(),
            )
            audit_record(action="partner.registered", obj=partner, actor=actor, after={"status": partner.status})
            notify(
                "partner_registered",
                to=email,
                key=f"partner:{partner.pk}:registered",
                obj=partner,
                context={"partner": partner},
            )
            for staff_email in settings.STAFF_ALERT_EMAILS:
                notify(
                    "staff_partner_pending",
                    to=staff_email,
                    key=f"partner:{partner.pk}:pending:{staff_email}",
                    obj=partner,
                    context={"partner": partner},
                )
    except IntegrityError as exc:
        raise RegistrationConflict("Já existe um cadastro com este CPF/CNPJ ou e-mail.") from exc
    return partner


_STATUS_MESSAGES = {
    Partner.Status.APPROVED: "partner_approved",
    Partner.Status.SUSPENDED: "partner_suspended",
    Partner.Status.REJECTED: "partner_rejected",
}


def partner_set_status(*, partner: Partner, status: str, actor: Actor, reason: str = "") -> Partner:
    """Staff decision on a partner; the partner is told by e-mail. Only approved partners' links sell."""
    target = Partner.Status(status)
    with transaction.atomic():
        locked = Partner.objects.select_for_update().get(pk=partner.pk)
        if locked.status == target:
            return locked
        previous = locked.status
        locked.status = target
        fields = ["status"]
        if target == Partner.Status.APPROVED and locked.approved_at is None:
            locked.approved_at = timezone.now()
            fields.append("approved_at")
        locked.save(update_fields=fields)
        event = audit_record(
            action="partner.status",
            obj=locked,
            actor=actor,
            before={"status": previous},
            after={"status": target.value},
            note=reason,
        )
        notify(
            _STATUS_MESSAGES[target],
            to=locked.email,
            key=f"partner:{locked.pk}:status:{event.pk}",
            obj=locked,
            context={"partner": locked, "reason": reason},
        )
    return locked


def partner_update_profile(*, partner: Partner, contact_name: str, phone: str, pix_key: str, actor: Actor) -> Partner:
    """The partner's own contact and payout details; the change is audited (the PIX key decides who gets paid)."""
    with transaction.atomic():
        locked = Partner.objects.select_for_update().get(pk=partner.pk)
        before = {"contact_name": locked.contact_name, "phone": locked.phone, "pix_key": locked.pix_key}
        after = {"contact_name": contact_name, "phone": phone, "pix_key": pix_key}
        if before == after:
            return locked
        for field, value in after.items():
            setattr(locked, field, value)
        locked.save(update_fields=list(after))
        audit_record(action="partner.profile", obj=locked, actor=actor, before=before, after=after)
    return locked


def partner_require_second_factor(*, partner: Partner, required: bool, actor: Actor) -> Partner:
    """Staff require (or stop requiring) the second factor of a partner's account; audited."""
    with transaction.atomic():
        locked = Partner.objects.select_for_update().get(pk=partner.pk)
        if locked.second_factor_required == required:
            return locked
        locked.second_factor_required = required
        locked.save(update_fields=["second_factor_required"])
        audit_record(
            action="partner.second_factor_required",
            obj=locked,
            actor=actor,
            before={"second_factor_required": not required},
            after={"second_factor_required": required},
        )
    return locked
