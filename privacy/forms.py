from django import forms
from django.core.exceptions import ValidationError

from orders.validators import normalize_mobile

from .models import PrivacyRequest

K = PrivacyRequest.Kind


class _RequestForm(forms.Form):
    kind = forms.ChoiceField(choices=K.choices, widget=forms.HiddenInput)


class ExportRequestForm(_RequestForm):
    pass


class CorrectionRequestForm(_RequestForm):
    new_email = forms.EmailField(
        label="Novo e-mail",
        required=False,
        max_length=254,
        help_text="Enviamos um link de confirmação também para o novo endereço.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    new_mobile = forms.CharField(
        label="Novo celular",
        required=False,
        max_length=30,
        help_text="DDD + número, ex.: (11) 98765-4321.",
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )

    def clean_new_mobile(self) -> str:
        value = self.cleaned_data["new_mobile"]
        return normalize_mobile(value) if value else ""

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not cleaned.get("new_email") and not cleaned.get("new_mobile"):
            raise ValidationError("Informe o novo e-mail, o novo celular ou os dois.")
        return cleaned


class DeletionRequestForm(_RequestForm):
    confirm = forms.BooleanField(
        label="Entendo que os dados que nenhuma norma obriga a guardar serão eliminados e não poderão ser recuperados.",
        error_messages={"required": "Marque a confirmação para pedir a eliminação."},
    )


FORMS = {K.EXPORT: ExportRequestForm, K.CORRECTION: CorrectionRequestForm, K.DELETION: DeletionRequestForm}
