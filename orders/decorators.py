from functools import wraps

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect

from tecnosign.http import json_error

from .models import Order
from .services.access import has_access


def customer_order_view(view):
    """Give the view the order of `number` when this session proved it may see it; else back to /pedido/."""

    @wraps(view)
    def wrapper(request, number: str, *args, **kwargs):
        if not has_access(request.session, number):
            messages.info(request, "Para ver o pedido, informe o número e o CPF/CNPJ do titular.")
            return redirect("orders:lookup")
        order = get_object_or_404(Order.objects.select_related("product", "partner"), number=number)
        return view(request, order, *args, **kwargs)

    return wrapper


def customer_order_api(view):
    """customer_order_view for a page script's calls: a JSON 403 instead of a redirect to the look-up page."""

    @wraps(view)
    def wrapper(request, number: str, *args, **kwargs):
        order = Order.objects.select_related("product", "partner").filter(number=number).first()
        if order is None or not has_access(request.session, number):
            return json_error(
                "order_access_required",
                "Sua sessão expirou ou não dá acesso a este pedido. Abra o pedido de novo com o número e o CPF/CNPJ "
                "do titular.",
                status=403,
            )
        return view(request, order, *args, **kwargs)

    return wrapper
