from django.conf import settings
from django.db import models
from django.utils import timezone


class HolderBiometrics(models.Model):
    """That a person's biometrics are on file: it widens videoconference eligibility.

    Written by `orders.services.biometrics` only: by a positive PSBio match during a videoconference (with its
    protocol), or by staff in the admin; either way audited.
    """

    class Source(models.TextChoices):
        PSBIO = "psbio", "Rede biométrica ICP-Brasil (PSBio)"
        CNH = "cnh", "CNH emitida a partir de 2016 conferida na base oficial"

    cpf = models.CharField("CPF", max_length=11, unique=True)
    source = models.CharField("origem", max_length=8, choices=Source.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="registrado por", null=True, blank=True, on_delete=models.PROTECT
    )
    recorded_at = models.DateTimeField("registrado em", default=timezone.now)
    note = models.CharField("observação", max_length=255, blank=True)
    protocol = models.CharField("protocolo da consulta", max_length=80, blank=True)

    class Meta:
        verbose_name = "biometria cadastrada"
        verbose_name_plural = "biometrias cadastradas"

    def __str__(self) -> str:
        return f"{self.cpf} ({self.get_source_display()})"
