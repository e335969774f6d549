"""PIX BR Code ("copia e cola"): the EMV merchant-presented payload of the Banco Central's manual.

Field layout as in ICP-BRASIL.md §Payments: 00 format, 01 point of initiation (12 = single use), 26 merchant
account (00 GUI, 01 key), 52 MCC, 53 currency, 54 amount, 58 country, 59 name, 60 city, 62 additional data
(05 txid), 63 CRC16-CCITT-FALSE over everything up to and including "6304".
"""

import re
import unicodedata
from decimal import Decimal

GUI = "br.gov.bcb.pix"
_TXID_ALLOWED = re.compile(r"[^A-Za-z0-9]")


def _tlv(tag: str, value: str) -> str:
    if len(value) > 99:
        raise ValueError(f"PIX field {tag} longer than 99 characters")
    return f"{tag}{len(value):02d}{value}"


def crc16_ccitt_false(data: bytes) -> int:
    """CRC-16/CCITT-FALSE: polynomial 0x1021, initial value 0xFFFF, no reflection, no final XOR."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc


def _plain(text: str, limit: int) -> str:
    """Uppercase ASCII without accents, as payer banks expect for merchant name and city."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return " ".join(ascii_text.upper().split())[:limit]


def pix_txid(value: str) -> str:
    txid = _TXID_ALLOWED.sub("", value)[:25]
    return txid or "***"


def brcode(*, key: str, amount: Decimal, txid: str, merchant_name: str, merchant_city: str) -> str:
    account = _tlv("00", GUI) + _tlv("01", key)
    payload = (
        _tlv("00", "01")
        + _tlv("01", "12")
        + _tlv("26", account)
        + _tlv("52", "0000")
        + _tlv("53", "986")
        + _tlv("54", f"{amount:.2f}")
        + _tlv("58", "BR")
        + _tlv("59", _plain(merchant_name, 25))
        + _tlv("60", _plain(merchant_city, 15))
        + _tlv("62", _tlv("05", pix_txid(txid)))
        + "6304"
    )
    return payload + f"{crc16_ccitt_false(payload.encode()):04X}"


def parse_tlv(payload: str) -> dict[str, str]:
    """Top-level fields of an EMV payload (nested templates stay as strings; parse them again)."""
    fields: dict[str, str] = {}
    position = 0
    while position < len(payload):
        tag, length = payload[position : position + 2], int(payload[position + 2 : position + 4])
        fields[tag] = payload[position + 4 : position + 4 + length]
        position += 4 + length
    return fields
