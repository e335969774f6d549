from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "tecnosign.notifications"
    label = "notifications"
    verbose_name = "Notificações"

    def ready(self) -> None:
        from . import receivers  # noqa: F401 (connects the staff alerts to the audit log's signal)
