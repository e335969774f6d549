from django.apps import AppConfig


class RenewalConfig(AppConfig):
    name = "renewal"
    verbose_name = "Renovação"

    def order_page_sections(self, order) -> list:
        """The order page's sections (orders' `later_sections`): renewing the certificate of an issued order."""
        from django.urls import reverse

        from .selectors import renewable_certificate_of
        from .services.links import renewal_token

        sections = []
        if order.renews_id is not None and order.status == order.Status.PAID:
            from .services.online import online_renewal_eligibility

            context = {"order": order, "eligibility": online_renewal_eligibility(order)}
            sections.append((15, "renewal/online_section.html", context))
        certificate = renewable_certificate_of(order)
        if certificate is None:
            return sections
        context = {
            "certificate": certificate,
            "order": order,
            "renewal_path": reverse("renewal:start", args=[renewal_token(certificate)]),
        }
        return [*sections, (55, "renewal/order_section.html", context)]
