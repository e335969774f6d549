"""The revocation request letter, filled in for the holder to print, sign and have notarised (PDF, reportlab)."""

import io
from xml.sax.saxutils import escape

from django.conf import settings
from django.urls import reverse
from django.utils import formats, timezone
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.flowables import KeepTogether

from orders.validators import format_cnpj, format_cpf

from .models import RevocationRequest


def _when(moment) -> str:
    return formats.date_format(timezone.localtime(moment), "d/m/Y H:i") + " (Brasília)"


def letter_pdf(request: RevocationRequest) -> bytes:
    order = request.order
    certificate = request.certificate
    styles = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=styles["BodyText"], fontSize=11, leading=15)
    small = ParagraphStyle("small", parent=body, fontSize=9, leading=12)
    title = ParagraphStyle("title", parent=styles["Title"], fontSize=15, alignment=TA_CENTER)
    e = escape
    upload_url = settings.SITE_URL + reverse("revocation:certificate", args=[certificate.serial])

    if order.is_company:
        opening = (
            f"A empresa <b>{e(order.company_name)}</b>, inscrita no CNPJ sob o nº <b>{format_cnpj(order.cnpj)}</b>, "
            f"por seu representante legal <b>{e(order.person_name)}</b>, portador(a) do CPF nº "
            f"<b>{format_cpf(order.person_cpf)}</b>, titular do certificado digital identificado abaixo, solicita a "
            "sua revogação."
        )
    else:
        opening = (
            f"Eu, <b>{e(order.person_name)}</b>, portador(a) do CPF nº <b>{format_cpf(order.person_cpf)}</b>, "
            "titular do certificado digital identificado abaixo, solicito a sua revogação."
        )
    rows = [
        ["Certificado", order.product.name],
        ["Número de série", certificate.serial],
        ["Titular (DN)", Paragraph(e(certificate.subject), small)],
        ["Emitido em", _when(certificate.issued_at)],
        ["Válido até", _when(certificate.not_after)],
        ["Pedido", order.number],
        ["Motivo da revogação", Paragraph(e(request.get_reason_display()), small)],
    ]
    table = Table(rows, colWidths=[45 * mm, 120 * mm])
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (0, -1), "Helvetica-Bold", 9),
                ("FONT", (1, 0), (1, -1), "Helvetica", 9),
                ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f0f3f7")),
            ]
        )
    )
    signer = e(order.person_name) + f" — CPF {format_cpf(order.person_cpf)}"
    if order.is_company:
        signer += f"<br/>Representante legal de {e(order.company_name)} — CNPJ {format_cnpj(order.cnpj)}"
    instructions = Table(
        [
            [
                Paragraph(
                    "<b>Como enviar esta carta</b><br/>"
                    "1. Imprima, preencha o local e a data e assine"
                    + (" (quem assina é o representante legal da empresa)" if order.is_company else "")
                    + ".<br/>"
                    "2. <b>Reconheça firma da assinatura em cartório</b> (reconhecer firma em cartório).<br/>"
                    "3. Digitalize a carta assinada e com firma reconhecida (PDF, JPEG ou PNG) e envie pela página "
                    f"do pedido, em “Enviar a carta assinada”: {e(upload_url)}<br/>"
                    "Não é preciso enviar pelo correio. A equipe TecnoSign confere a carta e revoga o certificado; "
                    "você recebe a confirmação por e-mail.",
                    small,
                )
            ]
        ],
        colWidths=[165 * mm],
    )
    instructions.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 1, colors.HexColor("#0b5cad")),
                ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#eef5fc")),
                ("LEFTPADDING", (0, 0), (-1, -1), 8),
                ("RIGHTPADDING", (0, 0), (-1, -1), 8),
                ("TOPPADDING", (0, 0), (-1, -1), 6),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
            ]
        )
    )
    story = [
        Paragraph("Pedido de revogação de certificado digital ICP-Brasil", title),
        Paragraph(
            f"À TecnoSign — Autoridade de Registro (CNPJ {format_cnpj(settings.ICP_AR_CNPJ)})<br/>"
            f"Referência: <b>{request.reference}</b> · Pedido {order.number}",
            body,
        ),
        Spacer(1, 6 * mm),
        Paragraph(opening, body),
        Spacer(1, 4 * mm),
        table,
        Spacer(1, 4 * mm),
        Paragraph(
            "Declaro estar ciente de que a revogação é definitiva: o certificado deixa de valer a partir dela e não "
            "pode voltar a ser usado. Declaro também que não disponho da senha de revogação criada no pedido.",
            body,
        ),
        Spacer(1, 10 * mm),
        Paragraph("Local e data: ______________________________, ____ de ____________________ de ________", body),
        Spacer(1, 18 * mm),
        KeepTogether(
            [
                Paragraph("_____________________________________________________________", body),
                Paragraph(signer, body),
                Paragraph("(assinatura com firma reconhecida em cartório)", small),
            ]
        ),
        Spacer(1, 10 * mm),
        instructions,
    ]
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=22 * mm,
        rightMargin=22 * mm,
        topMargin=20 * mm,
        bottomMargin=20 * mm,
        title=f"Pedido de revogação {request.reference} — certificado {certificate.serial}",
        author="TecnoSign",
        subject=f"Revogação do certificado {certificate.serial} (pedido {order.number})",
    )
    document.build(story)
    return buffer.getvalue()
