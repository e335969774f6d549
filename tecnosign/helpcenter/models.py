from django.db import models
from django.urls import reverse
from django.utils import timezone


class Article(models.Model):
    """A help page in the product's own words, edited by staff; the body is Markdown without raw HTML."""

    class Category(models.TextChoices):
        BUYING = "compra", "Compra e pagamento"
        VIDEOCONFERENCE = "videoconferencia", "Videoconferência"
        GUARANTEES = "garantias", "Garantias e revogação"
        MEDIA = "midias", "Tokens e cartões"
        PARTNERS = "parceiros", "Para parceiros"

    class Audience(models.TextChoices):
        EVERYONE = "todos", "Clientes e parceiros"
        CUSTOMERS = "clientes", "Clientes"
        PARTNERS = "parceiros", "Parceiros"

    slug = models.SlugField("endereço", max_length=80, unique=True)
    title = models.CharField("título", max_length=150)
    summary = models.CharField("resumo", max_length=300, help_text="Uma ou duas frases, mostradas na lista e na busca.")
    body = models.TextField(
        "texto", help_text="Markdown: ## título, - lista, **negrito**, [texto](/endereco/). HTML não é aceito."
    )
    category = models.CharField("assunto", max_length=20, choices=Category.choices)
    audience = models.CharField("para quem", max_length=10, choices=Audience.choices, default=Audience.EVERYONE)
    position = models.PositiveSmallIntegerField("ordem", default=0)
    published = models.BooleanField("publicado", default=True)
    updated_at = models.DateTimeField("atualizado em", default=timezone.now)

    class Meta:
        verbose_name = "artigo de ajuda"
        verbose_name_plural = "artigos de ajuda"
        ordering = ["category", "position", "title"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("helpcenter:article", args=[self.slug])
