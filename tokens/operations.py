"""What each TokenJob operation does with the agent: a registry of small sequences of client calls.

An operation names the plain parameters it needs (kept on the job) and the secrets it needs (PINs and PUKs,
never kept). A new sequence — e.g. A3 issuance: key, CSR to the CA, certificate back — is one more entry.
"""

from collections.abc import Callable
from dataclasses import dataclass

from .client import AgentClient
from .models import TokenJob

Op = TokenJob.Operation


@dataclass(frozen=True)
class JobOperation:
    run: Callable[[AgentClient, str, dict, dict], dict]
    params: tuple[str, ...] = ()
    secrets: tuple[str, ...] = ()
    optional_secrets: tuple[str, ...] = ()
    needs_token: bool = True


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
