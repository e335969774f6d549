"""The partner portal's own records. Partners, links, orders and the commission ledger live in `orders`."""

import hashlib
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone


class LinkLimits(models.Model):
    """The bounds staff set on what a partner may offer in a link (one row, edited in the admin)."""

    max_commission_percent = models.DecimalField(
        "comissão máxima (%)",
        max_digits=5,
        decimal_places=2,
        default=Decimal("15.00"),
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("100"))],
    )
    max_discount_percent = models.DecimalField(
        "desconto máximo (%)",
        max_digits=5,
        decimal_places=2,
        default=Decimal("20.00"),
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("99.99"))],
    )
    max_discount_amount = models.DecimalField(
        "desconto máximo (R$)",
        max_digits=10,
        decimal_places=2,
        default=Decimal("50.00"),
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text="Nunca leva o preço abaixo de R$ 0,01, seja qual for o produto.",
    )
    updated_at = models.DateTimeField("atualizado em", auto_now=True)

    class Meta:
        verbose_name = "limites dos links"
        verbose_name_plural = "limites dos links"
        constraints = [
            models.CheckConstraint(condition=Q(pk=1), name="link_limits_single_row"),
            models.CheckConstraint(
                condition=Q(max_commission_percent__gt=0, max_commission_percent__lte=100)
                & Q(max_discount_percent__gt=0, max_discount_percent__lt=100)
                & Q(max_discount_amount__gt=0),
                name="link_limits_in_range",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"Comissão até {self.max_commission_percent}%, desconto até {self.max_discount_percent}% "
            f"ou R$ {self.max_discount_amount}"
        )

    @classmethod
    def current(cls) -> "LinkLimits":
        limits, _ = cls.objects.get_or_create(pk=1)
        return limits


def api_key_digest(key: str) -> str:
    # The key is 190+ random bits: a plain SHA-256 is enough to make the stored value useless to a thief.
    return hashlib.sha256(key.encode()).hexdigest()


class ApiToken(models.Model):
    """A partner's key to the REST API. Only its SHA-256 is stored; the key itself is shown once."""

    partner = models.ForeignKey(
        "orders.Partner", verbose_name="parceiro", on_delete=models.PROTECT, related_name="api_tokens"
    )
    name = models.CharField("nome", max_length=80)
    prefix = models.CharField("início da chave", max_length=16, help_text="Para reconhecer a chave sem revelá-la.")
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="criada por", null=True, blank=True, on_delete=models.PROTECT
    )
    created_at = models.DateTimeField("criada em", default=timezone.now)
    last_used_at = models.DateTimeField("último uso", null=True, blank=True)
    revoked_at = models.DateTimeField("revogada em", null=True, blank=True)

    class Meta:
        verbose_name = "chave de API"
        verbose_name_plural = "chaves de API"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["partner", "revoked_at"], name="apitoken_partner_idx")]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class CommissionPayout(models.Model):
    """Staff's record that a partner's commissions of one month were paid. One per partner and month."""

    partner = models.ForeignKey(
        "orders.Partner", verbose_name="parceiro", on_delete=models.PROTECT, related_name="payouts"
    )
    month = models.DateField("mês", help_text="O primeiro dia do mês pago.")
    amount = models.DecimalField("valor pago", max_digits=10, decimal_places=2)
    pix_key = models.CharField("chave PIX usada", max_length=77, blank=True)
    reference = models.CharField("comprovante / identificador", max_length=100, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="registrado por", null=True, blank=True, on_delete=models.PROTECT
    )
    paid_at = models.DateTimeField("pago em", default=timezone.now)

    class Meta:
        verbose_name = "pagamento de comissões"
        verbose_name_plural = "pagamentos de comissões"
        ordering = ["-month", "partner"]
        constraints = [
            models.UniqueConstraint(fields=["partner", "month"], name="payout_once_per_partner_month"),
            models.CheckConstraint(condition=Q(month__day=1), name="payout_month_first_day"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payout_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.partner} — {self.month:%m/%Y}"
