from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "tecnosign.audit"
    label = "audit"
    verbose_name = "Auditoria"
