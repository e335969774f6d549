import secrets
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

CENTS = Decimal("0.01")
LINK_CODE_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"


def new_link_code() -> str:
    # 10 characters of a 31-letter alphabet ≈ 49 bits: short enough to type, not enumerable.
    return "".join(secrets.choice(LINK_CODE_ALPHABET) for _ in range(10))


class Partner(models.Model):
    """An accountant or reseller who sends clients through referral links."""

    class Status(models.TextChoices):
        PENDING = "pending", "Aguardando aprovação"
        APPROVED = "approved", "Aprovado"
        SUSPENDED = "suspended", "Suspenso"
        REJECTED = "rejected", "Recusado"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name="usuário",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="partner",
    )
    name = models.CharField("nome / razão social", max_length=150)
    document = models.CharField("CPF/CNPJ", max_length=14, unique=True)
    contact_name = models.CharField("contato", max_length=150)
    email = models.EmailField("e-mail")
    phone = models.CharField("telefone", max_length=20, blank=True)
    pix_key = models.CharField("chave PIX", max_length=77, blank=True)
    status = models.CharField("situação", max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True)
    terms_accepted_at = models.DateTimeField("termos aceitos em", null=True, blank=True)
    created_at = models.DateTimeField("cadastrado em", default=timezone.now)
    approved_at = models.DateTimeField("aprovado em", null=True, blank=True)
    second_factor_required = models.BooleanField(
        "exigir verificação em duas etapas",
        default=False,
        help_text="A conta do parceiro só entra na área do parceiro com um aplicativo autenticador ou uma chave de "
        "acesso. Sem isso, o parceiro decide.",
    )

    class Meta:
        verbose_name = "parceiro"
        verbose_name_plural = "parceiros"
        ordering = ["name"]
        # Deciding on a partner without editing its data (the PIX key decides who gets paid).
        permissions = [("review_partner", "Pode aprovar, suspender e recusar parceiros")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_approved(self) -> bool:
        return self.status == self.Status.APPROVED


class ReferralLink(models.Model):
    """A partner's quick-sale link: which products it sells and who gets the benefit."""

    class Benefit(models.TextChoices):
        COMMISSION = "commission", "Comissão para o parceiro"
        DISCOUNT = "discount", "Desconto para o cliente"

    partner = models.ForeignKey(Partner, verbose_name="parceiro", on_delete=models.PROTECT, related_name="links")
    code = models.CharField("código", max_length=16, unique=True, default=new_link_code, editable=False)
    name = models.CharField("nome", max_length=100)
    product = models.ForeignKey(
        "orders.Product",
        verbose_name="só o produto",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        help_text="Em branco: o link vende todo o catálogo.",
    )
    benefit = models.CharField("benefício", max_length=16, choices=Benefit.choices)
    commission_percent = models.DecimalField("comissão (%)", max_digits=5, decimal_places=2, null=True, blank=True)
    discount_percent = models.DecimalField("desconto (%)", max_digits=5, decimal_places=2, null=True, blank=True)
    discount_amount = models.DecimalField("desconto (R$)", max_digits=10, decimal_places=2, null=True, blank=True)
    active = models.BooleanField("ativo", default=True)
    expires_at = models.DateTimeField("expira em", null=True, blank=True)
    max_uses = models.PositiveIntegerField("limite de pedidos", null=True, blank=True)
    visits = models.PositiveIntegerField("visitas", default=0, editable=False)
    orders_count = models.PositiveIntegerField("pedidos", default=0, editable=False)
    created_at = models.DateTimeField("criado em", default=timezone.now)

    class Meta:
        verbose_name = "link de venda"
        verbose_name_plural = "links de venda"
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(
                        benefit="commission",
                        commission_percent__gt=0,
                        commission_percent__lte=100,
                        discount_percent__isnull=True,
                        discount_amount__isnull=True,
                    )
                    | Q(
                        benefit="discount",
                        commission_percent__isnull=True,
                        discount_percent__gt=0,
                        discount_percent__lt=100,
                        discount_amount__isnull=True,
                    )
                    | Q(
                        benefit="discount",
                        commission_percent__isnull=True,
                        discount_percent__isnull=True,
                        discount_amount__gt=0,
                    )
                ),
                name="link_benefit_consistent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def discount_for(self, price: Decimal) -> Decimal:
        """The client's discount on `price`, never taking the price below one cent."""
        if self.benefit != self.Benefit.DISCOUNT:
            return Decimal("0.00")
        if self.discount_percent is not None:
            discount = (price * self.discount_percent / 100).quantize(CENTS, rounding=ROUND_HALF_UP)
        else:
            discount = self.discount_amount
        return min(discount, price - CENTS)


class LinkVisitDay(models.Model):
    """A link's visits on one day (Brasília), as last folded from the Redis counter of that day.

    The link page counts in Redis (no row lock on the hot path); the fold writes the day's total here and adds
    only the difference to `ReferralLink.visits`, so folding the same counter twice changes nothing.
    """

    link = models.ForeignKey(ReferralLink, on_delete=models.CASCADE, related_name="visit_days")
    day = models.DateField("dia")
    visits = models.PositiveIntegerField("visitas", default=0)

    class Meta:
        verbose_name = "visitas do dia"
        verbose_name_plural = "visitas por dia"
        constraints = [models.UniqueConstraint(fields=["link", "day"], name="link_visit_day_unique")]

    def __str__(self) -> str:
        return f"{self.link_id} {self.day}: {self.visits}"
