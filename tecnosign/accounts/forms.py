"""The login forms behind the throttle, and the second factor's forms."""

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import authenticate
from django.contrib.auth.forms import AuthenticationForm

from tecnosign.http import client_ip

from .services.throttle import LoginLocked, login_claim, login_fail, login_release


class ThrottledLoginMixin:
    """AuthenticationForm.clean(), with the attempt claimed first: a locked account or address is refused before
    its password is checked (the hasher never runs), and a wrong password counts toward the lock."""

    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is not None and password:
            ip = client_ip(self.request) if self.request is not None else None
            try:
                claim = login_claim(username=username, ip=ip)
            except LoginLocked as locked:
                raise forms.ValidationError(locked.message, code="locked") from locked
            self.user_cache = authenticate(self.request, username=username, password=password)
            if self.user_cache is None:
                started = login_fail(claim, ip=ip)
                if started is not None:
                    raise forms.ValidationError(started.message, code="locked")
                raise self.get_invalid_login_error()
            login_release(claim)
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


class StaffLoginForm(ThrottledLoginMixin, AdminAuthenticationForm):
    pass


class PartnerLoginForm(ThrottledLoginMixin, AuthenticationForm):
    pass


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Código",
        max_length=16,
        help_text="Os 6 dígitos do aplicativo autenticador, ou um dos seus códigos de recuperação.",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}),
        error_messages={"required": "Digite o código."},
    )

    def clean_code(self) -> str:
        return "".join(self.cleaned_data["code"].split()).replace("-", "")


class EnrolCodeForm(CodeForm):
    code = forms.CharField(
        label="Código do aplicativo",
        max_length=16,
        help_text="Depois de adicionar a conta no aplicativo, digite os 6 dígitos que ele mostra agora.",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
        error_messages={"required": "Digite o código."},
    )
