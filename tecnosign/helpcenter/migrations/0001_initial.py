import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="Article",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("slug", models.SlugField(max_length=80, unique=True, verbose_name="endereço")),
                ("title", models.CharField(max_length=150, verbose_name="título")),
                (
                    "summary",
                    models.CharField(
                        help_text="Uma ou duas frases, mostradas na lista e na busca.",
                        max_length=300,
                        verbose_name="resumo",
                    ),
                ),
                (
                    "body",
                    models.TextField(
                        help_text="Markdown: ## título, - lista, **negrito**, [texto](/endereco/). HTML não é aceito.",
                        verbose_name="texto",
                    ),
                ),
                (
                    "category",
                    models.CharField(
                        choices=[
                            ("compra", "Compra e pagamento"),
                            ("videoconferencia", "Videoconferência"),
                            ("garantias", "Garantias e revogação"),
                            ("midias", "Tokens e cartões"),
                            ("parceiros", "Para parceiros"),
                        ],
                        max_length=20,
                        verbose_name="assunto",
                    ),
                ),
                (
                    "audience",
                    models.CharField(
                        choices=[("todos", "Clientes e parceiros"), ("clientes", "Clientes"), ("parceiros", "Parceiros")],
                        default="todos",
                        max_length=10,
                        verbose_name="para quem",
                    ),
                ),
                ("position", models.PositiveSmallIntegerField(default=0, verbose_name="ordem")),
                ("published", models.BooleanField(default=True, verbose_name="publicado")),
                ("updated_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="atualizado em")),
            ],
            options={
                "verbose_name": "artigo de ajuda",
                "verbose_name_plural": "artigos de ajuda",
                "ordering": ["category", "position", "title"],
            },
        ),
    ]
