"""Following the one-time links of e-mails in tests, as a customer does: open the link, press its one button."""

import re
from urllib.parse import urlsplit

ACCESS_LINK = re.compile(r"https?://[^/\s]+(/pedido/acesso/[^/\s]+/)")
BOOKING_LINK = re.compile(r"https?://[^/\s]+(/pedido/[^/\s]+/agendar/acesso/[^/\s]+/)")
# What a holder fills in on the confirmation link of a partner's order: the data is right, consent, both passwords.
HOLDER_FORM = {
    "data_confirmed": "on",
    "issuance_password": "Minha-Emissao#77",
    "issuance_password_confirm": "Minha-Emissao#77",
    "revocation_password": "Minha-Revoga#88",
    "revocation_password_confirm": "Minha-Revoga#88",
    "lgpd_consent": "on",
}


def link_in(body: str, pattern: re.Pattern = ACCESS_LINK) -> str:
    """The path of the first link of that kind in an e-mail's body."""
    found = pattern.search(body)
    assert found, f"no link in: {body[:500]}"
    return found.group(1)


def open_access_link(client, url: str):
    """GET shows the "Abrir o pedido" button (a mail scanner's fetch spends nothing); the POST opens the order."""
    path = urlsplit(url).path
    page = client.get(path)
    assert page.status_code == 200, (page.status_code, page.content[:300])
    assert '<form method="post"' in page.text
    return client.post(path, follow=True)
