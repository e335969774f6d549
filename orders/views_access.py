"""The one-time links e-mailed to the holder: opening one, and asking for a fresh one with the order number only."""

from collections.abc import Callable

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from tecnosign.audit.services import Actor
from tecnosign.http import client_ip

from .forms import AccessLinkForm, OrderLookupForm
from .models import Order
from .services.access import (
    LinkRequestLimited,
    grant_access,
    has_access,
    order_access_open,
    order_access_pending,
    order_access_request,
    order_of_spent_link,
)
from .services.holder_links import HolderLinkInvalid


def holder_access(request, token: str, *, destination: Callable[[Order], str], number: str | None = None):
    """Open an ORDER_ACCESS link: GET shows one button, POST spends the link and grants this session the order.

    The GET does not spend it: mail scanners and link previews fetch the links in e-mails, and must not use up the
    customer's one click. A used or expired link (or a reusable signed link of before) explains itself and offers to
    send a fresh link to the e-mail on file.
    """
    if request.method == "POST":
        try:
            link = order_access_open(token=token, number=number, actor=Actor.from_request(request, label="cliente"))
        except HolderLinkInvalid:
            return _spent(request, token, destination=destination, number=number)
        grant_access(request.session, link.order, proof=link)
        return redirect(destination(link.order))
    link = order_access_pending(token, number=number)
    if link is None:
        return _spent(request, token, destination=destination, number=number)
    return render(request, "orders/access.html", {"order": link.order, "link": link, "state": "open"})


def _spent(request, token: str, *, destination, number: str | None):
    order = order_of_spent_link(token)
    if order is not None and number is not None and order.number != number:
        order = None
    if order is not None and has_access(request.session, order.number):
        # The customer clicked an e-mail again in the browser it already opened the order in.
        return redirect(destination(order))
    form = AccessLinkForm(initial={"number": order.number}) if order is not None else None
    context = {"order": order, "state": "spent", "link_form": form}
    return render(request, "orders/access.html", context, status=410 if order is not None else 404)


@never_cache
@require_http_methods(["GET", "POST"])
def order_access(request, token: str):
    return holder_access(request, token, destination=lambda order: reverse("orders:detail", args=[order.number]))


@require_POST
def access_link_request(request):
    """The "Receber um link de acesso no e-mail cadastrado" form: the same answer whether the order exists or not."""
    form = AccessLinkForm(request.POST)
    if form.is_valid():
        try:
            order_access_request(
                number=form.cleaned_data["number"],
                ip=client_ip(request),
                actor=Actor.from_request(request, label="cliente"),
            )
        except LinkRequestLimited as error:
            form.add_error(None, error.message)
            return render(request, "orders/lookup.html", {"form": OrderLookupForm(), "link_form": form}, status=429)
        messages.success(
            request,
            "Se o número do pedido estiver certo, enviamos agora um link de acesso para o e-mail cadastrado nele. "
            "O link abre o pedido uma vez; confira também a caixa de spam.",
        )
        return redirect("orders:lookup")
    return render(request, "orders/lookup.html", {"form": OrderLookupForm(), "link_form": form}, status=400)
