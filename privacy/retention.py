"""What a deletion request erases and what the law keeps, order by order (LGPD art. 16 and 18, VI).

The one table of the rules, each item told to the holder with its reason and, when it has one, the date until which
it is kept:

- An order in progress keeps everything while it lasts (the contract, art. 7, V): the holder cancels it first.
- An order with a certificate keeps its dossier — identity documents, the videoconference and verification records,
  and the holder's data and contact, which the certificate carries — for `RETENTION_DOCUMENTS_YEARS` after the
  certificate's expiry or revocation (ICP-Brasil); its payment for `FISCAL_RECORDS_RETENTION_YEARS` (tax law).
- An order that ended without a certificate but was paid keeps the name, the CPF/CNPJ and the payment for the tax
  records; its contact, birth date, PIS/CEI, documents and the content of the messages sent go now.
- An order that ended without a certificate and was never paid keeps nothing of the holder: all goes now.
- The audit log of every order stays (it is immutable, and proves what was done and by whom).
"""

from dataclasses import asdict, dataclass
from datetime import date, datetime

from django.conf import settings
from django.db.models import Max
from django.utils import timezone

from issuance.models import Certificate
from orders.models import Order, Payment
from orders.services.documents import ENDED_WITHOUT_ISSUANCE

ERASED, KEPT = "eliminado", "mantido"
IN_PROGRESS, ISSUED, PAID_ENDED, UNPAID_ENDED = "in_progress", "issued", "paid_ended", "unpaid_ended"


@dataclass(frozen=True)
class Item:
    what: str
    outcome: str  # ERASED or KEPT
    why: str
    until: str = ""  # ISO date, when the item has an end

    def as_dict(self) -> dict:
        until = date.fromisoformat(self.until).strftime("%d/%m/%Y") if self.until else ""
        return {**asdict(self), "until_display": until}


@dataclass(frozen=True)
class OrderPlan:
    order: Order
    case: str
    items: list[Item]


def _years_after(moment: datetime | None, years: int) -> str:
    if moment is None:
        return ""
    day = timezone.localdate(moment)
    try:
        return day.replace(year=day.year + years).isoformat()
    except ValueError:  # 29 February
        return date(day.year + years, 3, 1).isoformat()


def _paid_at(order: Order) -> datetime | None:
    return order.payments.filter(status__in=[Payment.Status.PAID, Payment.Status.REFUNDED]).aggregate(
        last=Max("paid_at")
    )["last"]


def _payment_item(order: Order, paid_at: datetime) -> Item:
    years = settings.FISCAL_RECORDS_RETENTION_YEARS
    return Item(
        "Nome, CPF/CNPJ, valor e pagamento do pedido",
        KEPT,
        f"Legislação tributária: os registros fiscais da venda são guardados por {years} anos após o pagamento.",
        _years_after(paid_at, years),
    )


def order_plan(order: Order) -> OrderPlan:
    """The retention case of `order` and its items, as of now."""
    certificates = list(Certificate.objects.filter(order=order))
    paid_at = _paid_at(order)
    if certificates:
        ended = max(certificate.revoked_at or certificate.not_after for certificate in certificates)
        years = settings.RETENTION_DOCUMENTS_YEARS
        until = _years_after(ended, years)
        basis = (
            f"Normas da ICP-Brasil: a autoridade de registro guarda o dossiê do titular por {years} anos após a "
            "expiração ou a revogação do certificado."
        )
        items = [
            Item("Dossiê de validação: documentos, videoconferência e verificação", KEPT, basis, until),
            Item(
                "Nome, CPF/CNPJ, data de nascimento, e-mail e celular (constam do certificado e do dossiê)",
                KEPT,
                basis + " Enquanto o certificado vale, o contato serve também para revogá-lo e para a garantia.",
                until,
            ),
            Item("Certificado emitido e sua situação (válido ou revogado)", KEPT, basis, until),
        ]
        if paid_at:
            items.append(_payment_item(order, paid_at))
        return OrderPlan(order, ISSUED, items)
    if order.status not in ENDED_WITHOUT_ISSUANCE:
        return OrderPlan(
            order,
            IN_PROGRESS,
            [
                Item(
                    f"Todos os dados do pedido (situação: {order.get_status_display().lower()})",
                    KEPT,
                    "Pedido em andamento: os dados são necessários para concluí-lo (LGPD, art. 7º, V). Se não quiser "
                    "continuar, fale com o suporte para cancelar o pedido e peça a eliminação de novo.",
                )
            ],
        )
    gone = "Nenhuma norma obriga a guardá-los depois que o pedido terminou sem certificado."
    if paid_at:
        items = [
            Item("E-mail, celular, data de nascimento, PIS/NIS e CEI", ERASED, gone),
            Item("Documentos enviados", ERASED, gone),
            Item("Conteúdo das mensagens enviadas sobre o pedido", ERASED, gone),
            _payment_item(order, paid_at),
        ]
        return OrderPlan(order, PAID_ENDED, items)
    items = [
        Item("Nome, CPF/CNPJ, data de nascimento, e-mail, celular, PIS/NIS e CEI", ERASED, gone),
        Item("Documentos enviados", ERASED, gone),
        Item("Conteúdo das mensagens enviadas sobre o pedido", ERASED, gone),
    ]
    return OrderPlan(order, UNPAID_ENDED, items)


AUDIT_ITEM = Item(
    "Registro de auditoria das operações (o que foi feito, quando, por quem e de que endereço)",
    KEPT,
    "É imutável por segurança e prova o que foi feito com os dados, inclusive esta eliminação (LGPD, arts. 37 e 46; "
    "normas da ICP-Brasil).",
)
CONSENT_ITEM = Item(
    "Data e versão do consentimento dado na compra",
    KEPT,
    "Prova de que o tratamento foi consentido (LGPD, art. 8º, § 2º); não identifica o titular depois da eliminação.",
)
