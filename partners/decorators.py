from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect

from tecnosign.accounts.middleware import factor_url
from tecnosign.accounts.selectors import factor_pending

from .selectors import partner_of


def partner_view(*, approved: bool = True):
    """The view gets the logged-in user's partner; others go home, pending/suspended ones to the dashboard. A partner
    with a second factor, or required by staff to have one, has it verified in this session first."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            partner = partner_of(request.user)
            if partner is None:
                messages.info(request, "Esta conta não é de um parceiro.")
                return redirect("home")
            pending = factor_pending(request.user, required=partner.second_factor_required)
            if pending is not None:
                return redirect(factor_url(pending, request.get_full_path()))
            if approved and not partner.is_approved:
                messages.warning(request, f"Cadastro {partner.get_status_display().lower()}: função indisponível.")
                return redirect("partners:dashboard")
            return view(request, partner, *args, **kwargs)

        return wrapper

    return decorator
