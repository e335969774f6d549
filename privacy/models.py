"""Requests of holders exercising their LGPD rights, with the 15-day deadline of art. 19, II."""

import uuid
from datetime import timedelta

from django.db import models
from django.utils import timezone

# LGPD art. 19, II: a complete answer within 15 days of the request.
ANSWER_DAYS = 15


def answer_due() -> "timezone.datetime":
    return timezone.now() + timedelta(days=ANSWER_DAYS)


class PrivacyRequest(models.Model):
    """One request from the order page, confirmed through a link e-mailed to the address on file."""

    class Kind(models.TextChoices):
        EXPORT = "export", "Cópia dos dados pessoais"
        CORRECTION = "correction", "Correção dos dados de contato"
        DELETION = "deletion", "Eliminação dos dados pessoais"

    class Status(models.TextChoices):
        AWAITING_CONFIRMATION = "awaiting_confirmation", "Aguardando a confirmação pelo e-mail cadastrado"
        AWAITING_NEW_EMAIL = "awaiting_new_email", "Aguardando a confirmação do novo e-mail"
        COMPLETED = "completed", "Atendido"

    public_id = models.UUIDField("identificador público", default=uuid.uuid4, unique=True, editable=False)
    order = models.ForeignKey(
        "orders.Order", verbose_name="pedido", on_delete=models.PROTECT, related_name="privacy_requests"
    )
    kind = models.CharField("direito", max_length=12, choices=Kind.choices)
    status = models.CharField(
        "situação", max_length=24, choices=Status.choices, default=Status.AWAITING_CONFIRMATION, db_index=True
    )
    new_email = models.EmailField("novo e-mail", blank=True)
    new_mobile = models.CharField("novo celular", max_length=16, blank=True)
    created_at = models.DateTimeField("pedido em", default=timezone.now)
    due_at = models.DateTimeField("responder até", default=answer_due, db_index=True)
    confirmed_at = models.DateTimeField("confirmado em", null=True, blank=True)
    completed_at = models.DateTimeField("atendido em", null=True, blank=True)
    # What was done: the orders covered; for a deletion, item by item what was erased and what is kept until when.
    result = models.JSONField("resultado", default=dict, blank=True)

    class Meta:
        verbose_name = "solicitação do titular (LGPD)"
        verbose_name_plural = "solicitações dos titulares (LGPD)"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — pedido {self.order_id}"

    @property
    def overdue(self) -> bool:
        return self.status != self.Status.COMPLETED and timezone.now() > self.due_at
