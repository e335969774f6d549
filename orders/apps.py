from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = "Pedidos"

    def ready(self) -> None:
        from . import checks  # noqa: F401 (registers the payment gateway checks)
