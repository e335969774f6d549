from django.conf import settings
from django.db import models
from django.utils import timezone


class AuditEvent(models.Model):
    """One row per action, never edited: services write it, the chain seal makes tampering detectable.

    `chain_position`, `prev_hash` and `hash` are set once by `audit_seal()` after the writing transaction
    commits, so concurrent writers never wait on each other for the chain head.
    """

    created_at = models.DateTimeField("quando", default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="usuário", null=True, blank=True, on_delete=models.PROTECT
    )
    actor_label = models.CharField("quem", max_length=150)
    ip = models.GenericIPAddressField("IP", null=True, blank=True)
    action = models.CharField("ação", max_length=64, db_index=True)
    object_type = models.CharField("tipo de objeto", max_length=64)
    object_id = models.CharField("objeto", max_length=64)
    before = models.JSONField("antes", default=dict, blank=True)
    after = models.JSONField("depois", default=dict, blank=True)
    note = models.TextField("observação", blank=True)
    chain_position = models.BigIntegerField("posição na cadeia", null=True, blank=True, unique=True)
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = "evento de auditoria"
        verbose_name_plural = "eventos de auditoria"
        ordering = ["-id"]
        indexes = [models.Index(fields=["object_type", "object_id", "id"], name="audit_object_idx")]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_type}:{self.object_id}"


class AuditChainHead(models.Model):
    """The last sealed position and hash; a single row locked while sealing."""

    position = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        verbose_name = "cabeça da cadeia de auditoria"

    def __str__(self) -> str:
        return f"#{self.position} {self.hash[:12]}"
