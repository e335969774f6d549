from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Workstation(models.Model):
    """A computer with a token reader where the local agent runs, paired with the portal.

    The pairing secret is stored encrypted (`tokens.sealing`) and never shown again after pairing.
    """

    name = models.CharField("nome", max_length=100, unique=True)
    agent_url = models.CharField(
        "endereço do agente",
        max_length=200,
        help_text="Onde o portal alcança o agente desta estação, p. ex. http://127.0.0.1:47115.",
    )
    secret_sealed = models.TextField(editable=False)
    paired_at = models.DateTimeField("pareada em", default=timezone.now, editable=False)
    paired_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="pareada por",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    agent_info = models.JSONField("agente", default=dict, blank=True, editable=False)
    active = models.BooleanField("ativa", default=True)
    created_at = models.DateTimeField("criada em", default=timezone.now, editable=False)

    class Meta:
        verbose_name = "estação de tokens"
        verbose_name_plural = "estações de tokens"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TokenJob(models.Model):
    """One operation on a token of a workstation, run by a Celery task that drives the agent.

    Holds no PIN or PUK: those travel sealed in the task message only (see `tokens.services`).
    """

    class Operation(models.TextChoices):
        LIST_TOKENS = "list_tokens", "Listar mídias conectadas"
        LIST_OBJECTS = "list_objects", "Listar certificados e chaves"
        CHANGE_PIN = "change_pin", "Trocar o PIN"
        CHANGE_PUK = "change_puk", "Trocar o PUK"
        UNBLOCK_PIN = "unblock_pin", "Desbloquear o PIN com o PUK"
        ERASE = "erase", "Apagar (formatar) a mídia"
        GENERATE_KEY_AND_CSR = "generate_key_and_csr", "Gerar chave RSA e CSR na mídia"
        IMPORT_CERTIFICATE = "import_certificate", "Gravar certificado na mídia"
        A3_ISSUE = "a3_issue", "Emitir o certificado A3 de um pedido na mídia"

    class Status(models.TextChoices):
        PENDING = "pending", "Na fila"
        RUNNING = "running", "Em execução"
        SUCCEEDED = "succeeded", "Concluída"
        FAILED = "failed", "Falhou"

    workstation = models.ForeignKey(Workstation, verbose_name="estação", on_delete=models.PROTECT, related_name="jobs")
    operation = models.CharField("operação", max_length=32, choices=Operation.choices)
    token_serial = models.CharField("número de série da mídia", max_length=64, blank=True)
    params = models.JSONField("parâmetros", default=dict, blank=True)
    status = models.CharField("situação", max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="pedida por",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("pedida em", default=timezone.now, db_index=True)
    started_at = models.DateTimeField("início", null=True, blank=True)
    finished_at = models.DateTimeField("fim", null=True, blank=True)
    result = models.JSONField("resultado", default=dict, blank=True)
    error_code = models.CharField("código do erro", max_length=64, blank=True)
    error_message = models.TextField("erro", blank=True)

    class Meta:
        verbose_name = "operação em mídia"
        verbose_name_plural = "operações em mídias"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(operation="list_tokens") | ~Q(token_serial=""), name="tokenjob_serial_required"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "running"], finished_at__isnull=True)
                | Q(status__in=["succeeded", "failed"], finished_at__isnull=False),
                name="tokenjob_finished_iff_done",
            ),
        ]

    def __str__(self) -> str:
        target = f" ({self.token_serial})" if self.token_serial else ""
        return f"{self.get_operation_display()}{target} — {self.workstation}"
