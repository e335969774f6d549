"""Every write of the issuance app. Other apps call these (never the models directly):

- `issuance_submit(order)` — the verification service, when an order becomes `verified`;
- `certificate_revoke(certificate=…, reason=…, actor=…)` — the revocation workflow.
"""

from .handoff import issuance_submit
from .revocation import certificate_revoke

__all__ = ["certificate_revoke", "issuance_submit"]
