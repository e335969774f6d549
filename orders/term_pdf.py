"""The *termo de titularidade e responsabilidade* of an order, as a PDF (reportlab).

Built from the order and the term's version only — no date of today, no random document id (`invariant`) — so the
same order gives the same bytes: the SHA-256 the holder is shown is the one recomputed when they accept.
"""

import io
from xml.sax.saxutils import escape

from django.conf import settings
from django.utils import formats
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import ListFlowable, ListItem, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from .models import Order, Product
from .validators import format_cnpj, format_cpf

# Raise it whenever the text below changes: acceptances record the version they were given.
TERM_VERSION = "2026-12"

HOLDER_DUTIES = [
    "Fornecer informações verdadeiras e completas para a emissão e manter a Autoridade de Registro informada de "
    "qualquer mudança nos dados do certificado.",
    "Conferir os dados do certificado assim que ele for emitido e pedir a revogação se algum estiver errado.",
    "Gerar, guardar e usar a chave privada sob o seu controle exclusivo: o certificado é pessoal e intransferível, e "
    "a senha de emissão, o PIN e o PUK da mídia não devem ser anotados junto dela nem entregues a ninguém, nem ao "
    "seu contador.",
    "Usar o certificado somente para fins lícitos e de acordo com a Política de Certificado e a Declaração de "
    "Práticas de Certificação (DPC) da Autoridade Certificadora.",
    "Responder pelos atos praticados com o certificado: uma assinatura digital ICP-Brasil tem a mesma validade "
    "jurídica de uma assinatura de próprio punho (MP 2.200-2/2001).",
    "Pedir a revogação imediatamente se a chave privada ou a mídia for perdida, roubada ou exposta, ou se houver "
    "suspeita de uso por outra pessoa.",
    "Deixar de usar o certificado quando ele expirar ou for revogado.",
]


def _validity_text(product: Product) -> str:
    chain_end = formats.date_format(settings.ICP_CHAIN_END, "d/m/Y")
    return (
        f"{product.validity_months} meses a partir da emissão, nunca além de {chain_end} "
        "(fim da cadeia V5 da ICP-Brasil)"
    )


def holder_term_pdf(order: Order) -> bytes:
    product = order.product
    styles = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=styles["BodyText"], fontSize=10, leading=14)
    small = ParagraphStyle("small", parent=body, fontSize=8.5, leading=11)
    title = ParagraphStyle("title", parent=styles["Title"], fontSize=14, alignment=TA_CENTER)
    heading = ParagraphStyle("heading", parent=styles["Heading3"], fontSize=11, spaceBefore=6, spaceAfter=3)
    e = escape

    holder_rows = [
        ["Pedido", order.number],
        ["Titular" if not order.is_company else "Empresa titular", e(order.holder_name)],
    ]
    if order.is_company:
        holder_rows += [
            ["CNPJ", format_cnpj(order.cnpj)],
            ["Representante legal", e(order.person_name)],
            ["CPF do representante", format_cpf(order.person_cpf)],
        ]
    else:
        holder_rows.append(["CPF", format_cpf(order.person_cpf)])
    holder_rows += [
        ["Nascimento", formats.date_format(order.person_birth_date, "d/m/Y")],
        ["E-mail", e(order.email)],
        ["Certificado", e(product.name)],
        ["Tipo", e(product.get_certificate_type_display())],
        ["Validade", _validity_text(product)],
    ]
    table = Table([[label, Paragraph(value, small)] for label, value in holder_rows], colWidths=[45 * mm, 120 * mm])
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (0, -1), "Helvetica-Bold", 9),
                ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f0f3f7")),
            ]
        )
    )
    signer = (
        f"{e(order.person_name)}, representante legal de {e(order.company_name)}"
        if order.is_company
        else e(order.person_name)
    )
    duties = ListFlowable(
        [ListItem(Paragraph(e(text), body), leftIndent=12) for text in HOLDER_DUTIES],
        bulletType="1",
        bulletFormat="%s.",
    )
    story = [
        Paragraph("Termo de Titularidade e Responsabilidade", title),
        Paragraph(
            f"Certificado digital ICP-Brasil · TecnoSign — Autoridade de Registro (CNPJ "
            f"{format_cnpj(settings.ICP_AR_CNPJ)}) · versão {TERM_VERSION}",
            small,
        ),
        Spacer(1, 5 * mm),
        table,
        Paragraph("Deveres do titular", heading),
        Paragraph(f"Eu, {signer}, declaro que me comprometo a:", body),
        duties,
        Paragraph("A senha de revogação", heading),
        Paragraph(
            "A senha de revogação que criei no pedido permite pedir a revogação deste certificado pela internet, a "
            "qualquer momento, sem documento assinado. Devo guardá-la em lugar seguro e separado do certificado e "
            "da senha de emissão: quem a tiver, com o número de série e o CPF/CNPJ, pode revogar o certificado. Sem "
            "ela, a revogação exige uma carta com firma reconhecida; se a chave for comprometida, a revogação "
            "urgente usa um link enviado ao meu e-mail e um código ao meu celular.",
            body,
        ),
        Paragraph("Aceite", heading),
        Paragraph(
            "Li este termo e o aceito. O aceite é feito na página do pedido, antes da videoconferência de "
            "validação, e fica registrado com a data e a hora, o endereço IP e o resumo SHA-256 deste arquivo, "
            "que é guardado no dossiê do certificado pelo prazo das normas da ICP-Brasil.",
            body,
        ),
    ]
    buffer = io.BytesIO()
    SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=22 * mm,
        rightMargin=22 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=f"Termo de titularidade — pedido {order.number}",
        author="TecnoSign",
        subject=f"Termo de titularidade e responsabilidade, versão {TERM_VERSION}",
        invariant=True,
    ).build(story)
    return buffer.getvalue()
