from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    """The holder's rights under LGPD art. 18 (a copy of their data, correction, deletion) and the privacy notice.

    It reads every app's data about the holder, so it sits at the top of the layers, beside `partners`; the writes
    it asks for are the owners' services (orders, notifications)."""

    name = "privacy"
    verbose_name = "Privacidade (LGPD)"

    def order_page_sections(self, order) -> list:
        """The order page's "Seus dados pessoais (LGPD)" section (orders' `later_sections`), after every other."""
        return [(90, "privacy/order_section.html", {"order": order})]
