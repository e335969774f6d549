"""The holder's identity as DOC-ICP-04 writes it: the subject DN and the ICP-Brasil otherName fields.

ICP-BRASIL.md, "Certificate content": otherName values are OCTET STRINGs of A–Z and 0–9 only, numbers
left-padded with zeros to their fixed size, an absent number all zeros, and the variable text after a number
(RG issuer + UF, voter's municipality + UF) omitted when that number is absent.
"""

import unicodedata
from dataclasses import asdict, dataclass
from datetime import date

from cryptography import x509
from cryptography.x509.oid import NameOID

IDENTIFICATION_MODE = "videoconferencia"

# ICP-Brasil's otherName OIDs (DOC-ICP-04).
OID_PERSON_DATA = x509.ObjectIdentifier("2.16.76.1.3.1")  # e-CPF holder: birth date, CPF, NIS, RG, issuer
OID_RESPONSIBLE_NAME = x509.ObjectIdentifier("2.16.76.1.3.2")  # e-CNPJ: the responsible person's name
OID_CNPJ = x509.ObjectIdentifier("2.16.76.1.3.3")
OID_RESPONSIBLE_DATA = x509.ObjectIdentifier("2.16.76.1.3.4")  # e-CNPJ: the responsible person, layout of .3.1
OID_VOTER = x509.ObjectIdentifier("2.16.76.1.3.5")  # e-CPF: voter id, zone, section, municipality + UF
OID_PERSON_CEI = x509.ObjectIdentifier("2.16.76.1.3.6")
OID_COMPANY_CEI = x509.ObjectIdentifier("2.16.76.1.3.7")

CN_MAX = 64  # RFC 5280 ub-common-name


@dataclass(frozen=True)
class HolderIdentity:
    """What the CA needs to write the certificate: sent to the CA at hand-off, kept by it until issuance."""

    holder_type: str  # "cpf" (e-CPF) or "cnpj" (e-CNPJ)
    person_name: str  # the holder, or the company's responsible person
    person_cpf: str
    person_birth_date: date
    email: str
    policy_oid: str
    validity_months: int
    pis_nis: str = ""
    cei: str = ""  # e-CPF: the person's CEI; e-CNPJ: the company's
    company_name: str = ""
    cnpj: str = ""
    rg: str = ""
    rg_issuer: str = ""  # issuing body + UF, e.g. "SSPSP"
    voter_id: str = ""
    voter_zone: str = ""
    voter_section: str = ""
    voter_municipality: str = ""  # municipality + UF
    identification_mode: str = IDENTIFICATION_MODE

    @property
    def is_company(self) -> bool:
        return self.holder_type == "cnpj"

    def as_json(self) -> dict:
        data = asdict(self)
        data["person_birth_date"] = self.person_birth_date.isoformat()
        return data

    @classmethod
    def from_json(cls, data: dict) -> "HolderIdentity":
        return cls(**{**data, "person_birth_date": date.fromisoformat(data["person_birth_date"])})


def _ascii_upper(value: str) -> str:
    decomposed = unicodedata.normalize("NFKD", value or "")
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).upper()


def alnum(value: str) -> str:
    """Only A–Z and 0–9, as DOC-ICP-04 allows in otherName fields."""
    return "".join(ch for ch in _ascii_upper(value) if ("A" <= ch <= "Z") or ("0" <= ch <= "9"))


def fixed_number(value: str, size: int) -> str:
    """A number left-padded with zeros to `size`; all zeros when absent."""
    cleaned = alnum(value)
    if len(cleaned) > size:
        raise ValueError(f"{value!r} does not fit in {size} positions")
    return cleaned.rjust(size, "0")


def person_data(*, birth_date: date, cpf: str, pis_nis: str, rg: str, rg_issuer: str) -> str:
    """`2.16.76.1.3.1` / `.3.4`: ddmmaaaa (8) + CPF (11) + NIS (11) + RG (15) + RG issuer and UF (≤ 10)."""
    issuer = alnum(rg_issuer)[:10] if alnum(rg) else ""
    return (
        birth_date.strftime("%d%m%Y")
        + fixed_number(cpf, 11)
        + fixed_number(pis_nis, 11)
        + fixed_number(rg, 15)
        + issuer
    )


def voter_data(*, voter_id: str, zone: str, section: str, municipality: str) -> str:
    """`2.16.76.1.3.5`: voter id (12) + zone (3) + section (4) + municipality and UF (≤ 22)."""
    place = alnum(municipality)[:22] if alnum(voter_id) else ""
    return fixed_number(voter_id, 12) + fixed_number(zone, 3) + fixed_number(section, 4) + place


def person_name_field(name: str) -> str:
    """`2.16.76.1.3.2`: the name in capitals without accents or symbols; words stay apart by one space."""
    return " ".join(alnum(word) for word in _ascii_upper(name).split() if alnum(word))


def _der_octet_string(text: str) -> bytes:
    content = text.encode("ascii")
    length = len(content)
    if length < 0x80:
        return b"\x04" + bytes([length]) + content
    size = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return b"\x04" + bytes([0x80 | len(size)]) + size + content


def other_name(oid: x509.ObjectIdentifier, text: str) -> x509.OtherName:
    # cryptography wraps `value` (the DER of the inner type) in the otherName's [0] EXPLICIT tag.
    return x509.OtherName(oid, _der_octet_string(text))


def other_name_fields(identity: HolderIdentity) -> list[tuple[x509.ObjectIdentifier, str]]:
    """The otherName fields in DOC-ICP-04's order, as (OID, text) pairs."""
    data = person_data(
        birth_date=identity.person_birth_date,
        cpf=identity.person_cpf,
        pis_nis=identity.pis_nis,
        rg=identity.rg,
        rg_issuer=identity.rg_issuer,
    )
    if identity.is_company:
        return [
            (OID_RESPONSIBLE_DATA, data),
            (OID_RESPONSIBLE_NAME, person_name_field(identity.person_name)),
            (OID_CNPJ, fixed_number(identity.cnpj, 14)),
            (OID_COMPANY_CEI, fixed_number(identity.cei, 12)),
        ]
    voter = voter_data(
        voter_id=identity.voter_id,
        zone=identity.voter_zone,
        section=identity.voter_section,
        municipality=identity.voter_municipality,
    )
    return [
        (OID_PERSON_DATA, data),
        (OID_PERSON_CEI, fixed_number(identity.cei, 12)),
        (OID_VOTER, voter),
    ]


def subject_alternative_names(identity: HolderIdentity) -> x509.SubjectAlternativeName:
    names: list[x509.GeneralName] = [other_name(oid, text) for oid, text in other_name_fields(identity)]
    names.append(x509.RFC822Name(identity.email))
    return x509.SubjectAlternativeName(names)


def common_name(identity: HolderIdentity) -> str:
    """`NAME:CPF` or `COMPANY NAME:CNPJ`; a name too long for the 64 characters of a CN is cut."""
    if identity.is_company:
        name, document = identity.company_name, fixed_number(identity.cnpj, 14)
    else:
        name, document = identity.person_name, fixed_number(identity.person_cpf, 11)
    name = " ".join(_ascii_upper(name).split())
    return f"{name[: CN_MAX - len(document) - 1].rstrip()}:{document}"


def subject_attributes(identity: HolderIdentity, *, issuing_ca: str | None, ar_cnpj: str) -> list[tuple[str, str]]:
    """The subject DN as ordered (attribute, value) pairs — what the CA writes, and what a token's CSR carries.

    C=BR, O=ICP-Brasil, OU=<issuing CA>, OU=<CNPJ of the AR>, OU=<identification mode>, CN=<name>:<doc>. The
    issuing CA's OU is left out when it is not known beforehand (an external AC names itself at issuance).
    """
    pairs = [("C", "BR"), ("O", "ICP-Brasil")]
    if issuing_ca:
        pairs.append(("OU", issuing_ca))
    pairs += [
        ("OU", fixed_number(ar_cnpj, 14)),
        ("OU", identity.identification_mode),
        ("CN", common_name(identity)),
    ]
    return pairs


_NAME_OIDS = {
    "C": NameOID.COUNTRY_NAME,
    "O": NameOID.ORGANIZATION_NAME,
    "OU": NameOID.ORGANIZATIONAL_UNIT_NAME,
    "CN": NameOID.COMMON_NAME,
}


def subject_name(identity: HolderIdentity, *, issuing_ca: str, ar_cnpj: str) -> x509.Name:
    """The certificate's subject (subject_attributes) as an X.509 name."""
    return x509.Name(
        [
            x509.NameAttribute(_NAME_OIDS[attribute], value)
            for attribute, value in subject_attributes(identity, issuing_ca=issuing_ca, ar_cnpj=ar_cnpj)
        ]
    )
