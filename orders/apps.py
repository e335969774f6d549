from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = "Pedidos"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from tecnosign.page_cache import public_pages_changed

        from . import checks  # noqa: F401 (registers the payment gateway checks)

        # What the link pages show: a change renders them afresh (tecnosign.page_cache).
        for model in ("Partner", "Product", "ReferralLink"):
            sender = self.get_model(model)
            post_save.connect(public_pages_changed, sender=sender, dispatch_uid=f"public-pages-{model}-save")
            post_delete.connect(public_pages_changed, sender=sender, dispatch_uid=f"public-pages-{model}-delete")
