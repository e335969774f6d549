"""One-time holder links: used once, expire, codes tried a few times, independent of each other."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from orders.models import HolderLink
from orders.services.holder_links import (
    HolderCodeWrong,
    HolderLinkInvalid,
    holder_link_find,
    holder_link_issue,
    holder_link_spend,
    holder_link_verify,
)
from tecnosign.notifications import sms
from tecnosign.notifications.models import OutboxMessage
from tecnosign.notifications.services import notify
from tecnosign.tests.auth import staff_login

from .factories import OrderFactory

pytestmark = pytest.mark.django_db
P = HolderLink.Purpose
HOUR = timedelta(hours=1)


def test_a_link_is_stored_as_a_digest_and_works_once():
    order = OrderFactory()
    issued = holder_link_issue(order=order, purpose=P.ORDER_ACCESS, lifetime=HOUR)

    row = HolderLink.objects.get()
    assert issued.token not in (row.token_digest, row.code_digest) and len(issued.token) >= 40
    link = holder_link_verify(token=issued.token, purpose=P.ORDER_ACCESS)
    holder_link_spend(link)

    with pytest.raises(HolderLinkInvalid):
        holder_link_verify(token=issued.token, purpose=P.ORDER_ACCESS)
    with pytest.raises(HolderLinkInvalid):  # spent twice (two clicks racing): the second loses
        holder_link_spend(link)


def test_a_link_is_refused_for_another_purpose_after_expiry_and_when_unknown():
    order = OrderFactory()
    issued = holder_link_issue(order=order, purpose=P.ORDER_ACCESS, lifetime=HOUR)

    assert holder_link_find(issued.token, purpose=P.REISSUE) is None
    assert holder_link_find("x" * 43, purpose=P.ORDER_ACCESS) is None
    assert holder_link_find("", purpose=P.ORDER_ACCESS) is None
    with time_machine.travel(timezone.now() + HOUR + timedelta(seconds=1)), pytest.raises(HolderLinkInvalid):
        holder_link_verify(token=issued.token, purpose=P.ORDER_ACCESS)
    assert HolderLink.objects.get().used_at is None


def test_the_mobile_code_is_checked_and_wrong_codes_void_the_link(settings):
    settings.HOLDER_LINK_CODE_MAX_FAILURES = 3
    order = OrderFactory()
    issued = holder_link_issue(order=order, purpose=P.REISSUE, lifetime=HOUR, with_code=True)
    assert len(issued.code) == 6 and issued.code.isdigit()
    wrong = f"{(int(issued.code) + 1) % 10**6:06d}"

    for left in ("Restam 2", "Resta 1"):
        with pytest.raises(HolderCodeWrong, match=left):
            holder_link_verify(token=issued.token, purpose=P.REISSUE, code=wrong)
    with pytest.raises(HolderCodeWrong):
        holder_link_verify(token=issued.token, purpose=P.REISSUE, code="")

    # The right code comes too late: three wrong tries voided this link, whatever the code.
    with pytest.raises(HolderLinkInvalid, match="vezes demais"):
        holder_link_verify(token=issued.token, purpose=P.REISSUE, code=issued.code)
    assert HolderLink.objects.get().used_at is None


def test_asking_for_more_links_does_not_void_the_one_the_holder_has():
    order = OrderFactory()
    holders = holder_link_issue(order=order, purpose=P.URGENT_REVOCATION, lifetime=HOUR, with_code=True)
    for _ in range(5):  # someone else keeps asking, and gets codes they cannot read
        holder_link_issue(order=order, purpose=P.URGENT_REVOCATION, lifetime=HOUR, with_code=True)

    link = holder_link_verify(token=holders.token, purpose=P.URGENT_REVOCATION, code=holders.code)
    assert holder_link_spend(link).used_at is not None


def test_secrets_go_out_by_sms_but_the_admin_shows_them_masked(on_commit):
    sms.outbox.clear()
    order = OrderFactory()
    issued = holder_link_issue(order=order, purpose=P.REISSUE, lifetime=HOUR, with_code=True)
    with on_commit():
        message = notify(
            "holder_code_sms",
            to=order.mobile,
            key=f"holder-link:{issued.link.pk}:code",
            channel=OutboxMessage.Channel.SMS,
            obj=order,
            context={"order": order, "code": issued.code, "purpose": "confirmar a reemissão"},
            secrets=[issued.code],
        )

    [sent] = sms.outbox
    assert sent["to"] == order.mobile and issued.code in sent["text"] and order.number in sent["text"]
    admin = get_user_model().objects.create_superuser("chefe", "chefe@tecnosign.test", "senha-forte-123")
    staff = Client()
    staff_login(staff, admin)
    page = staff.get(f"/admin/notifications/outboxmessage/{message.pk}/change/")
    assert page.status_code == 200
    body = page.content.decode()
    assert issued.code not in body and "[oculto]" in body
