from django.apps import AppConfig


class ObservabilityConfig(AppConfig):
    name = "tecnosign.observability"
    label = "observability"
    verbose_name = "Observabilidade"
