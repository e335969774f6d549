"""Retention by rule: what the rules keep, and the files they let go (a daily task; a dry-run report in the admin).

The figures (ICP-BRASIL.md, "Videoconference validation evidence"; settings with these defaults — the CA's DPC
has the last word):

- an order that never reached a certificate (cancelled, payment expired, rejected): its files go
  `DOCUMENT_PURGE_DAYS` (90) after it ended;
- copies of identity documents and the *termos de titularidade* — and the dossier that holds them: the sealed
  archive, the face capture in it, the base's face from the PSBio — `RETENTION_DOCUMENTS_YEARS` (10) after the
  certificate ends (expiry, or revocation);
- other records: `RETENTION_RECORDS_YEARS` (6) after the certificate ends (the face captures an agent took again and
  that never went into a sealed dossier). The audit log is kept whole, longer than that: it is one hash chain.

Each app lists its own files as `FileRule`s: `orders` its documents and terms, and any later app through a
`retention_rules() -> list[FileRule]` method on its AppConfig (scheduling: face captures, PSBio faces, sealed
dossiers). When the certificate ended is the app that issues certificates' to say (`orders.selectors.
certificate_end`). The report and the run read the same `due` querysets, so the report is exactly what the next run
deletes, and the run deletes each file once (a row already purged is not due).
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from dateutil.relativedelta import relativedelta
from django.apps import apps
from django.conf import settings
from django.db import models, transaction
from django.db.models import F, OuterRef, QuerySet
from django.utils import timezone

from tecnosign.audit.services import SYSTEM, audit_record

from ..models import Document, HolderTerm
from ..selectors import certificate_end
from .documents import ENDED_WITHOUT_ISSUANCE

logger = logging.getLogger(__name__)

WITHOUT_CERTIFICATE = "without_certificate"
DOCUMENTS = "documents"  # RETENTION_DOCUMENTS_YEARS after the certificate ends
RECORDS = "records"  # RETENTION_RECORDS_YEARS after the certificate ends


def _period(window: str) -> relativedelta:
    if window == WITHOUT_CERTIFICATE:
        return relativedelta(days=settings.DOCUMENT_PURGE_DAYS)
    if window == DOCUMENTS:
        return relativedelta(years=settings.RETENTION_DOCUMENTS_YEARS)
    return relativedelta(years=settings.RETENTION_RECORDS_YEARS)


def _window_text(window: str) -> str:
    if window == WITHOUT_CERTIFICATE:
        return f"pedido sem certificado: {settings.DOCUMENT_PURGE_DAYS} dias depois de encerrado"
    years = settings.RETENTION_DOCUMENTS_YEARS if window == DOCUMENTS else settings.RETENTION_RECORDS_YEARS
    what = "documentos e termos" if window == DOCUMENTS else "demais registros"
    return f"{what}: {years} anos depois do fim do certificado"


@dataclass(frozen=True)
class RetentionItem:
    """One file the next run deletes, as the report lists it."""

    rule: str
    pk: int
    what: str
    order_number: str
    path: str
    kept_from: datetime
    due_at: datetime
    why: str


@dataclass(frozen=True)
class FileRule:
    """The files of one model that one retention window lets go.

    `rows()` is the model's rows that still have their file (not purged) and belong to this rule (a document of
    any kind, only the face captures that went into a dossier…); the window decides which of them are due.
    `order_field` is the path from the model to its order.
    """

    code: str
    model: type[models.Model]
    window: str
    rows: Callable[[], QuerySet]
    describe: Callable[[models.Model], str]
    action: str  # the audit action of a purge, e.g. "document.purged"
    order_field: str = "order"
    file_field: str = "file"

    def due(self, now: datetime) -> QuerySet:
        rows = self.rows().filter(**{f"{self.file_field}__gt": "", "purged_at__isnull": True})
        cutoff = now - _period(self.window)
        if self.window == WITHOUT_CERTIFICATE:
            return rows.filter(
                **{
                    f"{self.order_field}__status__in": ENDED_WITHOUT_ISSUANCE,
                    f"{self.order_field}__status_changed_at__lt": cutoff,
                }
            ).annotate(kept_from=F(f"{self.order_field}__status_changed_at"))
        end = certificate_end(OuterRef(f"{self.order_field}_id"))
        if end is None:  # no app issues certificates: no certificate ever ended
            return rows.none()
        return rows.annotate(kept_from=end).filter(kept_from__lt=cutoff)

    def item(self, row) -> RetentionItem:
        order = getattr(row, self.order_field)
        return RetentionItem(
            rule=self.code,
            pk=row.pk,
            what=self.describe(row),
            order_number=order.number,
            path=getattr(row, self.file_field).name,
            kept_from=row.kept_from,
            due_at=row.kept_from + _period(self.window),
            why=_window_text(self.window),
        )

    def purge(self, pk: int, now: datetime) -> bool:
        """Delete one due file and mark its row; False when it is no longer due (purged by another run)."""
        with transaction.atomic():
            row = self.due(now).select_for_update(of=("self",)).filter(pk=pk).first()
            if row is None:
                return False
            field = getattr(row, self.file_field)
            name = field.name
            field.delete(save=False)
            row.purged_at = now
            row.save(update_fields=[self.file_field, "purged_at"])
            audit_record(
                action=self.action,
                obj=getattr(row, self.order_field),
                actor=SYSTEM,
                before={"model": self.model._meta.label_lower, "pk": row.pk, "file": name},
                after={"purged_at": now.isoformat(), "rule": self.code},
                note=f"Retenção encerrada ({_window_text(self.window)})",
            )
        return True


def _documents() -> QuerySet:
    return Document.objects.select_related("order")


def _document_label(document: Document) -> str:
    return f"{document.get_kind_display()}: {document.original_name}"


def _terms() -> QuerySet:
    return HolderTerm.objects.select_related("order")


def _term_label(term: HolderTerm) -> str:
    return f"Termo de titularidade aceito (versão {term.version})"


def orders_rules() -> list[FileRule]:
    return [
        FileRule(
            "documents-without-certificate",
            Document,
            WITHOUT_CERTIFICATE,
            _documents,
            _document_label,
            "document.purged",
        ),
        FileRule("documents-after-certificate", Document, DOCUMENTS, _documents, _document_label, "document.purged"),
        FileRule("terms-without-certificate", HolderTerm, WITHOUT_CERTIFICATE, _terms, _term_label, "term.purged"),
        FileRule("terms-after-certificate", HolderTerm, DOCUMENTS, _terms, _term_label, "term.purged"),
    ]


def retention_rules() -> list[FileRule]:
    """Every app's rules: orders' own, then those later apps add through their AppConfig."""
    rules = orders_rules()
    for config in apps.get_app_configs():
        provider = getattr(config, "retention_rules", None)
        if provider is not None:
            rules.extend(provider())
    return rules


def retention_rules_text() -> list[str]:
    """The windows in force, as the report states them."""
    return [_window_text(window) for window in (WITHOUT_CERTIFICATE, DOCUMENTS, RECORDS)]


def retention_plan(*, now: datetime | None = None) -> list[RetentionItem]:
    """Exactly what `retention_run` would delete at `now` (the admin's dry-run report)."""
    now = now or timezone.now()
    items = [rule.item(row) for rule in retention_rules() for row in rule.due(now).order_by("pk")]
    return sorted(items, key=lambda item: (item.due_at, item.rule, item.pk))


def retention_run(*, now: datetime | None = None) -> int:
    """Delete every due file (daily, `orders.retention_run`). Returns how many were deleted."""
    now = now or timezone.now()
    purged = 0
    for rule in retention_rules():
        for pk in list(rule.due(now).values_list("pk", flat=True).order_by("pk")):
            purged += rule.purge(pk, now)
    if purged:
        logger.info("retention: %s file(s) deleted", purged)
    return purged
