"""The partner's referral links: list with numbers, create, change, pause/resume, QR code."""

import io

import qrcode
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_http_methods, require_POST

from orders.models import ReferralLink
from orders.services.referral_links import LinkRefused, referral_link_set_active
from tecnosign.audit.services import Actor

from .decorators import partner_view
from .forms import LinkForm
from .models import LinkLimits
from .selectors import link_conversion, partner_links
from .services.links import link_create, link_update


def link_absolute_url(request, link: ReferralLink) -> str:
    return request.build_absolute_uri(reverse("orders:link", args=[link.code]))


@partner_view()
def links(request, partner):
    rows = [
        {"link": link, "url": link_absolute_url(request, link), "conversion": link_conversion(link)}
        for link in partner_links(partner)
    ]
    return render(request, "partners/links.html", {"partner": partner, "rows": rows})


def _form_error(form: LinkForm, error: LinkRefused) -> None:
    field = {
        "commission_percent": "benefit_value",
        "discount_percent": "benefit_value",
        "discount_amount": "benefit_value",
        "benefit": "benefit_kind",
        "expires_at": "expires_on",
    }.get(error.field, error.field)
    form.add_error(field if field in form.fields else None, error.message)


@require_http_methods(["GET", "POST"])
@partner_view()
def link_new(request, partner):
    limits = LinkLimits.current()
    form = LinkForm(request.POST or None, limits=limits, initial={"benefit_kind": "commission"})
    if request.method == "POST" and form.is_valid():
        try:
            link = link_create(partner=partner, terms=form.terms(), actor=Actor.from_request(request))
        except LinkRefused as error:
            _form_error(form, error)
        else:
            messages.success(request, f"Link “{link.name}” criado. Divulgue o endereço ou o QR Code.")
            return redirect("partners:link", code=link.code)
    status = 400 if form.errors else 200
    return render(request, "partners/link_form.html", {"partner": partner, "form": form}, status=status)


@require_http_methods(["GET", "POST"])
@partner_view()
def link_edit(request, partner, code: str):
    link = get_object_or_404(partner_links(partner), code=code)
    limits = LinkLimits.current()
    form = LinkForm(request.POST or None, limits=limits, initial=LinkForm.initial_for(link))
    if request.method == "POST" and form.is_valid():
        try:
            link_update(link=link, terms=form.terms(current_expiry=link.expires_at), actor=Actor.from_request(request))
        except LinkRefused as error:
            _form_error(form, error)
        else:
            messages.success(request, "Link atualizado. Pedidos já feitos mantêm o preço e a comissão da época.")
            return redirect("partners:link", code=link.code)
    context = {
        "partner": partner,
        "form": form,
        "link": link,
        "url": link_absolute_url(request, link),
        "conversion": link_conversion(link),
    }
    return render(request, "partners/link_form.html", context, status=400 if form.errors else 200)


@require_POST
@partner_view()
def link_toggle(request, partner, code: str, active: bool):
    link = get_object_or_404(ReferralLink.objects.select_related("partner"), partner=partner, code=code)
    referral_link_set_active(link=link, active=active, actor=Actor.from_request(request))
    messages.success(request, f"Link “{link.name}” {'retomado' if active else 'pausado'}.")
    if request.POST.get("back") == "list":
        return redirect("partners:links")
    return redirect("partners:link", code=link.code)


@partner_view()
def link_qrcode(request, partner, code: str):
    link = get_object_or_404(ReferralLink, partner=partner, code=code)
    image = qrcode.make(link_absolute_url(request, link), box_size=8, border=2)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    response = HttpResponse(buffer.getvalue(), content_type="image/png")
    if request.GET.get("download"):
        response["Content-Disposition"] = f'attachment; filename="qrcode-{link.code}.png"'
    # Only the image is cacheable (by the partner's own browser), never the redirect to the login page.
    patch_cache_control(response, private=True, max_age=3600)
    return response
