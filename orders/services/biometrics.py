"""`HolderBiometrics`: biometrics on file for a CPF. A positive PSBio match writes it (scheduling's validation calls
`holder_biometrics_record`), and staff keep their manual rows in the admin through the same functions; every write
is audited."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from tecnosign.audit.services import Actor, audit_record
from tecnosign.errors import DomainError

from ..models import HolderBiometrics
from ..validators import normalize_cpf


class BiometricsRefused(DomainError):
    code = "biometrics_refused"


def _snapshot(record: HolderBiometrics) -> dict:
    return {"cpf": record.cpf, "source": record.source, "protocol": record.protocol, "note": record.note}


def holder_biometrics_record(
    *, cpf: str, source: str, actor: Actor, note: str = "", protocol: str = ""
) -> HolderBiometrics:
    """Record (or refresh) that `cpf` has biometrics on file; the newest source and protocol win."""
    source = HolderBiometrics.Source(source)
    try:
        cpf = normalize_cpf(cpf)
    except ValidationError as error:
        raise BiometricsRefused("CPF inválido.", field="cpf") from error
    with transaction.atomic():
        record = HolderBiometrics.objects.select_for_update().filter(cpf=cpf).first()
        before = _snapshot(record) if record else {}
        if record is None:
            record = HolderBiometrics(cpf=cpf)
        record.source, record.note, record.protocol = source, note[:255], protocol[:80]
        record.recorded_by = actor.user
        record.recorded_at = timezone.now()
        record.save()
        audit_record(
            action="biometrics.updated" if before else "biometrics.recorded",
            obj=record,
            actor=actor,
            before=before,
            after=_snapshot(record),
        )
    return record


def holder_biometrics_delete(*, record: HolderBiometrics, actor: Actor) -> None:
    with transaction.atomic():
        locked = HolderBiometrics.objects.select_for_update().filter(pk=record.pk).first()
        if locked is None:
            return
        audit_record(action="biometrics.deleted", obj=locked, actor=actor, before=_snapshot(locked))
        locked.delete()
