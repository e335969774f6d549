"""Maintenance of the private files at rest: encrypt those stored in clear before, re-wrap data keys after a rotation.

Every file field of every model whose storage encrypts (`tecnosign.storage.EncryptedStorageMixin`) is covered — the
customers' documents, revocation letters, and what later apps store there — each change audited on the row that
owns the file. Files of the storage that no row names (none are expected) are handled too and only counted.
"""

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.apps import apps
from django.db import models, transaction

from tecnosign.audit.services import SYSTEM, Actor, audit_record
from tecnosign.filecrypto import DecryptionFailed
from tecnosign.storage import EncryptedStorageMixin


@dataclass
class PrivateFilesReport:
    counts: Counter = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)


def private_file_fields() -> list[tuple[type[models.Model], models.FileField]]:
    """(model, field) for every file field stored in an encrypting storage."""
    return [
        (model, model_field)
        for model in apps.get_models()
        for model_field in model._meta.get_fields()
        if isinstance(model_field, models.FileField) and isinstance(model_field.storage, EncryptedStorageMixin)
    ]


def _stored_names(storage, path: str = "") -> Iterator[str]:
    try:
        directories, files = storage.listdir(path)
    except FileNotFoundError:  # a local storage nothing was ever saved to
        return
    for name in files:
        yield f"{path}/{name}" if path else name
    for directory in directories:
        yield from _stored_names(storage, f"{path}/{directory}" if path else directory)


def _walk(operation: str, action: str, actor: Actor) -> PrivateFilesReport:
    report = PrivateFilesReport()
    storages_seen: dict[int, tuple[EncryptedStorageMixin, set[str]]] = {}
    for model, model_field in private_file_fields():
        storage = model_field.storage
        named = storages_seen.setdefault(id(storage), (storage, set()))[1]
        rows = model._default_manager.exclude(**{model_field.name: ""}).only("pk", model_field.name).order_by("pk")
        for row in rows.iterator():
            name = getattr(row, model_field.attname).name
            named.add(name)
            if not storage.exists(name):
                report.counts["missing"] += 1
                continue
            before = storage.stored_header(name)
            try:
                outcome = getattr(storage, operation)(name)
            except DecryptionFailed as error:
                report.failures.append(f"{model._meta.label_lower}:{row.pk} {name}: {error}")
                continue
            report.counts[outcome] += 1
            if outcome == storage.DONE:
                with transaction.atomic():
                    audit_record(
                        action=action,
                        obj=row,
                        actor=actor,
                        before={"field": model_field.name, "key_id": before.key_id if before else None},
                        after={"field": model_field.name, "key_id": storage.stored_header(name).key_id},
                    )
    for storage, named in storages_seen.values():
        for name in _stored_names(storage):
            if name in named:
                continue
            try:
                outcome = getattr(storage, operation)(name)
            except DecryptionFailed as error:
                report.failures.append(f"(no record) {name}: {error}")
                continue
            report.counts["unreferenced " + outcome] += 1
    return report


def private_files_encrypt(*, actor: Actor = SYSTEM) -> PrivateFilesReport:
    """Encrypt in place every private file still stored in clear (idempotent), auditing `storage.file_encrypted`."""
    return _walk("encrypt_in_place", "storage.file_encrypted", actor)


def private_files_rewrap(*, actor: Actor = SYSTEM) -> PrivateFilesReport:
    """Re-wrap under the first master key every data key wrapped by another (idempotent), auditing
    `storage.key_rewrapped`. Remove an old master key from PRIVATE_STORAGE_MASTER_KEYS only after this reports no
    failure."""
    return _walk("rewrap", "storage.key_rewrapped", actor)
