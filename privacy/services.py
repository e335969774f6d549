"""The holder's LGPD rights (art. 18) from the order page: a copy of their data, correction of the contact, deletion.

Opening the order page proved the order number and the CPF/CNPJ (or an e-mailed link); a request also needs the
e-mail on file: it is confirmed through a one-time PRIVACY holder link sent there, and only then acted on. A new
e-mail is confirmed by a second link sent to it.

Whose data: the person of the order (the e-CPF's holder, the e-CNPJ's legal representative) on every order with the
same CPF *and* the e-mail just proven. An order with that CPF under another e-mail is left out — anyone can type a
CPF at checkout, so a CPF alone never opens another order — and needs a request from its own page.
"""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from orders.models import HolderLink, Order
from orders.services.documents import documents_purge_for_holder
from orders.services.holder_links import (
    HolderLinkInvalid,
    holder_link_find,
    holder_link_issue,
    holder_link_spend,
    holder_link_verify,
)
from orders.services.personal_data import order_contact_correct, order_personal_data_erase
from tecnosign import ratelimit
from tecnosign.audit.services import Actor, audit_record
from tecnosign.errors import DomainError
from tecnosign.notifications.services import notify, outbox_forget

from .models import PrivacyRequest
from .retention import AUDIT_ITEM, CONSENT_ITEM, ERASED, PAID_ENDED, UNPAID_ENDED, order_plan

K, St = PrivacyRequest.Kind, PrivacyRequest.Status
PURPOSE = HolderLink.Purpose.PRIVACY
HOLDER_STEP, NEW_EMAIL_STEP = "holder", "new-email"


class PrivacyRequestLimited(DomainError):
    code = "too_many_requests"


def subject_orders(order: Order):
    """The orders about the same person, under the same e-mail (see the module's docstring)."""
    return Order.objects.filter(person_cpf=order.person_cpf, email__iexact=order.email).exclude(person_cpf="")


def _send_link(request: PrivacyRequest, *, to: str, step: str) -> None:
    hours = settings.ORDER_ACCESS_LINK_HOURS
    issued = holder_link_issue(
        order=request.order, purpose=PURPOSE, lifetime=timedelta(hours=hours), subject=f"{request.pk}:{step}"
    )
    url = settings.SITE_URL + reverse("privacy:confirm", args=[issued.token])
    notify(
        "privacy_confirmation",
        to=to,
        key=f"holder-link:{issued.link.pk}:privacy",
        obj=request.order,
        context={"order": request.order, "request": request, "url": url, "hours": hours, "new_email": step != "holder"},
        secrets=[url],
    )


def privacy_request_open(
    *, order: Order, kind: str, actor: Actor, new_email: str = "", new_mobile: str = ""
) -> PrivacyRequest:
    """Record the request and e-mail the confirmation link to the address on file. At most
    HOLDER_LINK_SEND_MAX_PER_ORDER requests per order in HOLDER_LINK_SEND_WINDOW_SECONDS (mail bombing)."""
    sent = ratelimit.register_hit("privacy-request", order.number, window=settings.HOLDER_LINK_SEND_WINDOW_SECONDS)
    if sent > settings.HOLDER_LINK_SEND_MAX_PER_ORDER:
        raise PrivacyRequestLimited(
            "Já enviamos vários links de confirmação para o e-mail deste pedido. Use um deles ou tente de novo em "
            "uma hora."
        )
    with transaction.atomic():
        request = PrivacyRequest.objects.create(
            order=order, kind=K(kind), new_email=new_email if kind == K.CORRECTION else "", new_mobile=new_mobile
        )
        _send_link(request, to=order.email, step=HOLDER_STEP)
        audit_record(action="privacy.requested", obj=order, actor=actor, after={"request": request.pk, "kind": kind})
    return request


def privacy_request_pending(token: str) -> PrivacyRequest | None:
    """The request a usable link is about (to show its confirmation page); None otherwise."""
    link = holder_link_find(token, purpose=PURPOSE)
    return _request_of(link) if link is not None else None


def _request_of(link: HolderLink) -> PrivacyRequest | None:
    pk, _, step = link.subject.partition(":")
    expected = St.AWAITING_NEW_EMAIL if step == NEW_EMAIL_STEP else St.AWAITING_CONFIRMATION
    return PrivacyRequest.objects.filter(pk=int(pk) if pk.isdigit() else 0, order=link.order, status=expected).first()


def privacy_request_confirm(*, token: str, actor: Actor) -> PrivacyRequest:
    """Spend the link and act: the export is ready, the contact corrected (or the new e-mail asked to confirm), the
    data erased. HolderLinkInvalid when the link is unknown, used, expired or its request already answered."""
    link = holder_link_verify(token=token, purpose=PURPOSE)
    with transaction.atomic():
        request = _request_of(link)
        if request is None:
            raise HolderLinkInvalid("Esta solicitação já foi atendida ou este link não vale mais.")
        request = PrivacyRequest.objects.select_for_update().get(pk=request.pk)
        holder_link_spend(link)
        now = timezone.now()
        request.confirmed_at = request.confirmed_at or now
        orders = list(subject_orders(request.order).order_by("created_at"))
        if request.kind == K.CORRECTION and request.status == St.AWAITING_CONFIRMATION and _email_changes(request):
            request.status = St.AWAITING_NEW_EMAIL
            request.save(update_fields=["status", "confirmed_at"])
            _send_link(request, to=request.new_email, step=NEW_EMAIL_STEP)
            audit_record(action="privacy.new_email_sent", obj=request.order, actor=actor, after={"request": request.pk})
            return request
        if request.kind == K.CORRECTION:
            for order in orders:
                order_contact_correct(order=order, actor=actor, email=request.new_email, mobile=request.new_mobile)
            request.result = {"orders": [order.number for order in orders]}
        elif request.kind == K.DELETION:
            request.result = {"orders": [order.number for order in orders], "items": _erase(orders, actor)}
        else:
            request.result = {"orders": [order.number for order in orders]}
        request.status, request.completed_at = St.COMPLETED, now
        request.save(update_fields=["status", "confirmed_at", "completed_at", "result"])
        audit_record(
            action="privacy.completed",
            obj=request.order,
            actor=actor,
            after={"request": request.pk, "kind": request.kind, "orders": request.result["orders"]},
        )
    return request


def _email_changes(request: PrivacyRequest) -> bool:
    return bool(request.new_email) and request.new_email.lower() != request.order.email.lower()


def _erase(orders: list[Order], actor: Actor) -> list[dict]:
    """Erase what the retention rules let go, order by order; the items told to the holder, in that order."""
    report = []
    for order in orders:
        plan = order_plan(order)
        if plan.case in (PAID_ENDED, UNPAID_ENDED):
            documents_purge_for_holder(order=order, actor=actor)
            outbox_forget(obj=order, actor=actor)
            order_personal_data_erase(order=order, actor=actor, keep_identity=plan.case == PAID_ENDED)
        report.append({"order": order.number, "case": plan.case, "items": [item.as_dict() for item in plan.items]})
    report.append({"order": "", "case": "all", "items": [AUDIT_ITEM.as_dict(), CONSENT_ITEM.as_dict()]})
    return report


def erased_anything(request: PrivacyRequest) -> bool:
    return any(item["outcome"] == ERASED for entry in request.result.get("items", []) for item in entry["items"])
