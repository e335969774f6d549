from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect

from tecnosign.http import json_error
from tecnosign.page_cache import session_page

from .models import Order
from .services.access import has_access

ASK_FOR_ACCESS = "Para ver o pedido, informe o número e o CPF/CNPJ do titular."


def customer_order_view(view=None, *, ask: str = ASK_FOR_ACCESS, refuse=None):
    """Give the view the order of `number` when this session proved it may see it; else back to /pedido/ with
    `ask` said there, or `refuse(request)`'s answer (a script's JSON). The one access check of every customer page
    under an order (the order page's sections, booking, issuance, the A3 install page and its calls, a
    replacement's resend): `@customer_order_view` or `@customer_order_view(ask="Para …")`."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, number: str, *args, **kwargs):
            if not has_access(request.session, number):
                if refuse is not None:
                    return refuse(request)
                messages.info(request, ask)
                return redirect("orders:lookup")
            order = get_object_or_404(Order.objects.select_related("product", "partner"), number=number)
            return view(request, order, *args, **kwargs)

        return wrapper

    return decorate(view) if view is not None else decorate


def _order_access_refused(request):
    return json_error(
        "order_access_required",
        "Sua sessão expirou ou não dá acesso a este pedido. Abra o pedido de novo com o número e o CPF/CNPJ "
        "do titular.",
        status=403,
    )


def customer_order_page(view=None, *, page: str, data_version: Callable[[str], str | None], ask: str = ASK_FOR_ACCESS):
    """`customer_order_view` for a page kept per session while the rows it shows are unchanged
    (tecnosign.page_cache.session_page): after the access check, `data_version(number)` is asked first and the
    order is read only when the page has to be built. Other methods than GET pass straight to the view."""

    def decorate(view):
        checked = customer_order_view(view, ask=ask)

        @wraps(view)
        def wrapper(request, number: str, *args, **kwargs):
            if request.method not in ("GET", "HEAD") or not has_access(request.session, number):
                return checked(request, number, *args, **kwargs)
            return session_page(
                request,
                f"{page}:{number}",
                lambda: data_version(number),
                lambda: checked(request, number, *args, **kwargs),
            )

        return wrapper

    return decorate(view) if view is not None else decorate


# customer_order_view for a page script's calls: a JSON 403 instead of a redirect to the look-up page.
customer_order_api = customer_order_view(refuse=_order_access_refused)
