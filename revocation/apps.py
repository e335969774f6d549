from django.apps import AppConfig


class RevocationConfig(AppConfig):
    name = "revocation"
    verbose_name = "Revogação e garantias"

    def order_page_sections(self, order) -> list:
        """The order page's sections (orders' `later_sections`): revocation and the guarantees, last."""
        from .selectors import revocation_panel_for

        return [(60, "revocation/order_section.html", {"panel": revocation_panel_for(order), "order": order})]

    def order_deadlines(self, order) -> list:
        """The order page's timeline (orders.selectors.order_deadlines): the guarantee windows still open."""
        from .selectors import guarantee_deadlines

        return guarantee_deadlines(order)

    def a1_file_lost_offer(self, order):
        """The A1 issuance page of an issued order, whose key lived only in the file: the guarantee's free reissue."""
        from .selectors import file_lost_offer

        return file_lost_offer(order)
