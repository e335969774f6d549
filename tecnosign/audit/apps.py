from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "tecnosign.audit"
    label = "audit"
    verbose_name = "Auditoria"

    def ready(self) -> None:
        from . import checks, signals  # noqa: F401 (registers the settings check and the sign-in receivers)
