"""What renewal keeps of its own: which expiry reminder each certificate was sent."""

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
