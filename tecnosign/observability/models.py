from django.db import models


class Metrics(models.Model):
    """No table: the holder of the permission to read /metrics without the scrape token (staff, second factor)."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [("view_metrics", "Pode ler as métricas de operação (/metrics)")]

    def __str__(self) -> str:
        return "métricas"
