"""A copy of the personal data the portal holds about the holder (LGPD art. 18, II), as JSON and as a readable PDF.

What is in it, per order of the request (`services.subject_orders`): the order's data as the holder gave it, the
consent (when and which version of the notice), payments (method, status, amounts and dates — never a card number,
the gateway only ever gave the last four digits), the documents sent (kind, file name, dates; the files themselves are
the holder's own), the videoconferences and the validations' outcomes, the certificates' public data, revocation
requests, the messages sent to the holder (channel, subject, date — not the bodies, which carry one-time links), and
the order's history as its page shows it. Left out on purpose: what staff write for each other (validation notes,
verification reasons), the people who handled the order, client IPs, and other people's data (a partner's, staff's).
"""

import io
from datetime import date, datetime
from xml.sax.saxutils import escape

from django.conf import settings
from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from issuance.models import Certificate
from orders.models import Order
from orders.selectors import order_history
from revocation.models import RevocationRequest
from scheduling.models import Booking, Validation
from tecnosign.notifications.models import OutboxMessage

from .models import PrivacyRequest


def _when(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _order(order: Order) -> dict:
    return {
        "numero": order.number,
        "produto": order.product.name,
        "situacao": order.get_status_display(),
        "criado_em": _when(order.created_at),
        "titular": {
            "nome": order.person_name,
            "cpf": order.person_cpf,
            "data_nascimento": _when(order.person_birth_date),
            "email": order.email,
            "celular": order.mobile,
            "pis_nis": order.pis_nis,
            "cei": order.cei,
        },
        "empresa": {"razao_social": order.company_name, "cnpj": order.cnpj} if order.cnpj else None,
        "valor": str(order.price),
        "desconto": str(order.discount),
        "parceiro": order.partner.name if order.partner_id else None,
        "consentimento_lgpd": {"em": _when(order.lgpd_consent_at), "versao": order.lgpd_consent_version or None},
        "pagamentos": [
            {
                "forma": payment.get_method_display(),
                "situacao": payment.get_status_display(),
                "valor": str(payment.amount),
                "criado_em": _when(payment.created_at),
                "pago_em": _when(payment.paid_at),
                "cartao_final": payment.card_last4 or None,
            }
            for payment in order.payments.order_by("created_at")
        ],
        "documentos": [
            {
                "tipo": document.get_kind_display(),
                "documento": document.get_identity_type_display() or None,
                "arquivo": document.original_name,
                "enviado_em": _when(document.uploaded_at),
                "substituido_em": _when(document.superseded_at),
                "eliminado_em": _when(document.purged_at),
            }
            for document in order.documents.order_by("uploaded_at")
        ],
        "videoconferencias": [
            {
                "inicio": _when(booking.starts_at),
                "situacao": booking.get_status_display(),
                "resultado": booking.get_outcome_display() or None,
            }
            for booking in Booking.objects.filter(order=order).order_by("starts_at")
        ],
        "validacoes": [
            {
                "concluida_em": _when(validation.finished_at),
                "resultado": validation.get_outcome_display(),
                "motivo_da_recusa": validation.get_reject_reason_display() or None,
            }
            for validation in Validation.objects.filter(order=order).order_by("finished_at")
        ],
        "certificados": [
            {
                "numero_de_serie": certificate.serial,
                "titular": certificate.subject,
                "emissor": certificate.issuer,
                "valido_de": _when(certificate.not_before),
                "valido_ate": _when(certificate.not_after),
                "situacao": certificate.get_status_display(),
                "revogado_em": _when(certificate.revoked_at),
            }
            for certificate in Certificate.objects.filter(order=order).order_by("not_before")
        ],
        "revogacoes": [
            {
                "motivo": revocation.get_reason_display(),
                "forma": revocation.get_channel_display(),
                "situacao": revocation.get_status_display(),
                "revogado_em": _when(revocation.revoked_at),
            }
            for revocation in RevocationRequest.objects.filter(order=order).order_by("pk")
        ],
        "mensagens_enviadas": [
            {
                "canal": message.get_channel_display(),
                "assunto": message.subject,
                "situacao": message.get_status_display(),
                "enviada_em": _when(message.sent_at),
            }
            # Only what went to the holder's own contact: not the partner's or staff's messages about the order.
            for message in OutboxMessage.objects.filter(
                object_ref=f"orders.order:{order.pk}", recipient__in=[order.email, order.mobile]
            ).order_by("created_at")
        ],
        "historico": [{"em": _when(entry.at), "evento": entry.label} for entry in order_history(order)],
    }


def export_data(request: PrivacyRequest) -> dict:
    numbers = request.result.get("orders", [])
    orders = Order.objects.filter(number__in=numbers).select_related("product", "partner").order_by("created_at")
    return {
        "controlador": {"nome": settings.LGPD_CONTROLLER_NAME, "cnpj": settings.ICP_AR_CNPJ},
        "encarregado": {"nome": settings.LGPD_DPO_NAME, "email": settings.LGPD_DPO_EMAIL},
        "gerado_em": _when(timezone.now()),
        "solicitacao": {"pedida_em": _when(request.created_at), "confirmada_em": _when(request.confirmed_at)},
        "pedidos": [_order(order) for order in orders],
    }


# --- the PDF ------------------------------------------------------------------------------------------------------

_LABELS = {
    "pagamentos": "Pagamentos",
    "documentos": "Documentos enviados",
    "videoconferencias": "Videoconferências",
    "validacoes": "Validações",
    "certificados": "Certificados",
    "revogacoes": "Revogações",
    "mensagens_enviadas": "Mensagens enviadas",
    "historico": "Histórico do pedido",
}


def _text(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, dict):
        return "; ".join(f"{key.replace('_', ' ')}: {_text(item)}" for key, item in value.items())
    return str(value)


def export_pdf(data: dict) -> bytes:
    styles = getSampleStyleSheet()
    cell = styles["BodyText"].clone("cell", fontSize=8, leading=10)

    def paragraph(value, style=cell) -> Paragraph:
        return Paragraph(escape(_text(value)), style)

    story = [
        Paragraph("Seus dados pessoais no portal TecnoSign", styles["Title"]),
        paragraph(
            f"Controlador: {data['controlador']['nome']} (CNPJ {data['controlador']['cnpj']}). Encarregado (DPO): "
            f"{data['encarregado']['nome']} — {data['encarregado']['email']}. Gerado em {data['gerado_em']}.",
            styles["BodyText"],
        ),
        Spacer(1, 4 * mm),
    ]
    table_style = TableStyle(
        [
            ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef5")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]
    )
    for order in data["pedidos"]:
        story.append(Paragraph(escape(f"Pedido {order['numero']} — {order['produto']}"), styles["Heading2"]))
        facts = [
            ["Situação", order["situacao"]],
            ["Criado em", order["criado_em"]],
            *[[key.replace("_", " ").capitalize(), value] for key, value in order["titular"].items()],
            ["Empresa", order["empresa"]],
            ["Valor", order["valor"]],
            ["Parceiro", order["parceiro"]],
            ["Consentimento LGPD", order["consentimento_lgpd"]],
        ]
        table = Table([[paragraph(a), paragraph(b)] for a, b in facts], colWidths=[45 * mm, 125 * mm])
        table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.25, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP")]))
        story += [table, Spacer(1, 3 * mm)]
        for key, label in _LABELS.items():
            rows = order[key]
            story.append(Paragraph(escape(label), styles["Heading4"]))
            if not rows:
                story.append(paragraph("Nenhum registro."))
                continue
            columns = list(rows[0])
            grid = [[paragraph(column.replace("_", " ").capitalize()) for column in columns]]
            grid += [[paragraph(row[column]) for column in columns] for row in rows]
            table = Table(grid, colWidths=[170 * mm / len(columns)] * len(columns), repeatRows=1)
            table.setStyle(table_style)
            story += [table, Spacer(1, 2 * mm)]
    buffer = io.BytesIO()
    SimpleDocTemplate(
        buffer, pagesize=A4, title="Seus dados pessoais — TecnoSign", leftMargin=20 * mm, rightMargin=20 * mm
    ).build(story)
    return buffer.getvalue()
