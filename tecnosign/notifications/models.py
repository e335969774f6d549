from django.db import models
from django.utils import timezone


class OutboxMessage(models.Model):
    """A message rendered once and delivered at most once per `key`, whatever the retries."""

    class Channel(models.TextChoices):
        EMAIL = "email", "E-mail"
        WHATSAPP = "whatsapp", "WhatsApp"
        SMS = "sms", "SMS"

    class Status(models.TextChoices):
        PENDING = "pending", "Pendente"
        SENDING = "sending", "Enviando"
        SENT = "sent", "Enviada"
        FAILED = "failed", "Falhou"

    key = models.CharField("chave de idempotência", max_length=200, unique=True)
    channel = models.CharField("canal", max_length=16, choices=Channel.choices, default=Channel.EMAIL)
    kind = models.CharField("tipo", max_length=64, db_index=True)
    recipient = models.CharField("destinatário", max_length=254)
    subject = models.CharField("assunto", max_length=255, blank=True)
    body_text = models.TextField("texto")
    body_html = models.TextField("HTML", blank=True)
    attachments = models.JSONField("anexos", default=list, blank=True)
    # One-time links and codes the message carries: delivered as written, never shown to staff (the admin
    # shows the bodies with these values masked), so that reading the outbox never lets anyone act as the holder.
    secrets = models.JSONField(default=list, blank=True, editable=False)
    object_ref = models.CharField("objeto", max_length=80, blank=True, db_index=True)
    status = models.CharField("situação", max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField("tentativas", default=0)
    last_error = models.TextField("último erro", blank=True)
    created_at = models.DateTimeField("criada em", default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField("enviada em", null=True, blank=True)

    class Meta:
        verbose_name = "mensagem"
        verbose_name_plural = "mensagens (caixa de saída)"
        ordering = ["-id"]
        indexes = [models.Index(fields=["status", "created_at"], name="outbox_status_idx")]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient} ({self.get_status_display()})"
