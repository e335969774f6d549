from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from orders.models import Partner
from tecnosign.audit.services import Actor

from .forms import PartnerRegistrationForm
from .services import RegistrationConflict, partner_register


@require_http_methods(["GET", "POST"])
def register(request):
    form = PartnerRegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            partner = partner_register(
                document=data["document"],
                name=data["name"],
                contact_name=data["contact_name"],
                email=data["email"],
                phone=data["phone"],
                pix_key=data["pix_key"],
                password=data["password"],
                actor=Actor.from_request(request, label=data["email"]),
            )
        except RegistrationConflict as error:
            form.add_error(None, error.message)
        else:
            login(request, partner.user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, "Cadastro recebido! Avisaremos por e-mail assim que for aprovado.")
            return redirect("partners:dashboard")
    return render(request, "partners/register.html", {"form": form}, status=400 if form.errors else 200)


@login_required
def dashboard(request):
    partner = Partner.objects.filter(user=request.user).first()
    if partner is None:
        messages.info(request, "Esta conta não é de um parceiro.")
        return redirect("home")
    links = partner.links.select_related("product").order_by("-created_at") if partner.is_approved else []
    return render(request, "partners/dashboard.html", {"partner": partner, "links": links})
