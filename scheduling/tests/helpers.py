import re
from datetime import datetime

from scheduling.slots import BRASILIA

SLOT_VALUE = re.compile(r'name="slot" value="([^"]+)"')


def brasilia(*args) -> datetime:
    return datetime(*args, tzinfo=BRASILIA)


def open_order(client, order) -> None:
    """Get into the order as its customer does: number + CPF/CNPJ on /pedido/."""
    response = client.post("/pedido/", {"number": order.number, "document": order.holder_document})
    assert response.status_code == 302, response.status_code


def slot_ids(response) -> list[str]:
    """The slots offered on a booking page, as the radio buttons carry them."""
    return SLOT_VALUE.findall(response.text)


def book_url(order) -> str:
    return f"/pedido/{order.number}/agendar/"
