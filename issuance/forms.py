from django import forms


class A1IssueForm(forms.Form):
    password = forms.CharField(
        label="Senha de emissão",
        strip=False,
        max_length=128,
        help_text="A senha que você criou ao fazer o pedido (não é a senha de revogação). Ela também protege o "
        "arquivo do certificado: você vai digitá-la ao instalar.",
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": "Digite a senha de emissão."},
    )
    understood = forms.BooleanField(
        label="Entendo que o arquivo do certificado (.pfx) é entregue uma única vez e vou guardá-lo em local "
        "seguro, com uma cópia de segurança.",
        error_messages={"required": "Confirme que vai guardar o arquivo: ele não pode ser baixado de novo."},
    )
