"""Checkout and order look-up forms: every field gets its own message in Portuguese."""

from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from .services.checkout import HolderData
from .services.passwords import password_problems
from .validators import normalize_cei, normalize_cnpj, normalize_cpf, normalize_mobile, normalize_pis


class HolderSecretsForm(forms.Form):
    """What only the holder gives: the two passwords and the LGPD consent (checkout, or a partner's order)."""

    issuance_password = forms.CharField(
        label="Senha de emissão",
        strip=False,
        help_text="Anote esta senha: você vai precisar dela para baixar ou instalar o certificado. "
        "Mínimo de 8 caracteres, não só números.",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    issuance_password_confirm = forms.CharField(
        label="Confirme a senha de emissão",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    revocation_password = forms.CharField(
        label="Senha de revogação",
        strip=False,
        help_text="Diferente da senha de emissão. Serve para revogar o certificado se ele for perdido ou roubado.",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    revocation_password_confirm = forms.CharField(
        label="Confirme a senha de revogação",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    lgpd_consent = forms.BooleanField(
        label="Autorizo o tratamento dos meus dados pessoais para a emissão do certificado digital, "
        "conforme a Lei Geral de Proteção de Dados (LGPD).",
        error_messages={"required": "É preciso aceitar o tratamento dos dados pessoais para continuar."},
    )

    def clean(self):
        cleaned = super().clean()
        for field in ("issuance_password", "revocation_password"):
            value, confirm = cleaned.get(field), cleaned.get(f"{field}_confirm")
            if value and confirm is not None and value != confirm:
                self.add_error(f"{field}_confirm", "As senhas não conferem.")
        issuance, revocation = cleaned.get("issuance_password"), cleaned.get("revocation_password")
        if issuance and revocation:
            for field, messages in password_problems(issuance, revocation).items():
                for message in messages:
                    self.add_error(field, message)
        return cleaned


class _HolderDataForm(forms.Form):
    email = forms.EmailField(
        label="E-mail", max_length=254, help_text="Enviaremos para ele o link de pagamento e as instruções."
    )
    mobile = forms.CharField(
        label="Celular com DDD",
        max_length=20,
        help_text="Ex.: (11) 98765-4321. O link da videoconferência vai para ele.",
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel-national"}),
    )

    def clean_mobile(self):
        return normalize_mobile(self.cleaned_data["mobile"])

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()

    @staticmethod
    def _check_birth_date(value: date) -> date:
        today = timezone.localdate()
        if value > today:
            raise ValidationError("A data de nascimento não pode estar no futuro.")
        if value.year < 1900:
            raise ValidationError("Confira o ano de nascimento.")
        return value


_DATE_WIDGET = forms.DateInput(attrs={"type": "date", "autocomplete": "bday"}, format="%Y-%m-%d")
_DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]


class CpfHolderForm(_HolderDataForm):
    """e-CPF: the holder is the person. The data alone, as a partner may send it (partners' API)."""

    person_name = forms.CharField(
        label="Nome completo", max_length=150, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    person_cpf = forms.CharField(label="CPF", max_length=14, widget=forms.TextInput(attrs={"inputmode": "numeric"}))
    person_birth_date = forms.DateField(label="Data de nascimento", widget=_DATE_WIDGET, input_formats=_DATE_FORMATS)
    pis_nis = forms.CharField(
        label="PIS/NIS (opcional)", max_length=14, required=False, help_text="Se quiser que conste no certificado."
    )
    cei = forms.CharField(label="CEI (opcional)", max_length=15, required=False)

    field_order = ["person_name", "person_cpf", "person_birth_date", "email", "mobile", "pis_nis", "cei"]

    def clean_person_name(self):
        return " ".join(self.cleaned_data["person_name"].split())

    def clean_person_cpf(self):
        return normalize_cpf(self.cleaned_data["person_cpf"])

    def clean_person_birth_date(self):
        return self._check_birth_date(self.cleaned_data["person_birth_date"])

    def clean_pis_nis(self):
        value = self.cleaned_data["pis_nis"]
        return normalize_pis(value) if value.strip() else ""

    def clean_cei(self):
        value = self.cleaned_data["cei"]
        return normalize_cei(value) if value.strip() else ""

    def holder(self) -> HolderData:
        data = self.cleaned_data
        return HolderData(
            person_name=data["person_name"],
            person_cpf=data["person_cpf"],
            person_birth_date=data["person_birth_date"],
            email=data["email"],
            mobile=data["mobile"],
            pis_nis=data.get("pis_nis", ""),
            cei=data.get("cei", ""),
        )


class CnpjHolderForm(CpfHolderForm):
    """e-CNPJ: the company, and its legal representative (the administrator registered at Receita Federal)."""

    cnpj = forms.CharField(
        label="CNPJ", max_length=18, help_text="Numérico ou alfanumérico (novo formato, a partir de julho de 2026)."
    )
    company_name = forms.CharField(
        label="Razão social", max_length=150, widget=forms.TextInput(attrs={"autocomplete": "organization"})
    )

    field_order = ["cnpj", "company_name", *CpfHolderForm.field_order]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person_name"].label = "Nome do representante legal"
        self.fields["person_name"].help_text = "O sócio administrador que assina pela empresa na Receita Federal."
        self.fields["person_cpf"].label = "CPF do representante legal"
        self.fields["person_birth_date"].label = "Data de nascimento do representante legal"
        self.fields["pis_nis"].label = "PIS/NIS do representante (opcional)"
        self.fields["cei"].label = "CEI da empresa (opcional)"

    def clean_cnpj(self):
        return normalize_cnpj(self.cleaned_data["cnpj"])

    def clean_company_name(self):
        return " ".join(self.cleaned_data["company_name"].split())

    def holder(self) -> HolderData:
        base = super().holder()
        return HolderData(
            **{**base.__dict__, "cnpj": self.cleaned_data["cnpj"], "company_name": self.cleaned_data["company_name"]}
        )


SECRET_FIELDS = list(HolderSecretsForm.base_fields)


class CpfCheckoutForm(CpfHolderForm, HolderSecretsForm):
    """The e-CPF checkout: the holder's data, passwords and consent."""

    field_order = [*CpfHolderForm.field_order, *SECRET_FIELDS]


class CnpjCheckoutForm(CnpjHolderForm, HolderSecretsForm):
    """The e-CNPJ checkout: the company, its representative, passwords and consent."""

    field_order = [*CnpjHolderForm.field_order, *SECRET_FIELDS]


class HolderConfirmationForm(HolderSecretsForm):
    """The holder's step of a partner's order: the data shown is right, consent, and the two passwords."""

    data_confirmed = forms.BooleanField(
        label="Conferi os dados acima e estão corretos.",
        error_messages={"required": "Confira os dados e marque esta opção. Se algo estiver errado, veja abaixo."},
    )

    field_order = ["data_confirmed", *SECRET_FIELDS]


class OrderLookupForm(forms.Form):
    number = forms.CharField(
        label="Número do pedido", max_length=20, help_text="Está no e-mail de confirmação do pedido (começa com TS)."
    )
    document = forms.CharField(label="CPF ou CNPJ do titular", max_length=20)


class AccessLinkForm(forms.Form):
    """The order number only: a one-time link goes to the e-mail on file, whoever asks."""

    number = forms.CharField(
        label="Número do pedido",
        max_length=20,
        help_text="Enviamos um link que abre o pedido uma vez para o e-mail cadastrado nele.",
        error_messages={"required": "Informe o número do pedido."},
    )

    def __init__(self, *args, **kwargs):
        # It shares the page (and the field name) with the look-up form: ids of its own keep labels unique.
        kwargs.setdefault("auto_id", "id_link_%s")
        super().__init__(*args, **kwargs)


class TermAcceptForm(forms.Form):
    """The holder's acceptance of the term; `sha256` is the digest of the PDF the page offered."""

    sha256 = forms.CharField(widget=forms.HiddenInput, max_length=64)
    accept = forms.BooleanField(
        label="Li o termo de titularidade e responsabilidade e o aceito.",
        error_messages={"required": "Para seguir, leia o termo e marque que o aceita."},
    )
