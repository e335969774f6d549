"""Sections of the customer's order page, each computing its own context."""

from django import template

from ..forms import TermAcceptForm
from ..forms_payment import CardForm, DocumentUploadForm
from ..models import Document, Order, Payment
from ..services.documents import (
    UPLOAD_STATES,
    accepted_kinds,
    current_documents,
    identity_document_waiver,
    missing_kinds,
)
from ..services.payments import order_payment_summary
from ..services.terms import ACCEPT_STATES, SHOW_STATES, term_digest, term_of
from ..views_payment import pix_qr_data_uri, sandbox_simulation_enabled

register = template.Library()
S = Order.Status


@register.inclusion_tag("orders/sections/payment.html", takes_context=True)
def payment_section(context, order: Order) -> dict:
    summary = order_payment_summary(order)
    live = summary.get("live")
    return {
        "request": context.get("request"),
        "csrf_token": context.get("csrf_token"),
        "order": order,
        "payable": order.status in (S.AWAITING_PAYMENT, S.PAYMENT_EXPIRED),
        "summary": summary,
        "pix_qr": pix_qr_data_uri(live.pix_payload) if live and live.method == Payment.Method.PIX else "",
        "card_form": CardForm(),
        "simulate": sandbox_simulation_enabled() and live is not None,
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
        "form": DocumentUploadForm(kinds=kinds),
    }


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
