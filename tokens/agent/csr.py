"""PKCS#10 requests whose signature is made on the token.

`cryptography` encodes the subject and the requested extensions (it knows each attribute's string type and
the otherName layout); asn1crypto assembles the CertificationRequestInfo around them; the token signs its
DER bytes with SHA256withRSA; `cryptography` then checks the result before it leaves the agent.
"""

from collections.abc import Callable

from asn1crypto import core
from asn1crypto import csr as asn1_csr
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID, ObjectIdentifier

from .errors import AgentError, bad_field

NAME_ATTRIBUTES = {
    "C": NameOID.COUNTRY_NAME,
    "ST": NameOID.STATE_OR_PROVINCE_NAME,
    "L": NameOID.LOCALITY_NAME,
    "O": NameOID.ORGANIZATION_NAME,
    "OU": NameOID.ORGANIZATIONAL_UNIT_NAME,
    "CN": NameOID.COMMON_NAME,
    "SERIALNUMBER": NameOID.SERIAL_NUMBER,
    "EMAILADDRESS": NameOID.EMAIL_ADDRESS,
}

# How an otherName value is wrapped; ICP-Brasil's 2.16.76.1.3.x use OCTET STRING or PrintableString.
OTHER_NAME_ENCODINGS = {
    "octet_string": lambda value: core.OctetString(value.encode("ascii")).dump(),
    "printable_string": lambda value: core.PrintableString(value).dump(),
    "utf8_string": lambda value: core.UTF8String(value).dump(),
}


def _oid(text: str, field: str) -> ObjectIdentifier:
    try:
        return ObjectIdentifier(text)
    except ValueError as exc:
        raise bad_field(field, f"Identificador inválido: {text!r}.") from exc


def build_subject(pairs) -> x509.Name:
    """`[["C", "BR"], ["O", "ICP-Brasil"], ["OU", "…"], ["CN", "NOME:CPF"]]`, in that order (repeats allowed)."""
    if not isinstance(pairs, list) or not pairs:
        raise bad_field("subject", "Informe o titular (subject) como lista de pares [atributo, valor].")
    rdns = []
    for pair in pairs:
        if not (isinstance(pair, list) and len(pair) == 2 and all(isinstance(part, str) for part in pair)):
            raise bad_field("subject", "Cada item do titular (subject) é um par [atributo, valor] de textos.")
        name, value = pair
        oid = NAME_ATTRIBUTES.get(name.upper()) or _oid(name, "subject")
        if not value.strip() or len(value) > 256:
            raise bad_field("subject", f"Valor vazio ou longo demais para {name}.")
        try:
            rdns.append(x509.RelativeDistinguishedName([x509.NameAttribute(oid, value)]))
        except ValueError as exc:
            raise bad_field("subject", f"Valor inválido para {name}: {exc}") from exc
    return x509.Name(rdns)


def build_subject_alt_name(spec) -> x509.SubjectAlternativeName | None:
    """`{"emails": [...], "other_names": [{"oid": "2.16.76.1.3.1", "value": "…", "encoding": "octet_string"}]}`."""
    if spec in (None, {}):
        return None
    if not isinstance(spec, dict):
        raise bad_field("subject_alt_name", "subject_alt_name deve ser um objeto com emails e other_names.")
    names: list[x509.GeneralName] = []
    for email in spec.get("emails", []):
        if not isinstance(email, str) or "@" not in email:
            raise bad_field("subject_alt_name", f"E-mail inválido: {email!r}.")
        names.append(x509.RFC822Name(email))
    for other in spec.get("other_names", []):
        if not isinstance(other, dict) or not isinstance(other.get("value"), str):
            raise bad_field("subject_alt_name", "Cada other_name tem oid, value e encoding.")
        encode = OTHER_NAME_ENCODINGS.get(other.get("encoding", "octet_string"))
        if encode is None:
            raise bad_field("subject_alt_name", f"Codificação desconhecida: {other.get('encoding')!r}.")
        try:
            value = encode(other["value"])
        except (ValueError, UnicodeEncodeError) as exc:
            raise bad_field("subject_alt_name", f"Valor inválido em {other.get('oid')}: {exc}") from exc
        names.append(x509.OtherName(_oid(str(other.get("oid", "")), "subject_alt_name"), value))
    if not names:
        return None
    return x509.SubjectAlternativeName(names)


def build_csr(
    *, subject: x509.Name, san: x509.SubjectAlternativeName | None, rsa_public_key_der: bytes, sign: Callable
) -> str:
    """Assemble the request, have `sign(tbs_bytes)` produce SHA256withRSA on the token, return it as PEM."""
    public_key_info = asn1_keys.PublicKeyInfo(
        {"algorithm": {"algorithm": "rsa"}, "public_key": asn1_keys.RSAPublicKey.load(rsa_public_key_der)}
    )
    attributes = []
    if san is not None:
        extension = asn1_x509.Extension(
            {
                "extn_id": "subject_alt_name",
                "critical": False,
                "extn_value": asn1_x509.GeneralNames.load(san.public_bytes()),
            }
        )
        attributes.append({"type": "extension_request", "values": [asn1_x509.Extensions([extension])]})
    info = asn1_csr.CertificationRequestInfo(
        {
            "version": "v1",
            "subject": asn1_x509.Name.load(subject.public_bytes()),
            "subject_pk_info": public_key_info,
            "attributes": attributes,
        }
    )
    request = asn1_csr.CertificationRequest(
        {
            "certification_request_info": info,
            "signature_algorithm": {"algorithm": "sha256_rsa"},
            "signature": sign(info.dump()),
        }
    )
    loaded = x509.load_der_x509_csr(request.dump())
    if not loaded.is_signature_valid:
        raise AgentError("csr_signature_invalid", "A assinatura feita pela mídia não confere.", status=502)
    return loaded.public_bytes(serialization.Encoding.PEM).decode()
