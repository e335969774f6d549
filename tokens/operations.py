"""What each TokenJob operation does with the agent: a registry of small sequences of client calls.

An operation names the plain parameters it needs (kept on the job) and the secrets it needs (PINs and PUKs,
never kept). A new sequence — e.g. A3 issuance: key, CSR to the CA, certificate back — is one more entry.
`prepare` checks and completes the parameters before the job is queued; `takes_actor` operations act in the
portal too and are told who requested them.
"""

from collections.abc import Callable
from dataclasses import dataclass

from issuance.services.a3 import a3_check_issuable, a3_csr_subject, a3_issue_from_csr, a3_key_label
from orders.models import Order
from tecnosign.audit.services import Actor
from tecnosign.errors import DomainError

from .client import AgentClient
from .models import TokenJob

Op = TokenJob.Operation


@dataclass(frozen=True)
class JobOperation:
    run: Callable[..., dict]
    params: tuple[str, ...] = ()
    secrets: tuple[str, ...] = ()
    optional_secrets: tuple[str, ...] = ()
    needs_token: bool = True
    prepare: Callable[[dict], dict] | None = None
    takes_actor: bool = False


OPERATIONS: dict[str, JobOperation] = {}


def operation(name: str, **spec):
    def register(run):
        OPERATIONS[name] = JobOperation(run=run, **spec)
        return run

    return register


@operation(Op.LIST_TOKENS, needs_token=False)
def _list_tokens(client: AgentClient, serial: str, params: dict, secrets: dict) -> dict:
    return {"tokens": client.list_tokens()}


@operation(Op.LIST_OBJECTS, optional_secrets=("pin",))
def _list_objects(client, serial, params, secrets):
    listing = client.list_objects(serial, pin=secrets.get("pin"))
    return {"token": listing["token"], "objects": listing["objects"]}


@operation(Op.CHANGE_PIN, secrets=("pin", "new_pin"))
def _change_pin(client, serial, params, secrets):
    return {"token": client.change_pin(serial, pin=secrets["pin"], new_pin=secrets["new_pin"])}


@operation(Op.CHANGE_PUK, secrets=("puk", "new_puk"))
def _change_puk(client, serial, params, secrets):
    return {"token": client.change_puk(serial, puk=secrets["puk"], new_puk=secrets["new_puk"])}


@operation(Op.UNBLOCK_PIN, secrets=("puk", "new_pin"))
def _unblock_pin(client, serial, params, secrets):
    return {"token": client.unblock_pin(serial, puk=secrets["puk"], new_pin=secrets["new_pin"])}


@operation(Op.ERASE, params=("label", "confirm_token_label", "confirm_labels"), secrets=("puk", "new_pin"))
def _erase(client, serial, params, secrets):
    return client.erase(
        serial,
        puk=secrets["puk"],
        label=params["label"],
        new_pin=secrets["new_pin"],
        confirm_token_label=params["confirm_token_label"],
        confirm_labels=params["confirm_labels"],
    )


@operation(Op.GENERATE_KEY_AND_CSR, params=("key_label", "subject"), secrets=("pin",))
def _generate_key_and_csr(client, serial, params, secrets):
    key = client.generate_key(serial, pin=secrets["pin"], label=params["key_label"])
    csr = client.create_csr(
        serial,
        pin=secrets["pin"],
        key_id=key["key_id"],
        subject=params["subject"],
        subject_alt_name=params.get("subject_alt_name"),
    )
    return {"key_id": key["key_id"], "public_key": key["public_key"], "csr": csr}


@operation(Op.IMPORT_CERTIFICATE, params=("certificate",), secrets=("pin",))
def _import_certificate(client, serial, params, secrets):
    return client.import_certificate(
        serial, pin=secrets["pin"], certificate_pem=params["certificate"], label=params.get("label")
    )


def _a3_order(params: dict) -> Order:
    number = str(params.get("order_number") or "").strip().upper()
    order = Order.objects.select_related("product").filter(number=number).first()
    if order is None:
        raise DomainError(f"Não há pedido com o número {number}.", code="order_not_found", field="order_number")
    return order


def _a3_prepare(params: dict) -> dict:
    """Refuse, before anything is queued, an order whose certificate cannot go on a token now."""
    order = _a3_order(params)
    try:
        a3_check_issuable(order)
    except DomainError as error:
        raise DomainError(error.message, code=error.code, field="order_number") from error
    key_label = str(params.get("key_label") or "").strip() or a3_key_label(order)
    return {"order_number": order.number, "key_label": key_label}


@operation(Op.A3_ISSUE, params=("order_number",), secrets=("pin",), prepare=_a3_prepare, takes_actor=True)
def _a3_issue(client, serial, params, secrets, *, actor: Actor):
    """Key pair and CSR on the token, the CSR to the CA through the portal's own service, the certificate back."""
    order = _a3_order(params)
    a3_check_issuable(order)  # again: the order may have moved while the job waited in the queue
    pin = secrets["pin"]
    key = client.generate_key(serial, pin=pin, label=params["key_label"])
    try:
        csr = client.create_csr(serial, pin=pin, key_id=key["key_id"], subject=a3_csr_subject(order))
        issued = a3_issue_from_csr(order=order, csr_pem=csr, actor=actor)
    except DomainError as error:
        raise DomainError(
            f"{error.message} Nada foi emitido: o pedido continua liberado. A chave gerada "
            f"(“{params['key_label']}”) ficou na mídia sem certificado.",
            code=error.code,
        ) from error
    certificate = issued.certificate
    try:
        client.import_certificate(serial, pin=pin, certificate_pem=issued.certificate_pem, chain_pems=issued.chain_pems)
    except DomainError as error:
        raise DomainError(
            f"O certificado do pedido {order.number} foi emitido (número de série {certificate.serial}), mas não foi "
            f"gravado na mídia: {error.message} Grave-o com a operação “Gravar certificado na mídia”, colando o "
            "certificado (PEM) do pedido em Emissão › Certificados.",
            code="a3_import_failed",
        ) from error
    return {
        "order_number": order.number,
        "key_id": key["key_id"],
        "serial": certificate.serial,
        "subject": certificate.subject,
        "not_before": certificate.not_before.isoformat(),
        "not_after": certificate.not_after.isoformat(),
        "certificate": issued.certificate_pem,
    }
