"""Certificates as the portal sends them to the agent: the holder's, and the chain of CA certificates above it."""

import base64

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa

from .errors import AgentError, bad_field


def parse_certificate(text) -> x509.Certificate:
    if not isinstance(text, str) or not text.strip():
        raise bad_field("certificate", "Envie o certificado (PEM).")
    try:
        if "-----BEGIN CERTIFICATE-----" in text:
            return x509.load_pem_x509_certificate(text.encode())
        return x509.load_der_x509_certificate(base64.b64decode(text, validate=True))
    except ValueError as exc:
        raise bad_field("certificate", "O certificado enviado não é um X.509 válido (PEM ou DER em base64).") from exc


# Certificate chains are short (ICP-Brasil: root, intermediate, issuing AC); more is a malformed request.
MAX_CHAIN = 5


def parse_chain(chain) -> list[x509.Certificate]:
    if chain in (None, ""):
        return []
    if not isinstance(chain, list) or len(chain) > MAX_CHAIN:
        raise bad_field("chain", f"A cadeia deve ser uma lista de até {MAX_CHAIN} certificados (PEM).")
    parsed = []
    for text in chain:
        try:
            authority = parse_certificate(text)
        except AgentError as exc:
            raise bad_field("chain", "Um certificado da cadeia não é um X.509 válido (PEM ou DER em base64).") from exc
        try:
            is_ca = authority.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
        except x509.ExtensionNotFound:
            is_ca = False
        if not is_ca or not isinstance(authority.public_key(), rsa.RSAPublicKey):
            raise bad_field("chain", "A cadeia só pode ter certificados de Autoridades Certificadoras (RSA).")
        parsed.append(authority)
    return parsed
