"""Who may open a certificate's revocation page: `/revogar/` with the order number or the serial + CPF/CNPJ.

The order number + CPF/CNPJ is the order page's own credential, so it opens the order page too. The serial is not
a secret — it is printed in the certificate, with the holder's CPF/CNPJ, and every signed document carries it —
so serial + CPF/CNPJ opens only the revocation page, where nothing happens without the revocation password or a
notarised letter, and shows nothing a signed document does not already show.
"""

import re

from django.conf import settings

from issuance.models import Certificate
from orders.models import Order
from orders.services.access import LookupFailed, LookupLocked, grant_access, has_access, order_lookup
from orders.validators import compact_identifier
from tecnosign import ratelimit
from tecnosign.errors import DomainError

SESSION_KEY = "revocation.granted"
_NOT_FOUND = (
    "Não encontramos um pedido ou certificado com esses dados. Confira o número e o CPF/CNPJ do titular e tente de "
    "novo."
)
_LOCKED = (
    "Muitas tentativas sem sucesso. Aguarde 15 minutos e tente de novo — ou, abaixo, revogue agora sem a senha se a "
    "sua chave foi comprometida, ou receba um link de acesso no e-mail cadastrado no pedido."
)
_SEPARATORS = re.compile(r"[\s:.\-]")
_HEX = re.compile(r"^[0-9A-F]{1,40}$")


class RevocationLookupFailed(DomainError):
    code = "not_found"


def normalize_serial(value: str) -> str:
    """A serial as people copy it ("0a:1b…", "0A 1B …") in the form we store it: upper-case hex, no leading zeros."""
    serial = _SEPARATORS.sub("", value or "").upper().lstrip("0")
    return serial if _HEX.match(serial or "-") else ""


def revocation_lookup(*, identifier: str, document: str, ip: str | None, session) -> Certificate | Order:
    """The certificate to revoke (serial path), or the order (order-number path, whose page lists it).

    Unknown numbers and wrong pairs fail alike, and failures count in the same per-IP budget as the order look-up.
    """
    compact = _SEPARATORS.sub("", identifier or "").upper()
    if compact.startswith("TS"):
        try:
            order = order_lookup(number=compact, document=document, ip=ip)
        except LookupLocked as error:
            raise RevocationLookupFailed(error.message, code="too_many_attempts") from None
        except LookupFailed:
            raise RevocationLookupFailed(_NOT_FOUND) from None
        grant_access(session, order)
        return order
    serial = normalize_serial(compact)
    document = compact_identifier(document)
    limit = settings.ORDER_LOOKUP_MAX_FAILURES
    idents = [("order-lookup-ip", ip or "unknown"), ("revocation-lookup-serial", serial or "-")]
    if any(ratelimit.is_limited(scope, ident, limit=limit) for scope, ident in idents):
        raise RevocationLookupFailed(_LOCKED, code="too_many_attempts")
    candidates = Certificate.objects.select_related("order").filter(serial=serial) if serial else []
    certificate = next((c for c in candidates if document and c.order.matches_document(document)), None)
    if certificate is None:
        for scope, ident in idents:
            ratelimit.register_hit(scope, ident, window=settings.ORDER_LOOKUP_WINDOW_SECONDS)
        raise RevocationLookupFailed(_NOT_FOUND)
    granted = [pk for pk in session.get(SESSION_KEY, []) if pk != certificate.pk]
    session[SESSION_KEY] = [*granted, certificate.pk][-20:]
    session.cycle_key()
    return certificate


def may_revoke(session, certificate: Certificate) -> bool:
    return certificate.pk in session.get(SESSION_KEY, []) or has_access(session, certificate.order.number)


def certificate_for_page(session, serial: str) -> Certificate | None:
    """The certificate with this serial that the session may see (serials are unique per issuer only)."""
    serial = normalize_serial(serial)
    if not serial:
        return None
    for certificate in Certificate.objects.select_related("order__product").filter(serial=serial):
        if may_revoke(session, certificate):
            return certificate
    return None
