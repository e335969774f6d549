from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect

from tecnosign.accounts.decorators import factor_verified

from .selectors import partner_of


def partner_view(*, approved: bool = True):
    """The view gets the logged-in user's partner; others go home, pending/suspended ones to the dashboard."""

    def decorator(view):
        @login_required
        @factor_verified
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            partner = partner_of(request.user)
            if partner is None:
                messages.info(request, "Esta conta não é de um parceiro.")
                return redirect("home")
            if approved and not partner.is_approved:
                messages.warning(request, f"Cadastro {partner.get_status_display().lower()}: função indisponível.")
                return redirect("partners:dashboard")
            return view(request, partner, *args, **kwargs)

        return wrapper

    return decorator
