from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "scheduling"
    verbose_name = "Agendamento e validação"

    def ready(self) -> None:
        from . import checks  # noqa: F401 (registers the settings check)

    def load_demo(self) -> list[str]:
        """Called by `manage.py load_demo`: the demo agent's weekly hours."""
        from .demo import demo_availability

        return demo_availability()
