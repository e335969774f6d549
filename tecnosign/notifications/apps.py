from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "tecnosign.notifications"
    label = "notifications"
    verbose_name = "Notificações"
