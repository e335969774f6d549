"""Every write of the revocation app (views, admin and tests call these).

- `revoke_with_password` — self-service revocation with the revocation password;
- `letter_request_create`, `letter_upload`, `letter_approve`, `letter_refuse` — the notarised-letter path;
- `urgent.urgent_revocation_request`, `urgent.revoke_urgently` — "minha chave foi comprometida": a link e-mailed and
  a code texted to the holder, no password, no lock;
- `revocation_apply` — the one place a certificate is revoked for a customer, with its guarantee reissue;
- `reissue_proof.*` — a same-holder reissue: the holder's proof of contact, the hold, "Não fui eu", the hand-off.
"""

from .letters import letter_approve, letter_cancel, letter_refuse, letter_request_create, letter_upload
from .revoke import revocation_apply, revoke_with_password

__all__ = [
    "letter_approve",
    "letter_cancel",
    "letter_refuse",
    "letter_request_create",
    "letter_upload",
    "revocation_apply",
    "revoke_with_password",
]
