"""One-time links (and mobile codes) that prove control of the holder's contact on file.

The order number, the certificate's serial and the CPF/CNPJ are printed or guessable; a link e-mailed to the
address on file is not. A purpose that must also prove the mobile (a replacement certificate, an urgent revocation)
pairs the link with a six-digit code sent by SMS, tried at most `HOLDER_LINK_CODE_MAX_FAILURES` times per link.

Links are independent: asking for another does not void the earlier ones, so whoever floods the holder with links
cannot stop the holder from using the one in their inbox. A link is used once (a conditional UPDATE decides two
clicks at the same moment) and expires after its purpose's lifetime.
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from tecnosign.errors import DomainError
from tecnosign.notifications.models import OutboxMessage
from tecnosign.notifications.services import notify

from ..models import HolderLink, Order

P = HolderLink.Purpose


class HolderLinkInvalid(DomainError):
    code = "link_invalid"


class HolderCodeWrong(DomainError):
    code = "code_wrong"


_INVALID = "Este link não vale mais: já foi usado ou expirou. Peça um novo; ele chega ao e-mail cadastrado no pedido."


@dataclass(frozen=True)
class IssuedLink:
    link: HolderLink
    token: str
    code: str  # "" when the purpose does not ask for the mobile


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()


def _code_digest(token: str, code: str) -> str:
    # Keyed by the link's own token: six digits are cheap to enumerate, so a leaked table must not give them away.
    return hmac.new(token.encode(), code.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()


def holder_link_issue(
    *, order: Order, purpose: str, lifetime: timedelta, with_code: bool = False, subject: str = ""
) -> IssuedLink:
    """A new link for `order` (and its code when `with_code`). The caller puts them in the messages it sends."""
    token = secrets.token_urlsafe(32)
    code = f"{secrets.randbelow(10**6):06d}" if with_code else ""
    now = timezone.now()
    link = HolderLink.objects.create(
        order=order,
        purpose=P(purpose),
        token_digest=_digest(token),
        code_digest=_code_digest(token, code) if code else "",
        subject=subject,
        created_at=now,
        expires_at=now + lifetime,
    )
    return IssuedLink(link=link, token=token, code=code)


def link_reference(link: HolderLink) -> str:
    """Printed in the e-mail and in the SMS: when several were asked for, which code goes with which link."""
    return f"R{link.pk}"


def holder_link_send(
    *,
    order: Order,
    purpose: str,
    lifetime: timedelta,
    subject: str,
    url_name: str,
    kind: str,
    context: dict,
    code_for: str,
) -> IssuedLink:
    """A new link with its code for the holder of `order` (inside the caller's transaction): the link e-mailed as
    message `kind` (its context gets `order`, `url` and `reference`), the code texted to the mobile on file
    ("o código para <code_for> (ref. R12)"). `url_name` is the page the link opens, taking the token."""
    issued = holder_link_issue(order=order, purpose=purpose, lifetime=lifetime, with_code=True, subject=subject)
    url = settings.SITE_URL + reverse(url_name, args=[issued.token])
    reference = link_reference(issued.link)
    notify(
        kind,
        to=order.email,
        key=f"holder-link:{issued.link.pk}:email",
        obj=order,
        context={**context, "order": order, "url": url, "reference": reference},
        secrets=[url],
    )
    holder_code_text(issued=issued, purpose=f"{code_for} (ref. {reference})")
    return issued


def holder_code_text(*, issued: IssuedLink, purpose: str) -> None:
    """Text the link's code to the mobile on file (inside the caller's transaction, once per link). `purpose` completes
    "o código para … do pedido" (pt-BR), e.g. "revogar o certificado (ref. R12)"."""
    order = issued.link.order
    notify(
        "holder_code_sms",
        to=order.mobile,
        key=f"holder-link:{issued.link.pk}:code",
        channel=OutboxMessage.Channel.SMS,
        obj=order,
        context={"order": order, "code": issued.code, "purpose": purpose},
        secrets=[issued.code],
    )


def holder_link_find(token: str, *, purpose: str) -> HolderLink | None:
    """The link, while it can still be used (to show its page); None when unknown, used or expired."""
    if not token:
        return None
    return (
        HolderLink.objects.select_related("order__product")
        .filter(token_digest=_digest(token), purpose=P(purpose), used_at__isnull=True, expires_at__gt=timezone.now())
        .first()
    )


def holder_link_lookup(token: str, *, purpose: str) -> HolderLink | None:
    """The link for `token` whatever its state (used, expired): to explain why it no longer opens anything and
    which order it was about. Never a grant: acting on a link goes through `holder_link_verify`."""
    if not token:
        return None
    return HolderLink.objects.select_related("order").filter(token_digest=_digest(token), purpose=P(purpose)).first()


def holder_link_verify(*, token: str, purpose: str, code: str = "") -> HolderLink:
    """The usable link for `token`, its mobile code checked: HolderLinkInvalid or HolderCodeWrong otherwise.

    Call it before (outside) the transaction that acts on the link: a wrong code is counted at once and must stay
    counted when that transaction rolls back. Then spend the link inside that transaction (`holder_link_spend`).
    """
    link = holder_link_find(token, purpose=purpose)
    if link is None:
        raise HolderLinkInvalid(_INVALID)
    if not link.needs_code:
        return link
    limit = settings.HOLDER_LINK_CODE_MAX_FAILURES
    if link.code_failures >= limit:
        raise HolderLinkInvalid(
            "O código foi digitado errado vezes demais e este link foi bloqueado. Peça um novo link.",
            code="code_locked",
        )
    if hmac.compare_digest(link.code_digest, _code_digest(token, (code or "").strip())):
        return link
    HolderLink.objects.filter(pk=link.pk).update(code_failures=F("code_failures") + 1)
    left = limit - link.code_failures - 1
    raise HolderCodeWrong(
        "Código incorreto. Confira o SMS enviado ao celular cadastrado. "
        + (f"Restam {left} tentativas." if left > 1 else "Resta 1 tentativa." if left == 1 else "Peça um novo link."),
        field="code",
    )


def holder_link_spend(link: HolderLink) -> HolderLink:
    """Mark the verified link used, inside the transaction that does what it allows (a rollback gives it back).

    A conditional UPDATE decides two uses at the same moment: the second gets HolderLinkInvalid.
    """
    now = timezone.now()
    if not HolderLink.objects.filter(pk=link.pk, used_at__isnull=True, expires_at__gt=now).update(used_at=now):
        raise HolderLinkInvalid(_INVALID)
    link.used_at = now
    return link
