"""The partner's clients' certificates ending soon, and the one click that sends a client the renewal link."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from renewal.selectors import EXPIRING_WINDOWS, days_left, partner_certificates_ending
from renewal.services.links import RenewalLinkRefused, renewal_link_send
from tecnosign.audit.services import Actor

from .decorators import partner_view
from .masking import mask_email


def window_from(value) -> int:
    try:
        days = int(value)
    except (TypeError, ValueError):
        return EXPIRING_WINDOWS[0]
    return days if days in EXPIRING_WINDOWS else EXPIRING_WINDOWS[0]


@partner_view()
def renewals(request, partner):
    days = window_from(request.GET.get("dias"))
    certificates = list(partner_certificates_ending(partner, within_days=days)[:500])
    rows = [
        {
            "certificate": certificate,
            "order": certificate.order,
            "days_left": days_left(certificate),
            "email": mask_email(certificate.order.email),
        }
        for certificate in certificates
    ]
    context = {"partner": partner, "rows": rows, "days": days, "windows": EXPIRING_WINDOWS}
    return render(request, "partners/renewals.html", context)


@require_POST
@partner_view()
def renewal_send(request, partner, pk: int):
    try:
        certificate = renewal_link_send(partner=partner, certificate_id=pk, actor=Actor.from_request(request))
    except RenewalLinkRefused as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Enviamos o link de renovação para {mask_email(certificate.order.email)}.")
    return redirect(f"{reverse('partners:renewals')}?dias={window_from(request.POST.get('dias'))}")
