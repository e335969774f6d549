"""The holder's step of a partner's order: the one-time link e-mailed to the holder opens these pages."""

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from tecnosign.audit.services import Actor

from .forms import HolderConfirmationForm
from .models import Order
from .services.access import grant_access
from .services.holder_confirmation import (
    LINK_UNUSABLE,
    PURPOSE,
    HolderConfirmationError,
    holder_confirmation_closed,
    order_holder_confirm,
    order_holder_decline,
)
from .services.holder_links import HolderLinkInvalid, holder_link_find


def _unusable(request, message: str):
    return render(request, "orders/holder_link_invalid.html", {"message": message}, status=410)


def _holder(request) -> Actor:
    return Actor.from_request(request, label="titular")


@never_cache
@require_http_methods(["GET", "POST"])
def holder_confirm(request, token: str):
    link = holder_link_find(token, purpose=PURPOSE)
    if link is None:
        return _unusable(request, LINK_UNUSABLE)
    order = link.order
    if order.status != Order.Status.AWAITING_HOLDER:
        return _unusable(request, holder_confirmation_closed(order).message)
    form = HolderConfirmationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            order = order_holder_confirm(
                token=token,
                data_confirmed=data["data_confirmed"],
                issuance_password=data["issuance_password"],
                revocation_password=data["revocation_password"],
                lgpd_consent=data["lgpd_consent"],
                actor=_holder(request),
            )
        except HolderLinkInvalid:
            return _unusable(request, LINK_UNUSABLE)
        except HolderConfirmationError as error:
            if error.field not in form.fields:
                return _unusable(request, error.message)
            form.add_error(error.field, error.message)
        else:
            grant_access(request.session, order)
            messages.success(
                request, f"Pedido {order.number} confirmado. Agora é só pagar; enviamos os detalhes para {order.email}."
            )
            return redirect("orders:detail", number=order.number)
    context = {
        "order": order,
        "partner": order.partner,
        "form": form,
        "token": token,
        "lgpd_version": settings.LGPD_CONSENT_VERSION,
    }
    return render(request, "orders/holder_confirm.html", context, status=400 if form.errors else 200)


@never_cache
@require_POST
def holder_decline(request, token: str):
    try:
        order = order_holder_decline(token=token, actor=_holder(request))
    except HolderLinkInvalid:
        return _unusable(request, LINK_UNUSABLE)
    except HolderConfirmationError as error:
        return _unusable(request, error.message)
    return render(request, "orders/holder_declined.html", {"order": order, "partner": order.partner})
