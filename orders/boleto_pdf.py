"""The printable boleto of a live charge: a PDF (reportlab) with the digitable line and the Interleaved 2 of 5
barcode of the FEBRABAN layout, for the customer who pays at a lottery outlet or a bank's counter."""

import io

from django.utils import formats
from reportlab.graphics.barcode.common import I2of5
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from .models import Order, Payment
from .templatetags.brazil import boleto_groups, brl

BENEFICIARY = "TecnoSign Certificação Digital"


def boleto_pdf(order: Order, payment: Payment) -> bytes:
    """One A4 page: who is paid, by whom, the amount and due date, the digitable line, and the barcode (44 digits,
    bar width 0.33 mm, 13 mm high, the quiet zones of the layout)."""
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, invariant=1)
    pdf.setTitle(f"Boleto do pedido {order.number}")
    pdf.setAuthor(BENEFICIARY)
    height = A4[1]
    left, top = 18 * mm, height - 20 * mm

    pdf.setFont("Helvetica-Bold", 14)
    pdf.drawString(left, top, f"Boleto — pedido {order.number}")
    rows = [
        ("Beneficiário", BENEFICIARY),
        ("Pagador", f"{order.holder_name} — {order.holder_document_display}"),
        ("Valor", brl(payment.amount)),
        ("Vencimento", formats.date_format(payment.due_date, "d/m/Y") if payment.due_date else ""),
        ("Produto", order.product.name),
    ]
    y = top - 12 * mm
    for label, value in rows:
        pdf.setFont("Helvetica-Bold", 9)
        pdf.drawString(left, y, label)
        pdf.setFont("Helvetica", 10)
        pdf.drawString(left + 30 * mm, y, str(value))
        y -= 6 * mm

    y -= 6 * mm
    pdf.setFont("Helvetica-Bold", 9)
    pdf.drawString(left, y, "Linha digitável")
    y -= 7 * mm
    pdf.setFont("Courier-Bold", 12)
    pdf.drawString(left, y, " ".join(boleto_groups(payment.boleto_line)))

    y -= 20 * mm
    barcode = I2of5(
        payment.boleto_barcode,
        barWidth=0.33 * mm,
        ratio=3,
        barHeight=13 * mm,
        checksum=0,
        bearers=0,
        quiet=1,
        lquiet=6.35 * mm,
        rquiet=6.35 * mm,
    )
    barcode.drawOn(pdf, left - 6.35 * mm, y)
    y -= 6 * mm
    pdf.setFont("Helvetica", 8)
    pdf.drawString(left, y, f"Código de barras: {payment.boleto_barcode}")
    y -= 10 * mm
    pdf.setFont("Helvetica", 9)
    pdf.drawString(left, y, "Pague no aplicativo do seu banco, no caixa eletrônico ou em uma casa lotérica.")
    y -= 5 * mm
    pdf.drawString(
        left, y, "A compensação leva até 2 dias úteis; você recebe um e-mail quando o pagamento for confirmado."
    )
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
