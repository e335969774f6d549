"""The seed's revocation reasons ("Garantias e Revogações"), in one table: RFC 5280 code, guarantee, reissue.

The RFC 5280 codes, and why:

- Lost or forgotten password, file corrupted at download, forgot the CEI/PIS → **superseded**. The key was never
  exposed (a forgotten password or a broken file makes it unusable, not known to anyone else) and the
  certificate is being replaced by another one for the same holder — the guarantee reissue, or a new purchase.
  cessationOfOperation would tell relying parties the holder stopped needing a certificate, which is not so.
- Another CNPJ branch → **affiliationChanged**: the information in the certificate (the CNPJ) is wrong and is
  being changed, with no suspicion about the key — RFC 5280's definition word for word.
- Lost media → **keyCompromise**: the token or card, key inside, is out of the holder's control; only its PIN
  stands between it and whoever finds it, so its signatures can no longer be trusted.
- No longer wants the access (e.g. the accountant must stop using it) → **cessationOfOperation**: the certificate
  is no longer needed for what it was issued for. The accountant held it with the holder's consent, so this is
  not a compromise; and nothing in the certificate changed, so it is not affiliationChanged.
- Computer stolen → **keyCompromise**: the A1 file (or the machine the token was used on) is in a thief's hands.
- "Minha chave foi comprometida" (the urgent revocation, without the revocation password, by the link and code sent
  to the holder's contact) → **keyCompromise**, by definition. Not among the reasons of the password and letter
  forms (`listed=False`): it is its own path, for when waiting on a password or a letter is the danger.

Guarantee windows are Brasília calendar days counted from the day of issuance: a certificate issued on 02/11
with 14 days of guarantee may be revoked and reissued free until 16/11 at 23:59:59 (Brasília). A reissue does not
restart the count: the window runs from the issuance of the first certificate of the sale, so one purchase cannot
turn into an endless chain of free certificates.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import models
from django.utils import timezone

from issuance.models import Certificate


class Reason(models.TextChoices):
    PASSWORD_LOST = "password_lost", "Perdi ou esqueci a senha do certificado"
    FILE_CORRUPTED = "file_corrupted", "O arquivo do certificado corrompeu quando eu baixei"
    PIS_CEI_MISSING = "pis_cei_missing", "Esqueci de informar o CEI ou o PIS"
    WRONG_BRANCH = "wrong_branch", "O certificado foi feito com o CNPJ de outra filial"
    MEDIA_LOST = "media_lost", "Perdi a mídia (token ou cartão)"
    ACCESS_WITHDRAWN = "access_withdrawn", "Não quero mais que o certificado seja usado (ex.: pelo contador)"
    COMPUTER_STOLEN = "computer_stolen", "O computador foi roubado"
    KEY_COMPROMISED = "key_compromised", "Minha chave foi comprometida (revogação urgente)"


class Reissue(models.TextChoices):
    NONE = "", "Sem reemissão"
    SAME_HOLDER = "same_holder", "Reemissão com a mesma validação"
    NEW_CNPJ = "new_cnpj", "Reemissão para o CNPJ correto, com nova validação"


@dataclass(frozen=True)
class ReasonRule:
    crl_reason: Certificate.Reason
    guarantee_days: int | None  # None: no guarantee
    reissue: Reissue
    kinds: frozenset[str]  # issuance.services.handoff.delivery_kind families: "a1", "a3"
    company_only: bool = False
    asks_pis_cei: bool = False
    listed: bool = True  # offered in the password and letter forms


_BOTH = frozenset({"a1", "a3"})

RULES: dict[Reason, ReasonRule] = {
    Reason.PASSWORD_LOST: ReasonRule(Certificate.Reason.SUPERSEDED, 14, Reissue.SAME_HOLDER, _BOTH),
    Reason.FILE_CORRUPTED: ReasonRule(Certificate.Reason.SUPERSEDED, 14, Reissue.SAME_HOLDER, frozenset({"a1"})),
    Reason.PIS_CEI_MISSING: ReasonRule(
        Certificate.Reason.SUPERSEDED, 14, Reissue.SAME_HOLDER, _BOTH, asks_pis_cei=True
    ),
    Reason.WRONG_BRANCH: ReasonRule(
        Certificate.Reason.AFFILIATION_CHANGED, 7, Reissue.NEW_CNPJ, _BOTH, company_only=True
    ),
    Reason.MEDIA_LOST: ReasonRule(Certificate.Reason.KEY_COMPROMISE, None, Reissue.NONE, frozenset({"a3"})),
    Reason.ACCESS_WITHDRAWN: ReasonRule(Certificate.Reason.CESSATION_OF_OPERATION, None, Reissue.NONE, _BOTH),
    Reason.COMPUTER_STOLEN: ReasonRule(Certificate.Reason.KEY_COMPROMISE, None, Reissue.NONE, _BOTH),
    Reason.KEY_COMPROMISED: ReasonRule(Certificate.Reason.KEY_COMPROMISE, None, Reissue.NONE, _BOTH, listed=False),
}


def reasons_for(*, software: bool, company: bool) -> list[Reason]:
    """The reasons the forms offer for this product, in the seed's order."""
    kind = "a1" if software else "a3"
    return [
        reason
        for reason, rule in RULES.items()
        if rule.listed and kind in rule.kinds and (company or not rule.company_only)
    ]


@dataclass(frozen=True)
class Guarantee:
    """Where a reason stands at `at`: the window (in Brasília days) and whether a free reissue applies."""

    reason: Reason
    days: int | None
    issued_on: date
    last_day: date | None  # the last Brasília day of the window
    ends_at: datetime | None  # the first instant outside it
    within: bool

    @property
    def reissue(self) -> Reissue:
        return RULES[self.reason].reissue if self.within else Reissue.NONE


def guarantee_for(reason: Reason, *, issued_at: datetime, at: datetime | None = None) -> Guarantee:
    rule = RULES[Reason(reason)]
    at = at or timezone.now()
    issued_on = timezone.localdate(issued_at)
    if rule.guarantee_days is None:
        return Guarantee(reason, None, issued_on, None, None, within=False)
    last_day = issued_on + timedelta(days=rule.guarantee_days)
    ends_at = timezone.make_aware(datetime.combine(last_day + timedelta(days=1), time.min))
    return Guarantee(reason, rule.guarantee_days, issued_on, last_day, ends_at, within=at < ends_at)
