"""The *termo de titularidade e responsabilidade*: generated per order, shown on the order page before the
videoconference, accepted there with evidence. The agent may not validate the identity without it (scheduling's
validation asks `term_accepted`)."""

import hashlib
import secrets

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from tecnosign.audit.services import Actor, audit_record
from tecnosign.errors import DomainError

from ..models import HolderTerm, Order
from ..term_pdf import TERM_VERSION, holder_term_pdf

S = Order.Status

# From payment until the identity is validated: the term is read and accepted before (or, with the agent on the
# line, during) the videoconference.
ACCEPT_STATES = frozenset({S.PAID, S.DOCUMENTS_RECEIVED, S.SCHEDULED, S.NO_SHOW, S.REJECTED})
# Where the order page shows the term: from payment on, while the certificate's story is open.
SHOW_STATES = ACCEPT_STATES | {S.VALIDATED, S.VERIFIED, S.RELEASED, S.ISSUED}


class TermRefused(DomainError):
    code = "term_refused"


def term_of(order: Order) -> HolderTerm | None:
    return HolderTerm.objects.filter(order=order).first()


def term_accepted(order: Order) -> bool:
    return HolderTerm.objects.filter(order=order).exists()


def term_current(order: Order) -> tuple[bytes, str]:
    """The term as the holder reads it now, and its SHA-256 (the same bytes for the same order and version)."""
    pdf = holder_term_pdf(order)
    return pdf, hashlib.sha256(pdf).hexdigest()


def term_digest(order: Order) -> str:
    """The SHA-256 the order page shows, without building the PDF at every visit: cached under what the PDF is
    made of (the term's version and the order's data), so any change there is a new key."""
    made_of = "|".join(
        str(value)
        for value in (
            TERM_VERSION,
            order.number,
            order.person_name,
            order.person_cpf,
            order.person_birth_date,
            order.company_name,
            order.cnpj,
            order.email,
            order.product_id,
            order.product.name,
            order.product.certificate_type,
            order.product.validity_months,
            settings.ICP_CHAIN_END,
            settings.ICP_AR_CNPJ,
        )
    )
    key = "holder-term:" + hashlib.sha256(made_of.encode()).hexdigest()
    digest = cache.get(key)
    if digest is None:
        digest = term_current(order)[1]
        cache.set(key, digest, 24 * 60 * 60)
    return digest


def term_accept(*, order: Order, shown_sha256: str, actor: Actor, user_agent: str = "") -> HolderTerm:
    """The holder accepts the term they were shown (its SHA-256 comes back from the page): stored with the evidence.

    Idempotent: an order whose term was accepted keeps that acceptance.
    """
    pdf, digest = term_current(order)
    if not secrets.compare_digest(shown_sha256.encode(), digest.encode()):
        raise TermRefused(
            "O termo foi atualizado depois que você abriu a página. Leia a versão atual e aceite de novo.",
            field="sha256",
        )
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        existing = term_of(locked)  # under the order's lock: two clicks make one acceptance
        if existing is not None:
            return existing
        if locked.status not in ACCEPT_STATES:
            raise TermRefused(f"O pedido está em “{locked.get_status_display()}”: o termo não pode ser aceito agora.")
        term = HolderTerm(
            order=locked,
            version=TERM_VERSION,
            sha256=digest,
            size=len(pdf),
            accepted_at=timezone.now(),
            ip=actor.ip,
            user_agent=user_agent[:300],
        )
        term.file.save(f"termo-{locked.number}.pdf", ContentFile(pdf), save=False)
        try:
            term.save()
            audit_record(
                action="term.accepted",
                obj=locked,
                actor=actor,
                after={
                    "term": term.pk,
                    "version": term.version,
                    "sha256": digest,
                    "method": term.method,
                    "ip": term.ip,
                    "user_agent": term.user_agent,
                },
            )
        except BaseException:
            term.file.delete(save=False)  # the stored PDF must not outlive its row
            raise
    return term
