"""Sections of the customer's order page, each computing its own context."""

from django import template

from ..forms_payment import CardForm, DocumentUploadForm
from ..models import Document, Order, Payment
from ..services.documents import UPLOAD_STATES, current_documents, missing_kinds, required_kinds
from ..services.payments import order_payment_summary
from ..views_payment import pix_qr_data_uri, sandbox_simulation_enabled

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
        "simulate": sandbox_simulation_enabled() and live is not None,
    }


@register.inclusion_tag("orders/sections/documents.html", takes_context=True)
def documents_section(context, order: Order) -> dict:
    kinds = required_kinds(order)
    return {
        "csrf_token": context.get("csrf_token"),
        "order": order,
        "visible": order.status in UPLOAD_STATES or order.documents.exists(),
        "can_upload": order.status in UPLOAD_STATES,
        "documents": list(current_documents(order)),
        "missing": [Document.Kind(kind).label for kind in missing_kinds(order)],
        "form": DocumentUploadForm(kinds=kinds),
    }
