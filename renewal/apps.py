from django.apps import AppConfig


class RenewalConfig(AppConfig):
    name = "renewal"
    verbose_name = "Renovação"

    def order_page_sections(self, order) -> list:
        """The order page's sections (orders' `later_sections`): renewing the certificate of an issued order."""
        from django.urls import reverse

        from .selectors import renewable_certificate_of
        from .services.links import renewal_token

        certificate = renewable_certificate_of(order)
        if certificate is None:
            return []
        context = {
            "certificate": certificate,
            "order": order,
            "renewal_path": reverse("renewal:start", args=[renewal_token(certificate)]),
        }
        return [(55, "renewal/order_section.html", context)]
