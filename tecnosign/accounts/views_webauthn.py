"""django-otp-webauthn's ceremonies as the second factor: passkeys are registered and used by a signed-in user
only (no passwordless login), and each registration, use and failure is audited through our services."""

from urllib.parse import urlencode

from django.http import JsonResponse
from django.urls import reverse
from django_otp import login as otp_login
from django_otp_webauthn import exceptions
from django_otp_webauthn.utils import rewrite_exceptions
from django_otp_webauthn.views import (
    BeginCredentialAuthenticationView,
    BeginCredentialRegistrationView,
    CompleteCredentialAuthenticationView,
    CompleteCredentialRegistrationView,
)

from tecnosign.audit.services import Actor

from .services.factors import factor_enrolled, passkey_failed, passkey_verified
from .views import RECOVERY_ONCE, next_url


class _Audited:
    stage = ""

    def handle_exception(self, exc):
        if isinstance(exc, exceptions.OTPWebAuthnApiError) and self.request.user.is_authenticated:
            passkey_failed(
                request=self.request, actor=Actor.from_request(self.request), stage=self.stage, code=exc.code
            )
        return super().handle_exception(exc)


class BeginRegistration(_Audited, BeginCredentialRegistrationView):
    stage = "registration"


class CompleteRegistration(_Audited, CompleteCredentialRegistrationView):
    stage = "registration"

    def post(self, *args, **kwargs):
        user = self.get_user()
        state = self.get_state()
        with rewrite_exceptions(logger=None):
            device = self.get_helper().register_complete(user=user, state=state, data=self.request.data)
        codes = factor_enrolled(request=self.request, device=device, actor=Actor.from_request(self.request))
        if codes:
            self.request.session[RECOVERY_ONCE] = codes
        target = reverse("accounts:recovery-codes") if codes else reverse("accounts:enrol")
        return JsonResponse(
            {"id": device.pk, "redirect_url": f"{target}?{urlencode({'next': next_url(self.request)})}"}
        )


class BeginAuthentication(_Audited, BeginCredentialAuthenticationView):
    stage = "verification"


class CompleteAuthentication(_Audited, CompleteCredentialAuthenticationView):
    stage = "verification"

    def complete_auth(self, device) -> None:
        # The user signed in with the password already (passwordless login is off): this only verifies the session.
        self.request.session.cycle_key()
        otp_login(self.request, device)
        passkey_verified(request=self.request, device=device, actor=Actor.from_request(self.request))

    def get_success_url(self) -> str:
        return next_url(self.request)
