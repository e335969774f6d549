from datetime import date, datetime, time
from decimal import Decimal

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.utils import timezone

from orders.models import Order, Partner, Product
from orders.services.referral_links import LinkTerms
from orders.validators import normalize_cpf_or_cnpj, normalize_mobile

from .pix_keys import normalize_pix_key
from .selectors import OrderFilters


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

    def clean_pix_key(self):
        return normalize_pix_key(self.cleaned_data["pix_key"])

    def clean_password(self):
        password = self.cleaned_data["password"]
        validate_password(password)
        return password


class MonthField(forms.Field):
    """A month typed as 2026-10 or 10/2026, cleaned to its first day."""

    widget = forms.TextInput(attrs={"placeholder": "AAAA-MM", "maxlength": 7})

    def to_python(self, value):
        value = (value or "").strip() if isinstance(value, str) else value
        if not value:
            return None
        return value if isinstance(value, date) else parse_month(value)


def parse_month(value: str) -> date:
    """ "2026-10" or "10/2026" → date(2026, 10, 1); anything else is a ValidationError in Portuguese."""
    value = (value or "").strip()
    try:
        if "/" in value:
            month, year = value.split("/")
        else:
            year, month = value.split("-")
        parsed = date(int(year), int(month), 1)
    except ValueError:
        raise forms.ValidationError("Informe o mês como AAAA-MM, por exemplo 2026-10.", code="invalid_month") from None
    if not 2000 <= parsed.year <= 2100:
        raise forms.ValidationError("Informe um mês entre 2000 e 2100.", code="invalid_month")
    return parsed


def _decimal(value: Decimal) -> str:
    return f"{value:.2f}".replace(".", ",")


class LinkForm(forms.Form):
    """A referral link as the partner fills it in; the limits and the rules are the service's."""

    BENEFIT_CHOICES = [
        ("commission", "Comissão para mim (% do valor pago)"),
        ("discount_percent", "Desconto para o cliente (%)"),
        ("discount_amount", "Desconto para o cliente (R$)"),
    ]

    name = forms.CharField(label="Nome do link", max_length=100, help_text="Só você vê. Ex.: Clientes do escritório.")
    product = forms.ModelChoiceField(
        label="Produto",
        queryset=Product.objects.filter(active=True),
        required=False,
        empty_label="Todo o catálogo",
        help_text="Deixe “Todo o catálogo” para o cliente escolher o certificado.",
    )
    benefit_kind = forms.ChoiceField(label="Benefício", choices=BENEFIT_CHOICES, widget=forms.RadioSelect)
    benefit_value = forms.DecimalField(
        label="Valor do benefício",
        max_digits=10,
        decimal_places=2,
        min_value=Decimal("0.01"),
        localize=True,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    expires_on = forms.DateField(
        label="Válido até (opcional)",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        help_text="O link funciona até o fim deste dia (horário de Brasília).",
    )
    max_uses = forms.IntegerField(
        label="Limite de pedidos (opcional)", required=False, min_value=1, max_value=1_000_000
    )

    def __init__(self, *args, limits=None, **kwargs):
        super().__init__(*args, **kwargs)
        if limits is not None:
            self.fields["benefit_value"].help_text = (
                f"Limites: comissão até {_decimal(limits.max_commission_percent)}%, desconto até "
                f"{_decimal(limits.max_discount_percent)}% ou R$ {_decimal(limits.max_discount_amount)}."
            )

    @classmethod
    def initial_for(cls, link) -> dict:
        if link.benefit == "commission":
            kind, value = "commission", link.commission_percent
        elif link.discount_percent is not None:
            kind, value = "discount_percent", link.discount_percent
        else:
            kind, value = "discount_amount", link.discount_amount
        return {
            "name": link.name,
            "product": link.product_id,
            "benefit_kind": kind,
            "benefit_value": value,
            "expires_on": timezone.localtime(link.expires_at).date() if link.expires_at else None,
            "max_uses": link.max_uses,
        }

    def terms(self, *, current_expiry=None):
        data = self.cleaned_data
        kind, value = data["benefit_kind"], data["benefit_value"]
        expires_at = None
        if data.get("expires_on"):
            expires_at = timezone.make_aware(datetime.combine(data["expires_on"], time(23, 59, 59)))
            if current_expiry and timezone.localtime(current_expiry).date() == data["expires_on"]:
                expires_at = current_expiry
        return LinkTerms(
            name=data["name"],
            product=data.get("product"),
            benefit="commission" if kind == "commission" else "discount",
            commission_percent=value if kind == "commission" else None,
            discount_percent=value if kind == "discount_percent" else None,
            discount_amount=value if kind == "discount_amount" else None,
            expires_at=expires_at,
            max_uses=data.get("max_uses"),
        )


class OrderFilterForm(forms.Form):
    """Filters of the partner's order list; invalid values are dropped, never an error page."""

    q = forms.CharField(label="Buscar", required=False, max_length=100, help_text="Nome, CPF/CNPJ ou número do pedido.")
    status = forms.ChoiceField(label="Situação", required=False, choices=[("", "Todas"), *Order.Status.choices])
    created_from = forms.DateField(
        label="De",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
    )
    created_to = forms.DateField(
        label="Até",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
    )
    link = forms.TypedChoiceField(label="Link", required=False, coerce=int, empty_value=None)

    def __init__(self, *args, links=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["link"].choices = [("", "Todos"), *((link.pk, link.name) for link in links)]

    def filters(self):
        data = (
            self.cleaned_data
            if self.is_valid()
            else {name: value for name, value in getattr(self, "cleaned_data", {}).items() if name not in self.errors}
        )
        return OrderFilters(
            status=data.get("status") or "",
            created_from=data.get("created_from"),
            created_to=data.get("created_to"),
            link_id=data.get("link"),
            query=data.get("q") or "",
        )


class FullExportForm(forms.Form):
    """The partner's explicit choice to take the clients' CPF, e-mail and mobile in full, and what it binds them to."""

    confirm = forms.BooleanField(
        label=(
            "Preciso dos dados completos para atender estes clientes e, pela LGPD, passo a responder pelo uso e "
            "pela guarda deles."
        ),
        error_messages={
            "required": "Para baixar CPF, e-mail e celular completos, marque a declaração de responsabilidade (LGPD)."
        },
    )


class PartnerProfileForm(forms.Form):
    contact_name = forms.CharField(label="Nome do responsável", max_length=150)
    phone = forms.CharField(label="Celular com DDD", max_length=20, widget=forms.TextInput(attrs={"inputmode": "tel"}))
    pix_key = forms.CharField(
        label="Chave PIX para receber comissões",
        max_length=77,
        required=False,
        help_text="CPF, CNPJ, e-mail, celular ou chave aleatória. Vale para os próximos pagamentos.",
    )

    def clean_phone(self):
        return normalize_mobile(self.cleaned_data["phone"])

    def clean_pix_key(self):
        return normalize_pix_key(self.cleaned_data["pix_key"])


class ApiTokenForm(forms.Form):
    name = forms.CharField(label="Nome da chave", max_length=80, help_text="Ex.: sistema do escritório.")
