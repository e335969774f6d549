"""The revocation forms: formats only; the rules are the services' (revocation.services.details)."""

from django import forms

from .reasons import Reason
from .services.details import Details


class LookupForm(forms.Form):
    identifier = forms.CharField(
        label="Número do pedido ou número de série do certificado",
        max_length=80,
        help_text="O número do pedido começa com “TS” e está no e-mail da compra. O número de série aparece nos "
        "detalhes do certificado.",
        error_messages={"required": "Informe o número do pedido ou o número de série do certificado."},
    )
    document = forms.CharField(
        label="CPF ou CNPJ do titular",
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        error_messages={"required": "Informe o CPF ou o CNPJ do titular do certificado."},
    )


def _password_field(label: str, *, required: bool = False, help_text: str = "", new: bool = True):
    return forms.CharField(
        label=label,
        strip=False,
        max_length=128,
        required=required,
        help_text=help_text,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password" if new else "current-password"}),
    )


class _ReasonForm(forms.Form):
    reason = forms.ChoiceField(
        label="Motivo da revogação",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Escolha o motivo da revogação.",
            "invalid_choice": "Este motivo não se aplica a este certificado: escolha um dos motivos da lista.",
        },
    )
    new_cnpj = forms.CharField(
        label="CNPJ correto da filial",
        max_length=20,
        required=False,
        help_text="Só para “outra filial”: o CNPJ para o qual o certificado deveria ter sido feito.",
    )
    pis_nis = forms.CharField(
        label="PIS/NIS", max_length=14, required=False, help_text="Só para “esqueci o CEI ou o PIS”."
    )
    cei = forms.CharField(label="CEI", max_length=15, required=False, help_text="Só para “esqueci o CEI ou o PIS”.")
    confirm = forms.BooleanField(
        label="Entendo que a revogação é definitiva: o certificado deixa de valer na hora e não pode voltar a "
        "ser usado.",
        error_messages={"required": "Confirme que entende que a revogação é definitiva."},
    )

    def __init__(self, *args, reasons: list[Reason], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].choices = [(reason.value, reason.label) for reason in reasons]
        if Reason.WRONG_BRANCH not in reasons:  # an e-CPF has no CNPJ to correct
            del self.fields["new_cnpj"]

    def clean(self):
        cleaned = super().clean()
        field = "new_revocation_password"
        if field in self.fields and cleaned.get(field) != cleaned.get(f"{field}_confirm"):
            self.add_error(f"{field}_confirm", "As senhas não conferem.")
        return cleaned

    def details(self) -> Details:
        data = self.cleaned_data
        return Details(
            reason=data["reason"],
            new_cnpj=data.get("new_cnpj", ""),
            pis_nis=data.get("pis_nis", ""),
            cei=data.get("cei", ""),
            new_revocation_password=data.get("new_revocation_password", ""),
        )


class PasswordRevocationForm(_ReasonForm):
    password = forms.CharField(
        label="Senha de revogação",
        strip=False,
        max_length=128,
        help_text="A senha de revogação criada no pedido (na videoconferência, a do ato da compra e do agendamento) "
        "— não é a senha de emissão, usada para baixar ou instalar o certificado.",
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": "Digite a senha de revogação."},
    )
    field_order = ["reason", "password"]


class LetterRequestForm(_ReasonForm):
    new_revocation_password = _password_field(
        "Nova senha de revogação (para o certificado reemitido)",
        help_text="Só para “outra filial”: como você não lembra a atual, crie outra para o certificado da filial.",
    )
    new_revocation_password_confirm = _password_field("Confirme a nova senha de revogação")

    def __init__(self, *args, reasons: list[Reason], **kwargs):
        # Its fields share names with the password form on the same page: ids of their own keep labels unique.
        kwargs.setdefault("auto_id", "id_carta_%s")
        super().__init__(*args, reasons=reasons, **kwargs)
        self.fields[
            "confirm"
        ].label = "Entendo que, aprovada a carta, a revogação é definitiva e o certificado deixa de valer."
        if Reason.WRONG_BRANCH not in reasons:
            # A same-holder reissue takes its passwords on the page of the link sent to the holder's contact.
            del self.fields["new_revocation_password"]
            del self.fields["new_revocation_password_confirm"]


class LetterUploadForm(forms.Form):
    letter = forms.FileField(
        label="Carta assinada e com firma reconhecida (PDF, JPEG ou PNG)",
        help_text="Até 10 MB. A foto ou o PDF precisa mostrar a assinatura e o selo do cartório.",
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"}),
        error_messages={"required": "Escolha o arquivo da carta assinada."},
    )


class RefuseForm(forms.Form):
    refusal_reason = forms.CharField(
        label="Motivo da recusa (enviado ao cliente)",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        error_messages={"required": "Informe o motivo da recusa: ele é enviado ao cliente."},
    )


class UrgentRequestForm(forms.Form):
    """The "Minha chave foi comprometida" form: the order number or the serial; the link and code go to the contact."""

    identifier = forms.CharField(
        label="Número do pedido ou número de série do certificado",
        max_length=80,
        error_messages={"required": "Informe o número do pedido ou o número de série do certificado."},
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_urgente_%s")
        super().__init__(*args, **kwargs)


class CodeField(forms.CharField):
    def __init__(self, **kwargs):
        super().__init__(
            label="Código recebido por SMS",
            max_length=12,
            help_text="Os 6 números do SMS enviado ao celular cadastrado no pedido.",
            widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
            error_messages={"required": "Digite o código recebido por SMS."},
            **kwargs,
        )


class UrgentConfirmForm(forms.Form):
    code = CodeField()
    confirm = forms.BooleanField(
        label="Entendo que a revogação é imediata e definitiva: o certificado deixa de valer agora e não há reemissão "
        "gratuita por este motivo.",
        error_messages={"required": "Confirme que entende que a revogação é definitiva."},
    )


class ReissueConfirmForm(forms.Form):
    """The SMS code, then the replacement's two new passwords (formats here; the rules are the services')."""

    code = CodeField()
    issuance_password = _password_field(
        "Nova senha de emissão",
        required=True,
        help_text="Para emitir o certificado reemitido. Mínimo de 8 caracteres; não a use em outro lugar.",
    )
    issuance_password_confirm = _password_field("Confirme a nova senha de emissão", required=True)
    revocation_password = _password_field(
        "Nova senha de revogação",
        required=True,
        help_text="Para revogar o certificado reemitido, se um dia precisar. Diferente da senha de emissão.",
    )
    revocation_password_confirm = _password_field("Confirme a nova senha de revogação", required=True)

    def clean(self):
        cleaned = super().clean()
        for field in ("issuance_password", "revocation_password"):
            if cleaned.get(field) and cleaned.get(field) != cleaned.get(f"{field}_confirm"):
                self.add_error(f"{field}_confirm", "As senhas não conferem.")
        return cleaned
