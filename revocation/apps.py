from django.apps import AppConfig


class RevocationConfig(AppConfig):
    name = "revocation"
    verbose_name = "Revogação e garantias"

    def order_deadlines(self, order) -> list:
        """The order page's timeline (orders.selectors.order_deadlines): the guarantee windows still open."""
        from .selectors import guarantee_deadlines

        return guarantee_deadlines(order)
