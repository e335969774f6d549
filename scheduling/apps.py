from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "scheduling"
    verbose_name = "Agendamento e validação"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from . import checks  # noqa: F401 (registers the settings check)
        from .roles import ensure_roles

        # After every app's migrations, not only this one's: each app's permissions are created at its own
        # post_migrate, and the roles take permissions from apps installed after this one (issuance, partners).
        post_migrate.connect(ensure_roles, dispatch_uid="scheduling-roles")

    def load_demo(self) -> list[str]:
        """Called by `manage.py load_demo`: the demo agent's weekly hours."""
        from .demo import demo_availability

        return demo_availability()

    def order_deadlines(self, order) -> list:
        """The order page's timeline (orders.selectors.order_deadlines): the booked videoconference."""
        from .selectors import booking_deadlines

        return booking_deadlines(order)

    def order_page_sections(self, order) -> list:
        """The order page's sections (orders' `later_sections`): the videoconference box, after the documents."""
        from .selectors import booking_panel

        return [(30, "scheduling/_order_panel.html", booking_panel(order))]

    def order_documents_visible_to(self, user):
        """Which orders' documents a staff user may open (orders.selectors.documents_visible_to): the
        orders in an agent's or a verifier's work now."""
        from .selectors_backoffice import orders_with_documents_for

        return orders_with_documents_for(user)

    def order_identity_document_waiver(self, order) -> str:
        """Why the order needs no identity document (orders.services.documents.identity_document_waiver): a positive
        biometric match in its videoconference (DOC-ICP-05.02 item 2.1.5)."""
        from .selectors_evidence import positive_match_of

        match = positive_match_of(order)
        if match is None:
            return ""
        return f"a face do titular conferiu com a base biométrica da ICP-Brasil (protocolo {match.protocol})"

    def retention_rules(self) -> list:
        """The face captures, the base's faces and the sealed dossiers (orders.services.retention)."""
        from .retention import retention_rules

        return retention_rules()

    def sealed_files_verify(self):
        """Every sealed dossier against the digest in the audit chain (`manage.py verify_audit_log`)."""
        from .services.dossier import dossiers_verify

        return dossiers_verify()
