import uuid

from django.db import models
from django.utils import timezone

from tecnosign.storage import private_storage


def term_path(instance: "HolderTerm", filename: str) -> str:
    # A random name, as for documents: nothing about the holder in the storage, nothing to guess.
    return f"terms/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.pdf"


class HolderTerm(models.Model):
    """The holder's acceptance of the *termo de titularidade e responsabilidade*: the very PDF shown, kept.

    Evidence: when, from which address, with which browser, the term's version and the SHA-256 of the PDF the holder
    was shown (recomputed at acceptance; a term that changed in between is not accepted).

    Extension point (design only, not built): where the holder already has a valid ICP-Brasil certificate on a
    token, the local token agent (`tokens.agent`) can sign this PDF's SHA-256 with it — a detached CMS SignedData
    (or a PAdES signature embedded in a copy). It would arrive as a new `Method` ("icp_signature") with the
    signature stored beside the PDF and verified against the chain before the row is written, and the agent's
    dossier would show the signer's certificate. Today every acceptance is `electronic`.
    """

    class Method(models.TextChoices):
        ELECTRONIC = "electronic", "Aceite eletrônico na página do pedido"

    public_id = models.UUIDField("identificador público", default=uuid.uuid4, unique=True, editable=False)
    order = models.OneToOneField(
        "orders.Order", verbose_name="pedido", on_delete=models.PROTECT, related_name="holder_term"
    )
    version = models.CharField("versão do termo", max_length=16)
    method = models.CharField("forma do aceite", max_length=16, choices=Method.choices, default=Method.ELECTRONIC)
    file = models.FileField("termo (PDF)", upload_to=term_path, storage=private_storage, max_length=200)
    sha256 = models.CharField("SHA-256 do PDF", max_length=64)
    size = models.PositiveIntegerField("tamanho (bytes)")
    accepted_at = models.DateTimeField("aceito em", default=timezone.now)
    ip = models.GenericIPAddressField("IP", null=True, blank=True)
    user_agent = models.CharField("navegador", max_length=300, blank=True)
    purged_at = models.DateTimeField("arquivo eliminado em", null=True, blank=True)

    class Meta:
        verbose_name = "termo de titularidade aceito"
        verbose_name_plural = "termos de titularidade aceitos"
        ordering = ["-accepted_at"]

    def __str__(self) -> str:
        return f"Termo do pedido {self.order.number} ({self.version})" if self.order_id else "Termo"
