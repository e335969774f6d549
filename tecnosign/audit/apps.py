from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "tecnosign.audit"
    label = "audit"
    verbose_name = "Auditoria"

    def ready(self) -> None:
        from . import signals  # noqa: F401 (connects the sign-in receivers)
