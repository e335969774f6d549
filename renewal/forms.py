from django import forms

from orders.forms import SECRET_FIELDS, HolderConfirmationForm
from orders.validators import normalize_mobile


class RenewalForm(HolderConfirmationForm):
    """The renewal: the product, the holder's contact (the identity is carried over), the data confirmed, consent and
    the two new passwords."""

    product = forms.ChoiceField(label="Produto", widget=forms.RadioSelect)
    email = forms.EmailField(label="E-mail", max_length=254)
    mobile = forms.CharField(label="Celular com DDD", max_length=20, widget=forms.TextInput(attrs={"inputmode": "tel"}))

    field_order = ["product", "email", "mobile", "data_confirmed", *SECRET_FIELDS]

    def __init__(self, *args, offers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].choices = [(offer.product.code, offer.product.name) for offer in offers]

    def clean_mobile(self):
        return normalize_mobile(self.cleaned_data["mobile"])

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()
