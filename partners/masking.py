"""Clients' personal data as the partner's spreadsheet shows it by default: enough to recognise, not to reuse.

The full values leave only on the partner's explicit, audited choice (`views.orders_csv_full`).
"""


def mask_cpf(cpf: str) -> str:
    """12345678909 → ***.456.789-** (the middle six digits, as government portals publish a CPF)."""
    if len(cpf) != 11:
        return "***" if cpf else ""
    return f"***.{cpf[3:6]}.{cpf[6:9]}-**"


def mask_email(email: str) -> str:
    """ana.souza@dominio.com.br → a***@dominio.com.br."""
    local, at, domain = email.rpartition("@")
    if not (at and local):
        return "***" if email else ""
    return f"{local[0]}***@{domain}"


def mask_mobile(e164: str) -> str:
    """+5511987654321 (how mobiles are stored) → (11) *****-4321."""
    digits = e164.removeprefix("+55")
    if len(digits) < 8 or not digits.isdigit():
        return "***" if e164 else ""
    area, number = digits[:2], digits[2:]
    return f"({area}) {'*' * (len(number) - 4)}-{number[-4:]}"
