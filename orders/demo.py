"""Demo orders for `make run`, made through the same services a customer's clicks go through.

One order at each early step of the journey, so the demo can be walked from wherever one wants to start.
Idempotent: an order is made only when none exists for its demo e-mail.
"""

import io
from datetime import date

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw

from tecnosign.audit.services import Actor

from .models import Order, ReferralLink
from .payments.gateways.sandbox import SIGNATURE_HEADER, event_body, sandbox_bank_record, sign
from .services.checkout import HolderData, order_create
from .services.documents import document_attach
from .services.payments import payment_start, webhook_receive

DEMO_PASSWORDS = {"issuance_password": "Emissao#Demo1", "revocation_password": "Revoga#Demo1"}
DEMO_ACTOR = Actor(label="demo")

# (e-mail, name, CPF, steps): "paid" = paid by PIX through the sandbox webhook; "documents" = identity uploaded.
DEMO_ORDERS = [
    ("demo-pagamento@exemplo.com.br", "Marina Souza", "52998224725", ()),
    ("demo-agendar@exemplo.com.br", "Rafael Lima", "11144477735", ("paid", "documents")),
    ("demo-agendado@exemplo.com.br", "Beatriz Rocha", "39053344705", ("paid", "documents")),
]


def _identity_image() -> SimpleUploadedFile:
    image = Image.new("RGB", (640, 400), (226, 236, 248))
    ImageDraw.Draw(image).text((24, 24), "DOCUMENTO DE DEMONSTRACAO", fill=(20, 40, 80))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return SimpleUploadedFile("rg-demonstracao.png", buffer.getvalue(), content_type="image/png")


def _pay(order: Order) -> None:
    payment = payment_start(order=order, method="pix", actor=DEMO_ACTOR)
    sandbox_bank_record(charge_id=payment.charge_id, status="paid", amount=payment.amount)  # the bank received it
    body = event_body(charge_id=payment.charge_id, status="paid", amount=payment.amount)
    webhook_receive(
        gateway_name="sandbox",
        body=body,
        headers={SIGNATURE_HEADER: sign(body, secret=settings.SANDBOX_WEBHOOK_SECRET)},
    )


def demo_orders(link: ReferralLink) -> None:
    for email, name, cpf, steps in DEMO_ORDERS:
        order = Order.objects.filter(email=email).order_by("pk").first()
        if order is None:
            order = order_create(
                link=link,
                product_code="e-cpf-a1-12m",
                holder=HolderData(
                    person_name=name,
                    person_cpf=cpf,
                    person_birth_date=date(1988, 3, 14),
                    email=email,
                    mobile="+5511987654321",
                ),
                lgpd_consent=True,
                actor=DEMO_ACTOR,
                **DEMO_PASSWORDS,
            )
            if "paid" in steps:
                _pay(order)
            if "documents" in steps:
                document_attach(
                    order=order, kind="identity", identity_type="rg", uploaded=_identity_image(), actor=DEMO_ACTOR
                )


def demo_lines() -> list[str]:
    orders = Order.objects.filter(email__in=[email for email, *_ in DEMO_ORDERS]).order_by("pk")
    lines = [
        "Demo orders (open at /pedido/ with the number and CPF; issuance password "
        f"{DEMO_PASSWORDS['issuance_password']}, revocation password {DEMO_PASSWORDS['revocation_password']}):"
    ]
    lines += [f"  {order.number}  CPF {order.person_cpf_display}  {order.get_status_display()}" for order in orders]
    return lines
