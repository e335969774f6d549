"""Sections of the customer's order page, each computing its own context."""

from django import template
from django.apps import apps
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from ..forms import TermAcceptForm
from ..forms_payment import CardForm, DocumentUploadForm
from ..models import Document, Order, Payment
from ..payments.gateways.sandbox import SandboxGateway
from ..services.documents import (
    UPLOAD_STATES,
    accepted_kinds,
    current_documents,
    identity_document_waiver,
    missing_kinds,
)
from ..services.payments import order_payment_summary
from ..services.refunds import withdrawal_available, withdrawal_deadline, withdrawal_needs_pix_key
from ..services.terms import ACCEPT_STATES, SHOW_STATES, term_digest, term_of
from ..views_payment import card_hosted_checkout, pix_qr_data_uri, sandbox_simulation_enabled

register = template.Library()


@register.inclusion_tag("orders/sections/payment.html", takes_context=True)
def payment_section(context, order: Order) -> dict:
    summary = order_payment_summary(order)
    live = summary.get("live")
    return {
        "request": context.get("request"),
        "csrf_token": context.get("csrf_token"),
        "order": order,
        "payable": order.status in Order.PAYABLE,
        "summary": summary,
        "pix_qr": pix_qr_data_uri(live.pix_payload) if live and live.method == Payment.Method.PIX else "",
        "card_form": CardForm(),
        "card_hosted": card_hosted_checkout(),
        "simulate": sandbox_simulation_enabled() and live is not None and live.gateway == SandboxGateway.name,
    }


@register.inclusion_tag("orders/sections/documents.html", takes_context=True)
def documents_section(context, order: Order) -> dict:
    kinds = accepted_kinds(order)
    return {
        "csrf_token": context.get("csrf_token"),
        "order": order,
        "visible": order.status in UPLOAD_STATES or order.documents.exists(),
        "can_upload": order.status in UPLOAD_STATES,
        "documents": list(current_documents(order)),
        "missing": [Document.Kind(kind).label for kind in missing_kinds(order)],
        "waiver": identity_document_waiver(order),
        "form": context.get("document_form") or DocumentUploadForm(kinds=kinds),
    }


@register.simple_tag(takes_context=True)
def later_sections(context, order: Order) -> SafeString:
    """The order page's sections owned by the apps after `orders` — the videoconference, issuance, the A3 install,
    revocation — each rendered from the template and context its app gives.

    `orders` loads none of their template tags and names none of their templates (dependencies point toward it):
    each app adds its sections through an `order_page_sections(order)` method on its AppConfig returning
    `(position, template_name, context)` triples, as `order_deadlines` collects the timeline's dates. The page
    shows them by position; each is rendered with the request, so its forms get their CSRF token.
    """
    found = []
    for config in apps.get_app_configs():
        provider = getattr(config, "order_page_sections", None)
        if provider is not None:
            found.extend(provider(order))
    request = context.get("request")
    rendered = [
        render_to_string(template_name, section_context, request=request)
        for _, template_name, section_context in sorted(found, key=lambda section: section[0])
    ]
    return mark_safe("".join(rendered))  # noqa: S308 (templates rendered with autoescape, as an include would be)


@register.inclusion_tag("orders/sections/term.html", takes_context=True)
def term_section(context, order: Order) -> dict:
    term = term_of(order)
    can_accept = term is None and order.status in ACCEPT_STATES
    digest = term_digest(order) if can_accept else ""
    return {
        "csrf_token": context.get("csrf_token"),
        "order": order,
        "visible": order.status in SHOW_STATES or term is not None,
        "term": term,
        "can_accept": can_accept,
        "sha256": digest,
        "form": TermAcceptForm(initial={"sha256": digest}),
    }


@register.inclusion_tag("orders/sections/withdrawal.html", takes_context=True)
def withdrawal_section(context, order: Order) -> dict:
    visible = withdrawal_available(order)
    return {
        "csrf_token": context.get("csrf_token"),
        "order": order,
        "visible": visible,
        "deadline": withdrawal_deadline(order) if visible else None,
        "needs_pix_key": visible and withdrawal_needs_pix_key(order),
    }
