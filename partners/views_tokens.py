"""API keys in the portal: create (the key is shown once), list, revoke."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from tecnosign.audit.services import Actor

from .decorators import partner_view
from .forms import ApiTokenForm
from .models import ApiToken
from .services.tokens import TokenRefused, api_token_create, api_token_revoke


@never_cache
@require_http_methods(["GET", "POST"])
@partner_view()
def tokens(request, partner):
    form = ApiTokenForm(request.POST or None)
    new_key = None
    if request.method == "POST" and form.is_valid():
        try:
            token, new_key = api_token_create(
                partner=partner, name=form.cleaned_data["name"], actor=Actor.from_request(request)
            )
        except TokenRefused as error:
            form.add_error("name" if error.field == "name" else None, error.message)
        else:
            form = ApiTokenForm()
            messages.success(request, f"Chave “{token.name}” criada. Copie-a agora: ela não será mostrada de novo.")
    context = {
        "partner": partner,
        "form": form,
        "new_key": new_key,
        "tokens": partner.api_tokens.order_by("revoked_at", "-created_at"),
    }
    return render(request, "partners/api_tokens.html", context, status=400 if form.errors else 200)


@require_POST
@partner_view(approved=False)
def token_revoke(request, partner, pk: int):
    token = get_object_or_404(ApiToken, pk=pk, partner=partner)
    api_token_revoke(token=token, actor=Actor.from_request(request))
    messages.success(request, f"Chave “{token.name}” revogada: os sistemas que a usam perdem o acesso agora.")
    return redirect("partners:tokens")
