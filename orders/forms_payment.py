from django import forms
from django.conf import settings
from django.utils import timezone
from stdnum import luhn

from tecnosign.uploads import human_size

from .models import Document
from .payments.gateways.base import CardData


class CardForm(forms.Form):
    number = forms.CharField(
        label="Número do cartão",
        max_length=23,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "cc-number"}),
    )
    holder_name = forms.CharField(
        label="Nome impresso no cartão", max_length=60, widget=forms.TextInput(attrs={"autocomplete": "cc-name"})
    )
    expiry = forms.CharField(
        label="Validade (MM/AA)",
        max_length=5,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "cc-exp", "placeholder": "MM/AA"}),
    )
    cvv = forms.CharField(
        label="Código de segurança (CVV)",
        max_length=4,
        widget=forms.PasswordInput(attrs={"inputmode": "numeric", "autocomplete": "cc-csc"}),
    )

    def clean_number(self):
        number = "".join(ch for ch in self.cleaned_data["number"] if ch.isdigit())
        if not 13 <= len(number) <= 19 or not luhn.is_valid(number):
            raise forms.ValidationError("Número de cartão inválido. Confira os dígitos.")
        return number

    def clean_expiry(self):
        value = self.cleaned_data["expiry"].replace(" ", "")
        try:
            month, year = (int(part) for part in value.split("/"))
        except ValueError:
            raise forms.ValidationError("Use o formato MM/AA, ex.: 08/29.") from None
        if not 1 <= month <= 12:
            raise forms.ValidationError("Mês de validade inválido.")
        year += 2000 if year < 100 else 0
        today = timezone.localdate()
        if (year, month) < (today.year, today.month):
            raise forms.ValidationError("Este cartão está vencido.")
        return (month, year)

    def clean_cvv(self):
        cvv = self.cleaned_data["cvv"].strip()
        if not cvv.isdigit() or len(cvv) not in (3, 4):
            raise forms.ValidationError("O código de segurança tem 3 ou 4 dígitos.")
        return cvv

    def card(self) -> CardData:
        month, year = self.cleaned_data["expiry"]
        return CardData(
            number=self.cleaned_data["number"],
            holder_name=self.cleaned_data["holder_name"],
            expiry_month=month,
            expiry_year=year,
            cvv=self.cleaned_data["cvv"],
        )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"})
        )
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = [item for item in (data if isinstance(data, list | tuple) else [data]) if item]
        if not files:
            return super().clean(None, initial)
        return [super(MultipleFileField, self).clean(item, initial) for item in files]


class DocumentUploadForm(forms.Form):
    kind = forms.ChoiceField(label="Qual documento", choices=Document.Kind.choices)
    identity_type = forms.ChoiceField(
        label="Tipo do documento de identidade", choices=[("", "—"), *Document.IdentityType.choices], required=False
    )
    files = MultipleFileField(
        label="Arquivos (PDF, JPEG ou PNG)",
        error_messages={"required": "Escolha pelo menos um arquivo."},
    )
    replaces = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, kinds: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(k, label) for k, label in Document.Kind.choices if k in kinds]
        self.fields["files"].help_text = (
            f"Frente e verso podem ir em arquivos separados. Até {settings.DOCUMENT_MAX_FILES_PER_UPLOAD} arquivos "
            f"por envio, de até {human_size(settings.DOCUMENT_MAX_BYTES)} cada."
        )

    def clean_files(self):
        files = self.cleaned_data["files"]
        limit = settings.DOCUMENT_MAX_FILES_PER_UPLOAD
        if len(files) > limit:
            # All or nothing: which of the files would be kept is not for the portal to guess.
            raise forms.ValidationError(
                f"Envie no máximo {limit} arquivos de cada vez (você escolheu {len(files)}). Nenhum arquivo foi "
                "salvo: escolha só os necessários e envie de novo."
            )
        return files

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") == Document.Kind.IDENTITY and not cleaned.get("identity_type"):
            self.add_error("identity_type", "Informe qual é o documento de identidade.")
        return cleaned
