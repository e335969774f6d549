from django.apps import AppConfig


class HelpcenterConfig(AppConfig):
    name = "tecnosign.helpcenter"
    label = "helpcenter"
    verbose_name = "Central de ajuda"
