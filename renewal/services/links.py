"""The renewal link: a signed, expiring URL that opens the renewal of one certificate (reminders and partners send
it to the holder's e-mail). It carries only the certificate's id; the page checks the certificate again."""

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from issuance.models import Certificate
from orders.models import Partner
from tecnosign.audit.services import Actor, audit_record
from tecnosign.errors import DomainError
from tecnosign.notifications.models import OutboxMessage
from tecnosign.notifications.services import notify
from tecnosign.notifications.whatsapp import whatsapp_enabled

from ..selectors import certificates_renewable, days_left

SALT = "renewal.link"
# Long enough to cover the 30-day reminders and a while after the end (a lapsed certificate is renewed with a new
# validation).
LINK_MAX_AGE = timedelta(days=90)


class RenewalLinkInvalid(DomainError):
    code = "renewal_link_invalid"


def renewal_token(certificate: Certificate) -> str:
    return signing.dumps({"c": certificate.pk}, salt=SALT, compress=True)


def renewal_url(certificate: Certificate) -> str:
    return settings.SITE_URL + reverse("renewal:start", args=[renewal_token(certificate)])


def renewal_link_open(token: str) -> Certificate:
    try:
        data = signing.loads(token, salt=SALT, max_age=LINK_MAX_AGE)
    except signing.SignatureExpired:
        raise RenewalLinkInvalid("Este link de renovação expirou. Abra o pedido pelo número e CPF/CNPJ.") from None
    except signing.BadSignature:
        raise RenewalLinkInvalid("Link de renovação inválido.") from None
    certificate = Certificate.objects.select_related("order", "order__product", "order__link").filter(pk=data["c"])
    found = certificate.first()
    if found is None:
        raise RenewalLinkInvalid("Link de renovação inválido.")
    return found


def reminder_context(certificate: Certificate, *, days: int | None = None) -> dict:
    order = certificate.order
    return {
        "order": order,
        "certificate": certificate,
        "holder_name": order.holder_name,
        "product": order.product,
        "not_after": timezone.localtime(certificate.not_after),
        "days_left": days if days is not None else days_left(certificate),
        "renewal_url": renewal_url(certificate),
        "partner": order.partner,
    }


def send_to_holder(kind: str, certificate: Certificate, *, key: str, context: dict) -> None:
    """The e-mail, and the same on WhatsApp when that channel is on and a template `<kind>_whatsapp` exists."""
    order = certificate.order
    secrets = [context["renewal_url"]]
    notify(kind, to=order.email, key=f"{key}:email", obj=certificate, context=context, secrets=secrets)
    if whatsapp_enabled() and kind == "renewal_reminder":
        notify(
            f"{kind}_whatsapp",
            to=order.mobile,
            key=f"{key}:whatsapp",
            obj=certificate,
            context=context,
            channel=OutboxMessage.Channel.WHATSAPP,
            secrets=secrets,
        )


class RenewalLinkRefused(DomainError):
    code = "renewal_link_refused"


def renewal_link_send(*, partner: Partner, certificate_id: int, actor: Actor) -> Certificate:
    """A partner's one click: the renewal link to their client's e-mail, at most once a day per certificate."""
    certificate = (
        certificates_renewable()
        .filter(pk=certificate_id, order__partner=partner)
        .select_related("order", "order__product")
        .first()
    )
    if certificate is None:
        raise RenewalLinkRefused("Certificado não encontrado, já renovado ou revogado.")
    today = timezone.localdate()
    with transaction.atomic():
        send_to_holder(
            "renewal_link",
            certificate,
            key=f"certificate:{certificate.pk}:renewal-link:{today.isoformat()}",
            context=reminder_context(certificate),
        )
        audit_record(
            action="renewal.link_sent",
            obj=certificate.order,
            actor=actor,
            after={"certificate": certificate.serial},
            note=f"Link de renovação enviado pelo parceiro {partner.name}",
        )
    return certificate
