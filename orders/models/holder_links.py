from django.db import models
from django.utils import timezone


class HolderLink(models.Model):
    """A one-time link e-mailed to the holder's address on file, optionally paired with a code sent to the mobile
    on file.

    Whoever uses it has shown control of the holder's contact, not only knowledge of what is public or printed (the
    order number, the certificate's serial, the CPF). Only digests are stored: the token lives in the e-mail, the
    code in the SMS. Moved only by `orders.services.holder_links`.
    """

    class Purpose(models.TextChoices):
        ORDER_ACCESS = "order_access", "Acesso ao pedido"
        HOLDER_CONFIRMATION = "holder_confirmation", "Confirmação do titular"
        REISSUE = "reissue", "Reemissão em garantia"
        URGENT_REVOCATION = "urgent_revocation", "Revogação urgente"
        PRIVACY = "privacy", "Direitos do titular (LGPD)"

    order = models.ForeignKey(
        "orders.Order", verbose_name="pedido", on_delete=models.CASCADE, related_name="holder_links"
    )
    purpose = models.CharField("finalidade", max_length=24, choices=Purpose.choices)
    token_digest = models.CharField(max_length=64, unique=True, editable=False)
    code_digest = models.CharField(max_length=64, blank=True, editable=False)
    code_failures = models.PositiveSmallIntegerField("códigos errados", default=0)
    # What the link is about beyond the order (a certificate serial, a revocation request), checked on use.
    subject = models.CharField("referência", max_length=64, blank=True)
    created_at = models.DateTimeField("criado em", default=timezone.now)
    expires_at = models.DateTimeField("expira em", db_index=True)
    used_at = models.DateTimeField("usado em", null=True, blank=True)

    class Meta:
        verbose_name = "link do titular"
        verbose_name_plural = "links do titular"
        indexes = [models.Index(fields=["order", "purpose"], name="holder_link_order_purpose_idx")]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} — pedido {self.order_id}"

    @property
    def needs_code(self) -> bool:
        return bool(self.code_digest)
