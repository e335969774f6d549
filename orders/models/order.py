import secrets

from django.db import models
from django.utils import timezone

from ..validators import format_cnpj, format_cpf, format_mobile

ORDER_NUMBER_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


def new_order_number() -> str:
    # "TS" + 8 characters without look-alikes (0/O, 1/I): easy to read aloud, ~40 bits, not sequential.
    return "TS" + "".join(secrets.choice(ORDER_NUMBER_ALPHABET) for _ in range(8))


class Order(models.Model):
    """A certificate purchase, from checkout to issuance. Moves only through `orders.services.transitions`."""

    class Status(models.TextChoices):
        # An order a partner made for a client: the holder confirms the data, consents and sets both passwords.
        AWAITING_HOLDER = "awaiting_holder", "Aguardando confirmação do titular"
        AWAITING_PAYMENT = "awaiting_payment", "Aguardando pagamento"
        PAYMENT_EXPIRED = "payment_expired", "Pagamento expirado"
        PAID = "paid", "Pagamento confirmado"
        DOCUMENTS_RECEIVED = "documents_received", "Documentos recebidos"
        SCHEDULED = "scheduled", "Videoconferência agendada"
        NO_SHOW = "no_show", "Não compareceu à videoconferência"
        VALIDATED = "validated", "Identidade validada"
        VERIFIED = "verified", "Aprovado pela central de verificação"
        RELEASED = "released", "Liberado para emissão"
        ISSUED = "issued", "Certificado emitido"
        REJECTED = "rejected", "Validação recusada"
        CANCELLED = "cancelled", "Cancelado"
        REVOKED = "revoked", "Certificado revogado"
        # Stopped by the CA's Lista Negativa (before validation or before the hand-off). The label is what the
        # customer reads: never why — they are told only to contact support; staff are alerted with the reason.
        BLOCKED = "blocked", "Pedido suspenso"

    # The states in which an order may be paid (a charge started, a webhook's payment accepted): the one definition
    # the payment service, the order page and the partner portal use.
    PAYABLE = (Status.AWAITING_PAYMENT, Status.PAYMENT_EXPIRED)

    number = models.CharField("número", max_length=12, unique=True, default=new_order_number, editable=False)
    product = models.ForeignKey("orders.Product", verbose_name="produto", on_delete=models.PROTECT)
    link = models.ForeignKey(
        "orders.ReferralLink",
        verbose_name="link",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="orders",
    )
    partner = models.ForeignKey(
        "orders.Partner",
        verbose_name="parceiro",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="orders",
    )
    status = models.CharField(
        "situação", max_length=24, choices=Status.choices, default=Status.AWAITING_PAYMENT, db_index=True
    )
    status_changed_at = models.DateTimeField("situação desde", default=timezone.now)

    # The natural person: the holder of an e-CPF, or the legal representative of an e-CNPJ.
    person_name = models.CharField("nome", max_length=150)
    person_cpf = models.CharField("CPF", max_length=11, db_index=True)
    person_birth_date = models.DateField("data de nascimento")
    company_name = models.CharField("razão social", max_length=150, blank=True)
    cnpj = models.CharField("CNPJ", max_length=14, blank=True, db_index=True)
    email = models.EmailField("e-mail")
    mobile = models.CharField("celular", max_length=16)
    pis_nis = models.CharField("PIS/NIS", max_length=11, blank=True)
    cei = models.CharField("CEI", max_length=12, blank=True)

    # Set by the holder only (checkout, or the confirmation link of a partner's order): empty until then.
    issuance_password_hash = models.CharField(max_length=256, blank=True, editable=False)
    revocation_password_hash = models.CharField(max_length=256, blank=True, editable=False)

    list_price = models.DecimalField("preço de tabela", max_digits=10, decimal_places=2)
    discount = models.DecimalField("desconto", max_digits=10, decimal_places=2, default=0)
    price = models.DecimalField("valor", max_digits=10, decimal_places=2)
    commission_percent = models.DecimalField("comissão (%)", max_digits=5, decimal_places=2, null=True, blank=True)

    # When the holder accepted the LGPD terms: at checkout, or when confirming a partner's order. Null until then.
    lgpd_consent_at = models.DateTimeField("consentimento LGPD em", null=True, blank=True)
    lgpd_consent_version = models.CharField("versão do termo LGPD", max_length=16, blank=True)
    created_at = models.DateTimeField("criado em", default=timezone.now, db_index=True)
    # A guarantee reissue (revocation/) points at the order whose certificate it replaces; one-to-one, so the
    # database refuses a second free reissue of the same original.
    replaces = models.OneToOneField(
        "self",
        verbose_name="reemissão em garantia de",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaced_by",
    )
    # A renewal (renewal/) points at the certificate it renews: the same holder buying the next one.
    renews = models.ForeignKey(
        "issuance.Certificate",
        verbose_name="renovação do certificado",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="renewal_orders",
    )

    class Meta:
        verbose_name = "pedido"
        verbose_name_plural = "pedidos"
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["partner", "-created_at"], name="order_partner_recent_idx"),
            # The back office's newest-first list (admin adds -id to the ordering): no sort of the whole table.
            models.Index(fields=["-created_at", "-id"], name="order_recent_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(price__gte=0), name="order_price_not_negative"),
            # Only the holder sets the passwords and gives consent: an order past the holder's step has them all,
            # and one still waiting for the holder has none (so no partner can have put them there).
            models.CheckConstraint(
                condition=models.Q(status__in=["awaiting_holder", "cancelled"])
                | (
                    ~models.Q(issuance_password_hash="")
                    & ~models.Q(revocation_password_hash="")
                    & models.Q(lgpd_consent_at__isnull=False)
                ),
                name="order_holder_secrets_once_confirmed",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="awaiting_holder")
                | models.Q(issuance_password_hash="", revocation_password_hash="", lgpd_consent_at__isnull=True),
                name="order_no_secrets_before_holder",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_company(self) -> bool:
        return bool(self.cnpj)

    @property
    def holder_name(self) -> str:
        return self.company_name if self.is_company else self.person_name

    @property
    def holder_document(self) -> str:
        return self.cnpj if self.is_company else self.person_cpf

    @property
    def holder_document_display(self) -> str:
        return format_cnpj(self.cnpj) if self.is_company else format_cpf(self.person_cpf)

    @property
    def person_cpf_display(self) -> str:
        return format_cpf(self.person_cpf)

    @property
    def mobile_display(self) -> str:
        return format_mobile(self.mobile)

    def matches_document(self, document: str) -> bool:
        """The holder's CPF/CNPJ; for an e-CNPJ the legal representative's CPF is accepted too."""
        # As bytes: compare_digest refuses str with non-ASCII characters, and a look-up form passes any letter.
        document_bytes = document.encode()
        return secrets.compare_digest(document_bytes, self.holder_document.encode()) or (
            self.is_company and secrets.compare_digest(document_bytes, self.person_cpf.encode())
        )
