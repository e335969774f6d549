"""What the customer must give with a reason, checked before anything is revoked."""

from dataclasses import dataclass

from django.contrib.auth.hashers import check_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from issuance.services.handoff import delivery_kind
from orders.models import Order
from orders.services.passwords import hash_secret
from orders.validators import normalize_cei, normalize_cnpj, normalize_pis
from tecnosign.errors import DomainError

from ..reasons import RULES, Guarantee, Reason, Reissue, reasons_for


class DetailsInvalid(DomainError):
    code = "revocation_details_invalid"


@dataclass(frozen=True)
class Details:
    """Raw input from a form (the view cleans only the formats)."""

    reason: str
    new_cnpj: str = ""
    pis_nis: str = ""
    cei: str = ""
    new_revocation_password: str = ""  # the letter path's, for another branch's reissue only


def reason_check(order: Order, reason: str) -> Reason:
    try:
        reason = Reason(reason)
    except ValueError:
        raise DetailsInvalid("Escolha o motivo da revogação.", field="reason") from None
    allowed = reasons_for(software=delivery_kind(order.product) == "a1", company=order.is_company)
    if reason not in allowed:
        raise DetailsInvalid(f"O motivo “{reason.label}” não se aplica a este certificado.", field="reason")
    return reason


def _validated(value: str, validator, field: str) -> str:
    try:
        return validator(value)
    except ValidationError as exc:
        raise DetailsInvalid(exc.messages[0], field=field) from None


def _password(raw: str, field: str) -> None:
    try:
        validate_password(raw)
    except ValidationError as exc:
        raise DetailsInvalid(exc.messages[0], field=field) from None


def details_for_reissue(
    order: Order, details: Details, guarantee: Guarantee, *, revocation_password: str = ""
) -> dict[str, str]:
    """The RevocationRequest fields for the reissue, validated; empty when the guarantee does not apply.

    A same-holder reissue takes no password here: the holder chooses both on the page of the link sent to the
    contact on file (`reissue_proof`), since whoever revoked may only know the revocation password. Another branch's
    reissue goes through a new validation: it keeps the issuance password, and the revocation password just proved
    (`revocation_password`, password path) or, on the letter path where it is unknown, a new one.
    """
    reason = Reason(details.reason)
    if guarantee.reissue == Reissue.NONE:
        return {}
    rule = RULES[reason]
    fields: dict[str, str] = {}
    if rule.reissue == Reissue.NEW_CNPJ:
        if not details.new_cnpj:
            raise DetailsInvalid("Informe o CNPJ correto da filial para a reemissão.", field="new_cnpj")
        cnpj = _validated(details.new_cnpj, normalize_cnpj, "new_cnpj")
        if cnpj == order.cnpj:
            raise DetailsInvalid("O CNPJ informado é o mesmo do certificado revogado.", field="new_cnpj")
        if cnpj[:8] != order.cnpj[:8]:
            # The guarantee covers a mistake between branches of one company (same 8-character root); another
            # company is another holder, with its own purchase and representative.
            raise DetailsInvalid(
                "O CNPJ informado é de outra empresa (a raiz, os 8 primeiros caracteres, é diferente). A garantia "
                "cobre apenas outra filial da mesma empresa; para outra empresa, faça um novo pedido.",
                field="new_cnpj",
            )
        fields["new_cnpj"] = cnpj
    if rule.asks_pis_cei:
        pis = _validated(details.pis_nis, normalize_pis, "pis_nis") if details.pis_nis else ""
        cei = _validated(details.cei, normalize_cei, "cei") if details.cei else ""
        if not (pis or cei):
            raise DetailsInvalid("Informe o PIS/NIS ou o CEI que faltou no certificado.", field="pis_nis")
        if (pis or order.pis_nis) == order.pis_nis and (cei or order.cei) == order.cei:
            raise DetailsInvalid("Esses números já constam no certificado revogado.", field="pis_nis")
        fields.update(pis_nis=pis, cei=cei)
    if rule.reissue != Reissue.NEW_CNPJ or revocation_password:
        return fields
    new_revocation = details.new_revocation_password
    if not new_revocation:
        raise DetailsInvalid(
            "Crie uma nova senha de revogação para o certificado reemitido.", field="new_revocation_password"
        )
    _password(new_revocation, "new_revocation_password")
    if check_password(new_revocation, order.issuance_password_hash):
        raise DetailsInvalid(
            "A senha de revogação deve ser diferente da senha de emissão.", field="new_revocation_password"
        )
    fields["new_revocation_password_hash"] = hash_secret(new_revocation)
    return fields
