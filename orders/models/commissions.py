from django.db import models
from django.db.models import Q
from django.utils import timezone


class CommissionEntry(models.Model):
    """A row of the partner's commission ledger. Reversals are new rows with the opposite amount."""

    class Kind(models.TextChoices):
        ACCRUAL = "accrual", "Comissão"
        REVERSAL = "reversal", "Estorno de comissão"

    partner = models.ForeignKey(
        "orders.Partner", verbose_name="parceiro", on_delete=models.PROTECT, related_name="commissions"
    )
    order = models.ForeignKey(
        "orders.Order", verbose_name="pedido", on_delete=models.PROTECT, related_name="commissions"
    )
    kind = models.CharField("tipo", max_length=10, choices=Kind.choices)
    base_amount = models.DecimalField("valor do pedido", max_digits=10, decimal_places=2)
    percent = models.DecimalField("percentual", max_digits=5, decimal_places=2)
    amount = models.DecimalField("valor", max_digits=10, decimal_places=2)
    reason = models.CharField("motivo", max_length=255, blank=True)
    created_at = models.DateTimeField("lançado em", default=timezone.now, db_index=True)

    class Meta:
        verbose_name = "lançamento de comissão"
        verbose_name_plural = "comissões (extrato)"
        ordering = ["-created_at"]
        constraints = [
            # One accrual and at most one reversal per order: retries and duplicate webhooks add nothing.
            models.UniqueConstraint(fields=["order", "kind"], name="commission_once_per_order_kind"),
            models.CheckConstraint(
                condition=Q(kind="accrual", amount__gte=0) | Q(kind="reversal", amount__lte=0),
                name="commission_sign_matches_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} ({self.order_id})"
