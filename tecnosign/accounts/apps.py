from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "tecnosign.accounts"
    label = "accounts"
    verbose_name = "Contas e acessos"

    def ready(self) -> None:
        from . import signals  # noqa: F401 (the session index and the factor events)
