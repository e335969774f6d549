"""Password reset for partners: Django's views, pt-BR templates, and a cap on how many e-mails one IP asks for."""

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.urls import reverse_lazy

from tecnosign import ratelimit
from tecnosign.http import client_ip

RESET_LIMIT_PER_HOUR = 5


class PartnerPasswordResetView(auth_views.PasswordResetView):
    template_name = "partners/password_reset_form.html"
    email_template_name = "partners/password_reset_email.txt"
    subject_template_name = "partners/password_reset_subject.txt"
    success_url = reverse_lazy("partner-password-reset-done")
    extra_email_context = {"site_url": settings.SITE_URL}

    def form_valid(self, form):
        # The answer is the same whether or not the e-mail exists; past the limit nothing is sent at all.
        ident = client_ip(self.request) or "unknown"
        if ratelimit.is_limited("partner-password-reset", ident, limit=RESET_LIMIT_PER_HOUR):
            form.add_error(None, "Muitos pedidos de nova senha. Aguarde uma hora e tente de novo.")
            response = self.form_invalid(form)
            response.status_code = 429
            return response
        ratelimit.register_hit("partner-password-reset", ident, window=3600)
        return super().form_valid(form)
