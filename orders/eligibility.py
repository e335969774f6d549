"""Who may be identified by videoconference (ICP-BRASIL.md; the rule is a setting)."""

from dataclasses import dataclass

from django.conf import settings

from .models import HolderBiometrics


@dataclass(frozen=True)
class Eligibility:
    eligible: bool
    basis: str = ""
    reason: str = ""


def videoconference_eligibility(*, validity_months: int, cpf: str) -> Eligibility:
    """`cpf` is the person who appears on camera: the holder, or the legal representative of an e-CNPJ."""
    biometrics = HolderBiometrics.objects.filter(cpf=cpf).first() if cpf else None
    if biometrics is not None:
        return Eligibility(True, basis=f"biometria: {biometrics.get_source_display()}")
    return eligibility_without_biometrics(validity_months=validity_months)


def eligibility_without_biometrics(*, validity_months: int) -> Eligibility:
    """The rule with no biometrics on file — also when the PSBio answers, during the videoconference, that the CPF
    is not in its base ("não consta"): whatever was on file does not count then, and the setting decides alone."""
    rule = settings.VIDEOCONFERENCE_ELIGIBILITY_RULE
    if rule == "seed" and validity_months <= 12:
        return Eligibility(True, basis="certificado com validade de 12 meses")
    if rule == "seed":
        reason = (
            "A validação por videoconferência vale para certificados de até 12 meses ou para quem já tem "
            "biometria cadastrada na ICP-Brasil. Escolha um certificado de 12 meses ou procure o "
            "atendimento presencial."
        )
    else:
        reason = (
            "A validação por videoconferência exige biometria já cadastrada na ICP-Brasil (PSBio) ou CNH "
            "emitida a partir de 2016. Procure o atendimento presencial para a primeira coleta."
        )
    return Eligibility(False, reason=reason)
