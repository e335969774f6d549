from functools import wraps

from django.shortcuts import redirect

from .middleware import factor_url
from .selectors import factor_pending


def factor_verified(view):
    """For signed-in users' pages outside the admin (the partner area): a user with a second factor, or one who
    must have one, gets it verified in this session first."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        pending = factor_pending(request.user)
        if pending is not None:
            return redirect(factor_url(pending, request.get_full_path()))
        return view(request, *args, **kwargs)

    return wrapper
