"""Look at a SoftHSM token from outside the agent (run as a subprocess with SOFTHSM2_CONF set).

`python -m tokens.tests.token_probe SERIAL PIN KEY_ID_HEX DATA_HEX` signs DATA with the private key of that
CKA_ID and prints JSON: the signature, the certificate stored under the same CKA_ID, the CA certificates on the
token (CKA_CERTIFICATE_CATEGORY "authority"), and whether the private key's secret part can be read.
"""

import json
import sys

import pkcs11
from pkcs11 import Attribute, Mechanism, ObjectClass

from tokens.agent import device  # noqa: F401 (registers the CKA_CERTIFICATE_CATEGORY codec)
from tokens.agent.modules import resolve_module


def main(serial: str, pin: str, key_id_hex: str, data_hex: str) -> dict:
    lib = pkcs11.lib(resolve_module("softhsm").path)
    token = lib.get_token(token_serial=serial.encode())
    key_id = bytes.fromhex(key_id_hex)
    with token.open(user_pin=pin) as session:
        (private,) = list(session.get_objects({Attribute.CLASS: ObjectClass.PRIVATE_KEY, Attribute.ID: key_id}))
        certificates = list(session.get_objects({Attribute.CLASS: ObjectClass.CERTIFICATE, Attribute.ID: key_id}))
        authorities = [
            certificate[Attribute.VALUE].hex()
            for certificate in session.get_objects({Attribute.CLASS: ObjectClass.CERTIFICATE})
            if certificate[Attribute.CERTIFICATE_CATEGORY] == 2
        ]
        signature = private.sign(bytes.fromhex(data_hex), mechanism=Mechanism.SHA256_RSA_PKCS)
        try:
            private[Attribute.PRIVATE_EXPONENT]
            readable = True
        except pkcs11.AttributeSensitive:
            readable = False
        return {
            "signature": signature.hex(),
            "certificates": [certificate[Attribute.VALUE].hex() for certificate in certificates],
            "authorities": authorities,
            "private_value_readable": readable,
        }


if __name__ == "__main__":
    print(json.dumps(main(*sys.argv[1:5])))
