"""The holder's personal data on an order, changed at the holder's request (LGPD art. 18): contact corrected, data
erased. Which orders and which data a request may touch is the `privacy` app's rule (privacy/retention.py); these
services only write, lock and audit — the audit names the fields, never their values."""

from datetime import date

from django.db import transaction

from tecnosign.audit.services import Actor, audit_record

from ..models import Order
from ..validators import normalize_mobile

# What an erased order keeps in place of a value that cannot be empty.
ERASED_BIRTH_DATE = date(1900, 1, 1)

CONTACT_FIELDS = ("email", "mobile")
# The holder's data beyond the contact: erased when no rule keeps the order's identity (a paid order keeps its name
# and CPF/CNPJ with the payment, for the tax records).
IDENTITY_FIELDS = ("person_name", "person_cpf", "company_name", "cnpj")
OTHER_FIELDS = ("person_birth_date", "pis_nis", "cei")


def order_contact_correct(*, order: Order, actor: Actor, email: str = "", mobile: str = "") -> Order:
    """Replace the e-mail and/or the mobile on file (already proven by the holder: the caller's business)."""
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        changed = []
        if email and email != locked.email:
            locked.email = email
            changed.append("email")
        if mobile:
            mobile = normalize_mobile(mobile)
            if mobile != locked.mobile:
                locked.mobile = mobile
                changed.append("mobile")
        if changed:
            locked.save(update_fields=changed)
            audit_record(action="order.contact_corrected", obj=locked, actor=actor, after={"fields": changed})
    return locked


def order_personal_data_erase(*, order: Order, actor: Actor, keep_identity: bool) -> list[str]:
    """Erase the holder's data on the order: the contact and the rest always, the name and CPF/CNPJ unless
    `keep_identity`. The row stays (payments and the audit log point at it). Returns the fields erased."""
    fields = [*CONTACT_FIELDS, *OTHER_FIELDS] + ([] if keep_identity else list(IDENTITY_FIELDS))
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        for field in fields:
            setattr(locked, field, ERASED_BIRTH_DATE if field == "person_birth_date" else "")
        locked.save(update_fields=fields)
        audit_record(action="order.personal_data_erased", obj=locked, actor=actor, after={"fields": fields})
    return fields
