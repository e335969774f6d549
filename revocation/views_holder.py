"""What the holder does with the links sent to the contact on file: urgent revocation, and confirming (or stopping) a
same-holder guarantee reissue. GETs show a page; only a POST acts (mail scanners fetch links)."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from issuance.services.revocation import AlreadyRevoked, RevocationFailed
from orders.decorators import customer_order_view
from orders.forms import AccessLinkForm
from orders.models import Order
from orders.services.access import grant_access
from orders.services.holder_links import HolderCodeWrong, HolderLinkInvalid
from orders.services.transitions import IllegalTransition
from tecnosign.audit.services import Actor
from tecnosign.http import client_ip

from .forms import LookupForm, ReissueConfirmForm, UrgentConfirmForm, UrgentRequestForm
from .services.access import certificate_for_page
from .services.reissue_proof import (
    ReissueProofRefused,
    reissue_confirm,
    reissue_link_find,
    reissue_proof_resend,
    reissue_stop,
    reissue_stop_find,
    reissue_without_contact,
)
from .services.revoke import NotRevocable
from .services.urgent import UrgentRequestLimited, revoke_urgently, urgent_link_certificate, urgent_revocation_request


def _form_error(form, error) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.message)


def _link_gone(request, message: str = ""):
    return render(request, "revocation/link_gone.html", {"message": message}, status=410)


@require_POST
def urgent_request(request):
    """The "Minha chave foi comprometida" form: the order number or the serial only; the same answer whatever it is."""
    form = UrgentRequestForm(request.POST)
    if not form.is_valid():
        context = {"form": LookupForm(), "link_form": AccessLinkForm(), "urgent_form": form}
        return render(request, "revocation/lookup.html", context, status=400)
    identifier = form.cleaned_data["identifier"]
    try:
        urgent_revocation_request(
            identifier=identifier, ip=client_ip(request), actor=Actor.from_request(request, label="cliente")
        )
    except UrgentRequestLimited as error:
        messages.error(request, error.message)
        return redirect("revocation:lookup")
    messages.success(
        request,
        "Se houver um certificado válido com esse número, enviamos agora um link de revogação urgente para o e-mail "
        "cadastrado e um código por SMS para o celular cadastrado. Abra o link e digite o código: a revogação é "
        "imediata.",
    )
    certificate = certificate_for_page(request.session, identifier)
    if certificate is not None:
        return redirect("revocation:certificate", serial=certificate.serial)
    return redirect("revocation:lookup")


@never_cache
@require_http_methods(["GET", "POST"])
def urgent(request, token: str):
    """The urgent-revocation link: the SMS code and a confirmation, then the certificate is revoked at once."""
    certificate = urgent_link_certificate(token)
    if certificate is None:
        return _link_gone(request)
    form = UrgentConfirmForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                done = revoke_urgently(
                    token=token, code=form.cleaned_data["code"], actor=Actor.from_request(request, label="cliente")
                )
            except HolderCodeWrong as error:
                _form_error(form, error)
            except HolderLinkInvalid as error:
                return _link_gone(request, error.message)
            except (AlreadyRevoked, NotRevocable) as error:
                form.add_error(None, error.message)
                status = 409
            except RevocationFailed as error:
                form.add_error(None, error.message)
                status = 503
            else:
                # Link and code proved the e-mail and the mobile on file: this session may see the order.
                grant_access(request.session, done.order)
                messages.success(request, "Certificado revogado agora. Enviamos a confirmação por e-mail.")
                return redirect("revocation:certificate", serial=done.certificate.serial)
    context = {"certificate": certificate, "order": certificate.order, "form": form}
    return render(request, "revocation/urgent.html", context, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def reissue(request, token: str):
    """The reissue link: the SMS code, then the new issuance and revocation passwords."""
    confirmation = reissue_link_find(token)
    if confirmation is None:
        return _link_gone(request)
    form = ReissueConfirmForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                done = reissue_confirm(
                    token=token,
                    code=data["code"],
                    issuance_password=data["issuance_password"],
                    revocation_password=data["revocation_password"],
                    actor=Actor.from_request(request, label="cliente"),
                )
            except HolderCodeWrong as error:
                _form_error(form, error)
            except HolderLinkInvalid as error:
                return _link_gone(request, error.message)
            except (ReissueProofRefused, IllegalTransition) as error:
                _form_error(form, error)
                status = 409 if error.field is None else 400
            else:
                grant_access(request.session, done.replacement)
                messages.success(
                    request,
                    "Reemissão confirmada. Avisamos por e-mail e SMS quando ela vai para a Autoridade Certificadora; "
                    "se não foi você, use o link “Não fui eu” dessas mensagens.",
                )
                return redirect("orders:detail", number=done.replacement.number)
    context = {"confirmation": confirmation, "order": confirmation.replacement, "form": form}
    return render(request, "revocation/reissue.html", context, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def reissue_stop_view(request, token: str):
    """The "Não fui eu — cancelar" link: one button; the reissue then goes through a new validation."""
    confirmation = reissue_stop_find(token)
    if confirmation is None:
        return _link_gone(request)
    error = None
    if request.method == "POST":
        try:
            done = reissue_stop(token=token, actor=Actor.from_request(request, label="cliente"))
        except HolderLinkInvalid as refused:
            return _link_gone(request, refused.message)
        except (ReissueProofRefused, IllegalTransition) as refused:
            error = refused.message
        else:
            return render(request, "revocation/reissue_stop.html", {"confirmation": done, "stopped": True})
    context = {"confirmation": confirmation, "error": error}
    return render(request, "revocation/reissue_stop.html", context, status=409 if error else 200)


@require_POST
@customer_order_view
def reissue_resend(request, replacement: Order):
    """Another link and code for a replacement waiting for its holder (the order page's button)."""
    try:
        reissue_proof_resend(
            replacement=replacement, ip=client_ip(request), actor=Actor.from_request(request, label="cliente")
        )
    except ReissueProofRefused as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, "Enviamos um novo link ao e-mail cadastrado e um novo código por SMS ao celular cadastrado."
        )
    return redirect("orders:detail", number=replacement.number)


@require_POST
@customer_order_view
def reissue_no_access(request, replacement: Order):
    """The "Não tenho mais acesso a esse e-mail ou celular" button: the replacement goes through a new validation."""
    try:
        reissue_without_contact(replacement=replacement, actor=Actor.from_request(request, label="cliente"))
    except ReissueProofRefused as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            "A reemissão segue pela nova validação: envie o documento de identidade e agende a videoconferência.",
        )
    return redirect("orders:detail", number=replacement.number)
