from django.apps import AppConfig


class TokensConfig(AppConfig):
    name = "tokens"
    verbose_name = "Tokens e cartões"

    def order_page_sections(self, order) -> list:
        """The order page's sections (orders' `later_sections`): installing an A3 certificate on the token, after
        the issuance section and before revocation's."""
        from .selectors import a3_install_panel

        return [(50, "tokens/a3_section.html", a3_install_panel(order))]

    def a1_without_web_crypto_offer(self, order):
        """The A1 issuance page, in a browser that cannot make the key: the local agent makes it on this computer."""
        from django.urls import reverse

        from issuance.selectors import PageOffer

        return PageOffer(
            text="Com o agente TecnoSign, um pequeno programa que roda no seu computador, a chave é gerada nele e o "
            "arquivo .pfx é gravado numa pasta dele, com a senha que você escolher.",
            url=reverse("tokens:a1-agent", args=[order.number]),
            label="Emitir com o agente TecnoSign",
        )
