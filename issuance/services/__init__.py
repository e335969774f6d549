"""Every write of the issuance app. Other apps call these (never the models directly):

- `issuance_submit(order)` — the verification service, when an order becomes `verified`;
- `certificate_revoke(certificate=…, reason=…, actor=…)` — the revocation workflow;
- `a3_check_issuable(order)`, `a3_csr_subject(order)`, `a3_issue_from_csr(order=…, csr_pem=…, actor=…)` — A3
  issuance on a token (the tokens app's workstation job);
- `a1_check_issuable(order)`, `a1_delivery(order)`, `a1_issue_from_csr(order=…, csr_pem=…, actor=…)` — A1 issuance
  of a key made on the customer's computer (the tokens app's local-agent page).
"""

from .a1 import a1_check_issuable, a1_delivery, a1_issue_from_csr
from .a3 import a3_check_issuable, a3_csr_subject, a3_issue_from_csr
from .handoff import issuance_submit
from .revocation import certificate_revoke

__all__ = [
    "a1_check_issuable",
    "a1_delivery",
    "a1_issue_from_csr",
    "a3_check_issuable",
    "a3_csr_subject",
    "a3_issue_from_csr",
    "certificate_revoke",
    "issuance_submit",
]
