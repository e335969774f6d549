from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password

from orders.models import Partner
from orders.validators import normalize_cpf_or_cnpj, normalize_mobile


class PartnerRegistrationForm(forms.Form):
    document = forms.CharField(label="CPF ou CNPJ", max_length=20)
    name = forms.CharField(label="Nome ou razão social", max_length=150)
    contact_name = forms.CharField(label="Nome do responsável", max_length=150)
    email = forms.EmailField(label="E-mail", help_text="Será o seu login no portal do parceiro.")
    phone = forms.CharField(label="Celular com DDD", max_length=20, widget=forms.TextInput(attrs={"inputmode": "tel"}))
    pix_key = forms.CharField(label="Chave PIX para receber comissões", max_length=77, required=False)
    password = forms.CharField(
        label="Senha de acesso",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="Mínimo de 8 caracteres, não só números.",
    )
    accept_terms = forms.BooleanField(
        label="Li e aceito os termos do programa de parceiros e o tratamento dos dados (LGPD).",
        error_messages={"required": "É preciso aceitar os termos para se credenciar."},
    )

    def clean_document(self):
        document = normalize_cpf_or_cnpj(self.cleaned_data["document"])
        if Partner.objects.filter(document=document).exists():
            raise forms.ValidationError("Já existe um parceiro com este CPF/CNPJ. Entre com o seu e-mail e senha.")
        return document

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        if get_user_model().objects.filter(username__iexact=email).exists():
            raise forms.ValidationError("Este e-mail já tem cadastro. Entre com ele ou recupere a senha.")
        return email

    def clean_phone(self):
        return normalize_mobile(self.cleaned_data["phone"])

    def clean_password(self):
        password = self.cleaned_data["password"]
        validate_password(password)
        return password
