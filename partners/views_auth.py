"""Sign-in and password reset for partners: Django's views, pt-BR templates, and the login throttle
(tecnosign.accounts) on both: wrong passwords per account and IP, reset e-mails per address and IP."""

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.urls import reverse_lazy

from tecnosign.accounts.forms import PartnerLoginForm
from tecnosign.accounts.services.throttle import LoginLocked, password_reset_claim
from tecnosign.http import client_ip


class PartnerLoginView(auth_views.LoginView):
    template_name = "partners/login.html"
    authentication_form = PartnerLoginForm


class PartnerPasswordResetView(auth_views.PasswordResetView):
    template_name = "partners/password_reset_form.html"
    email_template_name = "partners/password_reset_email.txt"
    subject_template_name = "partners/password_reset_subject.txt"
    success_url = reverse_lazy("partner-password-reset-done")
    extra_email_context = {"site_url": settings.SITE_URL}

    def form_valid(self, form):
        # The answer is the same whether or not the e-mail exists; past the limit nothing is sent at all.
        try:
            password_reset_claim(email=form.cleaned_data["email"], ip=client_ip(self.request))
        except LoginLocked as locked:
            form.add_error(None, locked.message)
            response = self.form_invalid(form)
            response.status_code = 429
            return response
        return super().form_valid(form)
