from django.apps import AppConfig


class IssuanceConfig(AppConfig):
    name = "issuance"
    verbose_name = "Emissão"

    def ready(self) -> None:
        from . import checks  # noqa: F401 (registers the CA passphrase check)

    def order_page_sections(self, order) -> list:
        """The order page's sections (orders' `later_sections`): the CA hand-off, issuance and the certificate."""
        return [(40, "issuance/order_section.html", {"order": order})]

    def order_deadlines(self, order) -> list:
        """The order page's timeline (orders.selectors.order_deadlines): the CA's 24 h to release."""
        from .selectors import release_deadlines

        return release_deadlines(order)
