"""The holder's term on the order page: the PDF to read, and its acceptance."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from tecnosign.audit.services import Actor

from .decorators import customer_order_view
from .forms import TermAcceptForm
from .models import Order
from .services.terms import TermRefused, term_accept, term_current, term_of


def _back(order: Order):
    response = redirect("orders:detail", number=order.number)
    response["Location"] += "#termo"
    return response


@never_cache
@customer_order_view
def term_pdf(request, order: Order):
    """The accepted term as it was stored, or the term to read now."""
    accepted = term_of(order)
    if accepted is not None and accepted.file:
        with accepted.file.open("rb") as stored:
            pdf = stored.read()
    else:
        pdf = term_current(order)[0]
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="termo-de-titularidade-{order.number}.pdf"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_POST
@customer_order_view
def term_accept_view(request, order: Order):
    form = TermAcceptForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return _back(order)
    try:
        term_accept(
            order=order,
            shown_sha256=form.cleaned_data["sha256"],
            actor=Actor.from_request(request, label="cliente"),
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
        )
    except TermRefused as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Termo aceito. Ele fica guardado no dossiê do seu certificado.")
    return _back(order)
