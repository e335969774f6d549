import uuid

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Payment(models.Model):
    """One charge at the gateway for an order: a boleto, a PIX code or a card transaction."""

    class Method(models.TextChoices):
        BOLETO = "boleto", "Boleto"
        PIX = "pix", "PIX"
        CARD = "card", "Cartão de crédito"

    class Status(models.TextChoices):
        PENDING = "pending", "Aguardando pagamento"
        PAID = "paid", "Pago"
        FAILED = "failed", "Recusado"
        EXPIRED = "expired", "Expirado"
        CANCELLED = "cancelled", "Substituído"
        REFUNDED = "refunded", "Estornado"

    order = models.ForeignKey("orders.Order", verbose_name="pedido", on_delete=models.PROTECT, related_name="payments")
    method = models.CharField("forma", max_length=8, choices=Method.choices)
    gateway = models.CharField("gateway", max_length=32)
    charge_id = models.CharField("cobrança no gateway", max_length=64, default="", blank=True)
    reference = models.UUIDField("referência", default=uuid.uuid4, unique=True, editable=False)
    amount = models.DecimalField("valor", max_digits=10, decimal_places=2)
    status = models.CharField("situação", max_length=12, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField("criada em", default=timezone.now)
    expires_at = models.DateTimeField("vence em", null=True, blank=True)
    due_date = models.DateField("vencimento do boleto", null=True, blank=True)
    boleto_barcode = models.CharField("código de barras", max_length=44, blank=True)
    boleto_line = models.CharField("linha digitável", max_length=47, blank=True)
    pix_payload = models.TextField("PIX copia e cola", blank=True)
    card_brand = models.CharField("bandeira", max_length=20, blank=True)
    card_last4 = models.CharField("final do cartão", max_length=4, blank=True)
    # The provider's page for this charge: the boleto's PDF, or the hosted checkout where a card is typed.
    checkout_url = models.URLField("página no gateway", max_length=500, blank=True)
    failure_reason = models.CharField("motivo da recusa", max_length=255, blank=True)
    paid_at = models.DateTimeField("paga em", null=True, blank=True)
    paid_amount = models.DecimalField("valor pago", max_digits=10, decimal_places=2, null=True, blank=True)
    flagged = models.BooleanField("requer atenção", default=False, db_index=True)
    flag_reason = models.CharField("motivo do alerta", max_length=255, blank=True)

    class Meta:
        verbose_name = "pagamento"
        verbose_name_plural = "pagamentos"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["gateway", "charge_id"], condition=~Q(charge_id=""), name="payment_unique_charge"
            ),
            # At most one live charge per order: a new one replaces the previous, never doubles it.
            models.UniqueConstraint(fields=["order"], condition=Q(status="pending"), name="payment_one_pending"),
        ]
        indexes = [models.Index(fields=["status", "method", "expires_at"], name="payment_due_idx")]

    def __str__(self) -> str:
        return f"{self.get_method_display()} {self.order_id} ({self.get_status_display()})"


class PaymentEvent(models.Model):
    """A webhook as received, kept raw for audit. The unique event id makes processing idempotent.

    `occurred_at` is the provider's time of the event, `received_at` ours: events are judged by the former.
    """

    class Outcome(models.TextChoices):
        APPLIED = "applied", "Aplicado"
        IGNORED = "ignored", "Ignorado (sem efeito)"
        AMOUNT_MISMATCH = "amount_mismatch", "Valor divergente"
        UNKNOWN_CHARGE = "unknown_charge", "Cobrança desconhecida"
        LATE_AFTER_CANCEL = "late_after_cancel", "Pago após substituição (estornar)"
        SUPERSEDED = "superseded", "Superado (o gateway já informou o estorno)"
        NOT_CONFIRMED = "not_confirmed", "Não confirmado pela consulta ao gateway"

    gateway = models.CharField(max_length=32)
    event_id = models.CharField("evento", max_length=128)
    payment = models.ForeignKey(Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="events")
    status = models.CharField("situação informada", max_length=16)
    amount = models.DecimalField("valor informado", max_digits=10, decimal_places=2, null=True, blank=True)
    occurred_at = models.DateTimeField("ocorrido em", null=True, blank=True)
    received_at = models.DateTimeField("recebido em", default=timezone.now)
    body = models.TextField("corpo recebido")
    outcome = models.CharField("resultado", max_length=20, choices=Outcome.choices)

    class Meta:
        verbose_name = "evento de pagamento"
        verbose_name_plural = "eventos de pagamento (webhooks)"
        ordering = ["-received_at"]
        constraints = [models.UniqueConstraint(fields=["gateway", "event_id"], name="payment_event_unique")]

    def __str__(self) -> str:
        return f"{self.gateway}:{self.event_id}"


class SandboxCharge(models.Model):
    """The sandbox gateway's "bank": what it says of each charge when the portal reads a charge back.

    Written only by the sandbox gateway (orders.payments.gateways.sandbox) — as a provider's own ledger, never by
    the portal's payment services: a webhook that does not agree with it changes nothing.
    """

    charge_id = models.CharField("cobrança", max_length=64, unique=True)
    method = models.CharField("forma", max_length=8)
    amount = models.DecimalField("valor cobrado", max_digits=10, decimal_places=2)
    status = models.CharField("situação no banco", max_length=12, default="pending")
    paid_amount = models.DecimalField("valor pago", max_digits=10, decimal_places=2, null=True, blank=True)
    paid_at = models.DateTimeField("paga em", null=True, blank=True)
    refunded_amount = models.DecimalField("valor devolvido", max_digits=10, decimal_places=2, default=0)
    # A sandbox feature, as the declined test cards: the next N refunds asked of this charge fail (staging tests
    # of the retry and of what staff are shown).
    refuse_refunds = models.PositiveSmallIntegerField("devoluções a recusar", default=0)
    created_at = models.DateTimeField("criada em", default=timezone.now)

    class Meta:
        verbose_name = "cobrança do banco de testes"
        verbose_name_plural = "cobranças do banco de testes"

    def __str__(self) -> str:
        return self.charge_id


class SandboxRefund(models.Model):
    """A refund the sandbox "bank" made (or refused): `refund_id` is the portal's, so asking twice refunds once."""

    charge = models.ForeignKey(SandboxCharge, on_delete=models.PROTECT, related_name="refunds")
    refund_id = models.CharField("devolução", max_length=64, unique=True)
    amount = models.DecimalField("valor", max_digits=10, decimal_places=2)
    status = models.CharField("situação", max_length=8)  # done, failed
    failure_reason = models.CharField("motivo", max_length=255, blank=True)
    created_at = models.DateTimeField("feita em", default=timezone.now)

    class Meta:
        verbose_name = "devolução do banco de testes"
        verbose_name_plural = "devoluções do banco de testes"

    def __str__(self) -> str:
        return self.refund_id


def _refund_key() -> str:
    return uuid.uuid4().hex


class Refund(models.Model):
    """Money given back for a payment: by the customer's withdrawal (CDC art. 49) or by support staff.

    `refund_id` is the portal's id of the current attempt and the gateway's idempotency key (asking twice with it
    refunds once). A provider's refusal is final for that id, so the next attempt after a `failed` one gets a new id;
    an attempt that could not reach the provider keeps its id (it may have arrived). A refund is never lost: a failed
    one is retried by `orders.refunds_retry` and, after REFUND_MAX_ATTEMPTS, given up and shown to staff.
    """

    class Kind(models.TextChoices):
        WITHDRAWAL = "withdrawal", "Desistência (CDC art. 49)"
        SUPPORT = "support", "Suporte"

    class Status(models.TextChoices):
        AWAITING_APPROVAL = "awaiting_approval", "Aguardando aprovação"
        PENDING = "pending", "A enviar"
        SENT = "sent", "Enviado (em processamento)"
        DONE = "done", "Devolvido"
        FAILED = "failed", "Falhou (nova tentativa agendada)"
        GIVEN_UP = "given_up", "Falhou (requer atenção)"
        TRANSFER = "transfer", "Transferência manual pendente"

    payment = models.ForeignKey(Payment, verbose_name="pagamento", on_delete=models.PROTECT, related_name="refunds")
    refund_id = models.CharField(
        "id da devolução",
        max_length=35,
        unique=True,
        default=_refund_key,
        validators=[RegexValidator(r"^[a-zA-Z0-9]{1,35}$")],
    )
    amount = models.DecimalField("valor", max_digits=10, decimal_places=2)
    reason = models.CharField("motivo", max_length=255)
    kind = models.CharField("tipo", max_length=12, choices=Kind.choices)
    status = models.CharField("situação", max_length=20, choices=Status.choices, db_index=True)
    attempts = models.PositiveSmallIntegerField("tentativas", default=0)
    next_attempt_at = models.DateTimeField("próxima tentativa", null=True, blank=True, db_index=True)
    last_error = models.CharField("último erro", max_length=255, blank=True)
    provider_refund_id = models.CharField("id no gateway", max_length=64, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="pedido por",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="aprovado por",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # A boleto the gateway cannot refund is paid back by a transfer to the key the customer names: kept only until
    # the transfer is done (then erased).
    payee_pix_key = models.CharField("chave PIX para a transferência", max_length=140, blank=True)
    created_at = models.DateTimeField("pedido em", default=timezone.now)
    done_at = models.DateTimeField("devolvido em", null=True, blank=True)

    class Meta:
        verbose_name = "devolução"
        verbose_name_plural = "devoluções"
        ordering = ["-created_at"]
        permissions = [
            ("request_refund", "Pode pedir a devolução de um pagamento"),
            ("approve_refund", "Pode aprovar devoluções acima do limite"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive"),
            # One withdrawal per payment: a double click or a replayed POST cannot refund twice.
            models.UniqueConstraint(fields=["payment"], condition=Q(kind="withdrawal"), name="refund_one_withdrawal"),
        ]

    def __str__(self) -> str:
        return f"Devolução {self.refund_id} ({self.get_status_display()})"
