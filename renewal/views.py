"""The renewal page: from a reminder's link, a partner's link or the order page."""

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from orders.services.access import grant_access
from tecnosign.audit.services import Actor
from tecnosign.errors import DomainError

from .forms import RenewalForm
from .services.links import RenewalLinkInvalid, renewal_link_open
from .services.orders import RenewalRefused, renewal_check, renewal_offers, renewal_order_create


@require_http_methods(["GET", "POST"])
def start(request, token: str):
    try:
        certificate = renewal_link_open(token)
        renewal_check(certificate)
    except (RenewalLinkInvalid, RenewalRefused) as error:
        return render(request, "renewal/invalid.html", {"message": error.message}, status=404)
    order = certificate.order
    offers = renewal_offers(certificate)
    initial = {"email": order.email, "mobile": order.mobile_display, "product": order.product.code}
    form = RenewalForm(request.POST or None, initial=initial, offers=offers)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            renewal = renewal_order_create(
                certificate=certificate,
                product_code=data["product"],
                email=data["email"],
                mobile=data["mobile"],
                issuance_password=data["issuance_password"],
                revocation_password=data["revocation_password"],
                lgpd_consent=data["lgpd_consent"],
                actor=Actor.from_request(request, label=order.holder_document),
            )
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            grant_access(request.session, renewal)
            messages.success(request, f"Pedido de renovação {renewal.number} criado. Agora é só pagar.")
            return redirect("orders:detail", number=renewal.number)
    context = {
        "certificate": certificate,
        "order": order,
        "offers": offers,
        "form": form,
        "lgpd_version": settings.LGPD_CONSENT_VERSION,
    }
    return render(request, "renewal/start.html", context, status=400 if form.errors else 200)
