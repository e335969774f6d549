"""What renewal keeps of its own: which expiry reminder each certificate was sent."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class ExpiryReminder(models.Model):
    """One reminder, `days_before` the end of a certificate; the unique pair makes each one sent once, whatever
    number of beats or workers race for it."""

    certificate = models.ForeignKey(
        "issuance.Certificate", verbose_name="certificado", on_delete=models.PROTECT, related_name="expiry_reminders"
    )
    days_before = models.PositiveSmallIntegerField("dias antes do fim")
    sent_at = models.DateTimeField("enviado em", default=timezone.now)

    class Meta:
        verbose_name = "aviso de vencimento"
        verbose_name_plural = "avisos de vencimento"
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(fields=["certificate", "days_before"], name="expiry_reminder_once"),
        ]

    def __str__(self) -> str:
        return f"{self.certificate_id}: {self.days_before} dia(s)"


class OnlineRenewal(models.Model):
    """The evidence of an online renewal (IN ITI 05/2021, items 2.1.6–2.1.7): the renewal request the portal wrote,
    signed with the holder's current certificate, and what the portal checked. The verification centre reads it
    instead of a videoconference dossier and approves it (or sends the holder to the booking)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Aguardando a central de verificação"
        VERIFIED = "verified", "Aprovada pela central de verificação"
        RETURNED = "returned", "Devolvida: validação por videoconferência"

    order = models.OneToOneField(
        "orders.Order", verbose_name="pedido", on_delete=models.PROTECT, related_name="online_renewal"
    )
    signer_certificate = models.ForeignKey(
        "issuance.Certificate", verbose_name="certificado que assinou", on_delete=models.PROTECT, related_name="+"
    )
    signed_request = models.TextField("pedido de renovação assinado (texto)")
    signature = models.TextField("assinatura (base64)")
    signer_certificate_pem = models.TextField("certificado apresentado (PEM)")
    checks = models.JSONField("verificações feitas", default=dict)
    status = models.CharField("situação", max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    created_at = models.DateTimeField("recebida em", default=timezone.now)
    decided_at = models.DateTimeField("decidida em", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="decidida por",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.CharField("motivo da devolução", max_length=500, blank=True)

    class Meta:
        verbose_name = "renovação on-line"
        verbose_name_plural = "renovações on-line"
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"Renovação on-line do pedido {self.order.number}" if self.order_id else "Renovação on-line"
