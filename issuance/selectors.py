"""Reads for the order page's issuance section and the A1 issuance page."""

from dataclasses import dataclass

from django.apps import apps
from django.db.models import Max, Subquery
from django.db.models.functions import Coalesce

from orders.models import Order
from orders.selectors import Deadline

from .models import Certificate, IssuanceRequest
from .services.handoff import delivery_kind

S = Order.Status


@dataclass
class IssuancePanel:
    visible: bool
    kind: str
    request: IssuanceRequest | None = None
    certificate: Certificate | None = None
    can_issue_a1: bool = False
    now: object = None


def issuance_panel_for(order: Order) -> IssuancePanel:
    kind = delivery_kind(order.product)
    if order.status not in (S.VERIFIED, S.RELEASED, S.ISSUED, S.REVOKED):
        return IssuancePanel(visible=False, kind=kind)
    request = IssuanceRequest.objects.filter(order=order).first()
    certificate = Certificate.objects.filter(order=order).order_by("-issued_at").first()
    return IssuancePanel(
        visible=True,
        kind=kind,
        request=request,
        certificate=certificate,
        can_issue_a1=kind == "a1" and order.status == S.RELEASED and request is not None,
    )


def release_deadlines(order: Order) -> list[Deadline]:
    """While the order waits for the CA: the end of its 24 h to release (the request's SLA deadline)."""
    if order.status != S.VERIFIED:
        return []
    request = IssuanceRequest.objects.filter(order=order, released_at__isnull=True).only("sla_deadline").first()
    if request is None:
        return []
    return [Deadline(S.RELEASED, "Liberação pela Autoridade Certificadora até", request.sla_deadline)]


@dataclass(frozen=True)
class PageOffer:
    """A way forward a later app offers on the A1 issuance page: why, and the link."""

    text: str
    url: str
    label: str


# The A1 page's hooks: a method of that name on an app's AppConfig takes the order and answers a PageOffer or None
# (issuance imports none of those apps, as `order_deadlines` does).
FILE_LOST = "a1_file_lost_offer"  # issued, and the file may never have been saved: revocation's free reissue
WITHOUT_WEB_CRYPTO = "a1_without_web_crypto_offer"  # this browser cannot make the key: tokens' local agent


def a1_page_offers(order: Order, hook: str) -> list[PageOffer]:
    offers = []
    for config in apps.get_app_configs():
        provider = getattr(config, hook, None)
        if provider is not None and (offer := provider(order)) is not None:
            offers.append(offer)
    return offers


def certificate_end_of(order_ref):
    """The latest end of the order's certificates — revocation, or else expiry — as a subquery on `order_ref`."""
    ends = (
        Certificate.objects.filter(order=order_ref)
        .values("order")
        .annotate(end=Max(Coalesce("revoked_at", "not_after")))
        .values("end")
    )
    return Subquery(ends[:1])
