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

    def order_certificate_end(self, order_ref):
        """When the order's certificate ended (orders.selectors.certificate_end), for the retention rules."""
        from .selectors import certificate_end_of

        return certificate_end_of(order_ref)

    def negative_list_query(self, order):
        """The CA's Lista Negativa about the order's holder, for the validation (scheduling asks before the agent
        may validate). Raises a DomainError in Portuguese when the CA does not answer."""
        from .services.negative_list import negative_list_query

        return negative_list_query(order)

    def demo_urls(self) -> list[tuple[str, str]]:
        """Called by `manage.py load_demo` for its closing box: the local root's certificate, to trust in a test
        browser or to check an issued certificate's chain."""
        from django.conf import settings
        from django.urls import reverse

        from .models import CertificateAuthority

        root = CertificateAuthority.objects.filter(role=CertificateAuthority.Role.ROOT, active=True).first()
        if root is None:  # `manage.py ca_init` has not run (make run runs it first)
            return []
        return [("Root certificate", settings.SITE_URL + reverse("issuance:ca-certificate", args=[root.slug]))]
