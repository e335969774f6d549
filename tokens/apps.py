from django.apps import AppConfig


class TokensConfig(AppConfig):
    name = "tokens"
    verbose_name = "Tokens e cartões"

    def order_page_sections(self, order) -> list:
        """The order page's sections (orders' `later_sections`): installing an A3 certificate on the token, after
        the issuance section and before revocation's."""
        from .selectors import a3_install_panel

        return [(50, "tokens/a3_section.html", a3_install_panel(order))]
