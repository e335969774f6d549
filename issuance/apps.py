from django.apps import AppConfig


class IssuanceConfig(AppConfig):
    name = "issuance"
    verbose_name = "Emissão"
