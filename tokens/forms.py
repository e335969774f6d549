"""Back-office forms: pairing a workstation, requesting a token job. PIN fields are never re-displayed."""

from django import forms

from tecnosign.errors import DomainError

from .client import validate_agent_url
from .models import TokenJob, Workstation
from .services import JobRequestInvalid, PairingFailed, agent_probe, token_job_check

Op = TokenJob.Operation


class WorkstationForm(forms.ModelForm):
    pairing_code = forms.CharField(
        label="código de pareamento",
        max_length=64,
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text="O código que o agente mostrou ao iniciar (python -m tokens.agent … --show-pairing-code). "
        "Ele não será exibido de novo.",
    )

    class Meta:
        model = Workstation
        fields = ["name", "agent_url", "active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["pairing_code"].help_text = "Preencha só para refazer o pareamento; em branco, mantém o atual."
        else:
            self.fields["pairing_code"].required = True

    def clean_agent_url(self):
        try:
            return validate_agent_url(self.cleaned_data["agent_url"])
        except DomainError as error:
            raise forms.ValidationError(error.message) from error

    def clean(self):
        cleaned = super().clean()
        code, url = cleaned.get("pairing_code"), cleaned.get("agent_url")
        self.probe = None
        if code and url and not self.errors:
            try:
                self.probe = agent_probe(agent_url=url, pairing_code=code)
            except PairingFailed as error:
                self.add_error(error.field if error.field in self.fields else None, error.message)
        return cleaned


def _secret_field(label: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=64,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
    )


class TokenJobForm(forms.ModelForm):
    pin = _secret_field("PIN atual")
    new_pin = _secret_field("novo PIN")
    new_pin_again = _secret_field("novo PIN (repita)")
    puk = _secret_field("PUK atual")
    new_puk = _secret_field("novo PUK")
    new_puk_again = _secret_field("novo PUK (repita)")
    label = forms.CharField(label="novo rótulo da mídia", required=False, max_length=32)
    confirm_token_label = forms.CharField(label="confirmação: rótulo atual da mídia", required=False, max_length=32)
    confirm_labels = forms.CharField(
        label="confirmação: rótulos do que será apagado",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Um por linha, como listados por “Listar certificados e chaves”. Tudo o que a mídia contém será "
        "apagado.",
    )
    order_number = forms.CharField(
        label="número do pedido",
        required=False,
        max_length=12,
        help_text="Pedido A3 liberado pela AC (e com a mídia entregue, se for enviada ao cliente). O certificado é "
        "emitido na mídia indicada acima, com o PIN informado.",
    )
    key_label = forms.CharField(
        label="rótulo da nova chave",
        required=False,
        max_length=64,
        help_text="Na emissão A3, em branco: “TecnoSign <número do pedido>”.",
    )
    subject = forms.CharField(
        label="titular do CSR",
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Um atributo por linha, na ordem: C=BR, O=ICP-Brasil, OU=…, CN=NOME:CPF.",
    )
    certificate = forms.CharField(label="certificado (PEM)", required=False, widget=forms.Textarea(attrs={"rows": 8}))

    SECRETS = ("pin", "new_pin", "puk", "new_puk")

    class Meta:
        model = TokenJob
        fields = ["workstation", "operation", "token_serial"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["workstation"].queryset = Workstation.objects.filter(active=True)

    def clean(self):
        cleaned = super().clean()
        for secret, again in (("new_pin", "new_pin_again"), ("new_puk", "new_puk_again")):
            if cleaned.get(secret) and cleaned.get(secret) != cleaned.get(again):
                self.add_error(again, "A confirmação não confere.")
        if cleaned.get("subject"):
            try:
                cleaned["subject_pairs"] = [
                    [part.strip() for part in line.split("=", 1)]
                    for line in cleaned["subject"].splitlines()
                    if line.strip()
                ]
                if any(len(pair) != 2 or not all(pair) for pair in cleaned["subject_pairs"]):
                    raise ValueError
            except ValueError:
                self.add_error("subject", "Use uma linha por atributo, no formato ATRIBUTO=valor.")
        if not self.errors:
            try:
                token_job_check(
                    workstation=cleaned["workstation"],
                    operation=cleaned["operation"],
                    token_serial=cleaned.get("token_serial") or "",
                    params=self.job_params(),
                    secrets=self.job_secrets(),
                )
            except JobRequestInvalid as error:
                field = {"subject": "subject", "confirm_labels": "confirm_labels"}.get(error.field, error.field)
                self.add_error(field if field in self.fields else None, error.message)
        return cleaned

    def job_params(self) -> dict:
        data = self.cleaned_data
        params = {
            "label": data.get("label"),
            "confirm_token_label": data.get("confirm_token_label"),
            "confirm_labels": [
                line.strip() for line in (data.get("confirm_labels") or "").splitlines() if line.strip()
            ],
            "key_label": data.get("key_label"),
            "subject": data.get("subject_pairs"),
            "certificate": data.get("certificate"),
            "order_number": data.get("order_number"),
        }
        wanted = {
            Op.ERASE: ("label", "confirm_token_label", "confirm_labels"),
            Op.GENERATE_KEY_AND_CSR: ("key_label", "subject"),
            Op.IMPORT_CERTIFICATE: ("certificate",),
            Op.A3_ISSUE: ("order_number", "key_label"),
        }.get(data["operation"], ())
        return {name: params[name] for name in wanted}

    def job_secrets(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.SECRETS if self.cleaned_data.get(name)}
