import uuid

from django.db import models
from django.utils import timezone

from tecnosign.storage import private_storage


def document_path(instance: "Document", filename: str) -> str:
    # Random names: nothing about the holder leaks through the storage, and nothing can be guessed.
    now = timezone.now()
    return f"documents/{now:%Y/%m}/{uuid.uuid4().hex}{instance.EXTENSIONS[instance.content_type]}"


class Document(models.Model):
    """A file the customer uploaded for the validation: kept privately, shown to staff only."""

    class Kind(models.TextChoices):
        IDENTITY = "identity", "Documento de identidade do titular"
        COMPANY_ARTICLES = "company_articles", "Contrato social / ato constitutivo da empresa"

    class IdentityType(models.TextChoices):
        RG = "rg", "RG (carteira de identidade)"
        CIN = "cin", "CIN (nova carteira de identidade)"
        CNH = "cnh", "CNH (carteira de motorista)"
        PASSPORT = "passport", "Passaporte"
        RNE = "rne", "RNE / CRNM (estrangeiro)"
        PROFESSIONAL = "professional", "Carteira profissional (OAB, CRM, CREA…)"

    EXTENSIONS = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}

    # The file's URL carries this, never the sequential pk: nothing to count through.
    public_id = models.UUIDField("identificador público", default=uuid.uuid4, unique=True, editable=False)
    order = models.ForeignKey("orders.Order", verbose_name="pedido", on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField("tipo", max_length=20, choices=Kind.choices)
    identity_type = models.CharField("documento", max_length=16, choices=IdentityType.choices, blank=True)
    file = models.FileField("arquivo", upload_to=document_path, storage=private_storage, max_length=200)
    original_name = models.CharField("nome original", max_length=255)
    content_type = models.CharField("formato", max_length=40)
    size = models.PositiveIntegerField("tamanho (bytes)")
    sha256 = models.CharField("SHA-256", max_length=64)
    uploaded_at = models.DateTimeField("enviado em", default=timezone.now)
    superseded_at = models.DateTimeField("substituído em", null=True, blank=True)
    purged_at = models.DateTimeField("arquivo eliminado em", null=True, blank=True)

    class Meta:
        verbose_name = "documento"
        verbose_name_plural = "documentos"
        ordering = ["order", "kind", "-uploaded_at"]
        indexes = [models.Index(fields=["order", "kind", "superseded_at"], name="document_current_idx")]
        permissions = [("view_retention_report", "Ver o relatório de retenção (o que a próxima execução elimina)")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.original_name}"

    @property
    def is_current(self) -> bool:
        return self.superseded_at is None and self.purged_at is None
