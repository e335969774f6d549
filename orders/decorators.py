from functools import wraps

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect

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
