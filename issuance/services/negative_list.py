"""The CA's Lista Negativa: asked through the CA backend (`CaBackend.negative_list_check`), and — for the local CA —
kept by staff in the admin.

The verification of who may be validated is scheduling's, which asks here through `IssuanceConfig.negative_list_query`
(scheduling comes before issuance and imports none of it); the hand-off asks again (`services/handoff.py`). What a
hit does to the order is `orders.services.holds.order_block`'s.
"""

import logging

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from orders.models import Order
from orders.validators import normalize_cpf_or_cnpj
from tecnosign.audit.services import Actor, audit_record
from tecnosign.errors import DomainError

from ..backends import CaError, NegativeListAnswer, get_backend
from ..models import NegativeListEntry

logger = logging.getLogger(__name__)


class NegativeListUnavailable(DomainError):
    code = "negative_list_unavailable"


class NegativeListRefused(DomainError):
    code = "negative_list_refused"


def negative_list_query(order: Order) -> NegativeListAnswer:
    """Ask the CA about the order's person on camera and, for an e-CNPJ, the company. Writes nothing: who asks
    records the answer. A CA that does not answer is NegativeListUnavailable (in Portuguese), never a pass."""
    try:
        return get_backend().negative_list_check(cpf=order.person_cpf, cnpj=order.cnpj)
    except CaError as exc:
        logger.warning("negative list query for order %s failed: %s", order.number, exc)
        raise NegativeListUnavailable(
            "A consulta à Lista Negativa da AC não respondeu agora. Tente de novo em instantes; se continuar, "
            "avise o suporte."
        ) from exc


def negative_list_add(*, document: str, reason: str, actor: Actor) -> NegativeListEntry:
    """Put a CPF or CNPJ on the local CA's list (audited)."""
    try:
        document = normalize_cpf_or_cnpj(document)
    except ValidationError as error:
        raise NegativeListRefused(error.messages[0], field="document") from error
    if not reason.strip():
        raise NegativeListRefused("Informe o motivo da inclusão.", field="reason")
    try:
        with transaction.atomic():
            entry = NegativeListEntry.objects.create(
                document=document, reason=reason.strip()[:500], added_by=actor.user
            )
            audit_record(
                action="negative_list.added",
                obj=entry,
                actor=actor,
                after={"document": document, "reason": entry.reason},
            )
    except IntegrityError as exc:
        raise NegativeListRefused("Este CPF/CNPJ já está na Lista Negativa.", field="document") from exc
    return entry


def negative_list_remove(*, entry: NegativeListEntry, actor: Actor) -> bool:
    """Take an entry off the list (it stays, with who removed it). False when it was off already."""
    with transaction.atomic():
        now = timezone.now()
        if not NegativeListEntry.objects.filter(pk=entry.pk, removed_at__isnull=True).update(
            removed_at=now, removed_by=actor.user
        ):
            return False
        audit_record(
            action="negative_list.removed",
            obj=entry,
            actor=actor,
            before={"document": entry.document, "reason": entry.reason},
            after={"removed_at": now.isoformat()},
        )
    return True
