"""Self-service revocation (`/revogar/`), the letter path, and staff reading an uploaded letter."""

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from issuance.models import Certificate
from issuance.services.revocation import AlreadyRevoked, RevocationFailed
from orders.forms import AccessLinkForm
from orders.services.access import grant_access, has_access, holder_proof
from tecnosign.audit.services import Actor
from tecnosign.http import client_ip, private_file_response
from tecnosign.uploads import upload_limited

from .forms import LetterRequestForm, LetterUploadForm, LookupForm, PasswordRevocationForm, UrgentRequestForm
from .letter_pdf import letter_pdf
from .models import RevocationRequest
from .selectors import allowed_reasons, outcome_of, reason_rows, revocation_done
from .services import letter_cancel, letter_request_create, letter_upload, revoke_with_password
from .services.access import RevocationLookupFailed, certificate_for_page, revocation_lookup
from .services.details import DetailsInvalid
from .services.letters import LetterRefused, letter_file_open, letter_open
from .services.reissue import ReissueRefused
from .services.revoke import NotRevocable, WrongRevocationPassword
from .services.throttle import PasswordLocked, throttle_locks


@never_cache
@require_http_methods(["GET", "POST"])
def lookup(request):
    form = LookupForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                found = revocation_lookup(
                    identifier=form.cleaned_data["identifier"],
                    document=form.cleaned_data["document"],
                    ip=client_ip(request),
                    session=request.session,
                )
            except RevocationLookupFailed as error:
                form.add_error(None, error.message)
                status = 429 if error.code == "too_many_attempts" else 404
            else:
                if isinstance(found, Certificate):
                    return redirect("revocation:certificate", serial=found.serial)
                certificate = found.certificates.order_by("-issued_at").first()
                if certificate is None:
                    messages.info(request, "Este pedido ainda não tem certificado emitido: não há o que revogar.")
                    return redirect("orders:detail", number=found.number)
                return redirect("revocation:certificate", serial=certificate.serial)
    context = {
        "form": form,
        "link_form": AccessLinkForm(),
        "urgent_form": UrgentRequestForm(),
        "locked": status == 429,
    }
    return render(request, "revocation/lookup.html", context, status=status)


def _certificate_or_redirect(request, serial: str):
    certificate = certificate_for_page(request.session, serial)
    if certificate is None:
        messages.info(request, "Para revogar, informe o número do pedido (ou a série do certificado) e o CPF/CNPJ.")
    return certificate


def _page(request, certificate: Certificate, *, form=None, letter_form=None, upload_form=None, status=200):
    order = certificate.order
    reasons = allowed_reasons(order)
    done = revocation_done(certificate)
    proof = holder_proof(request.session, order.number)
    open_letter = letter_open(certificate)
    context = {
        "certificate": certificate,
        "order": order,
        "revocable": done is None and certificate.status == Certificate.Status.VALID and order.status == "issued",
        "outcome": outcome_of(done),
        "rows": reason_rows(order) if done is None else [],
        "form": form or PasswordRevocationForm(reasons=reasons, initial=_chosen_reason(request, reasons)),
        "letter": open_letter,
        "letter_form": letter_form or LetterRequestForm(reasons=reasons),
        "upload_form": upload_form or LetterUploadForm(),
        "last_refused": RevocationRequest.objects.filter(
            certificate=certificate, status=RevocationRequest.Status.REFUSED
        ).first(),
        "lock": (
            throttle_locks(certificate_id=certificate.pk, ip=client_ip(request), proof=proof) if done is None else None
        ),
        "proven": proof is not None,
        "urgent_form": UrgentRequestForm(initial={"identifier": certificate.serial}),
        "order_page": has_access(request.session, order.number),
    }
    return render(request, "revocation/certificate.html", context, status=status)


def _chosen_reason(request, reasons) -> dict:
    """`?motivo=` preselects a reason, as the A1 issuance page's link for a file never saved does."""
    chosen = request.GET.get("motivo")
    return {"reason": chosen} if chosen in {reason.value for reason in reasons} else {}


def _form_error(form, error) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.message)


@never_cache
@require_http_methods(["GET", "POST"])
def certificate_page(request, serial: str):
    certificate = _certificate_or_redirect(request, serial)
    if certificate is None:
        return redirect("revocation:lookup")
    if request.method == "GET":
        return _page(request, certificate)
    form = PasswordRevocationForm(request.POST, reasons=allowed_reasons(certificate.order))
    if not form.is_valid():
        return _page(request, certificate, form=form, status=400)
    actor = Actor.from_request(request, label="cliente")
    try:
        done = revoke_with_password(
            certificate=certificate,
            details=form.details(),
            password=form.cleaned_data["password"],
            actor=actor,
            proof=holder_proof(request.session, certificate.order.number),
        )
    except PasswordLocked as error:
        form.add_error(None, error.message)
        return _page(request, certificate, form=form, status=429)
    except (WrongRevocationPassword, DetailsInvalid) as error:
        _form_error(form, error)
        return _page(request, certificate, form=form, status=400)
    except AlreadyRevoked as error:
        messages.error(request, error.message)
        return _page(request, certificate, status=410)
    except (NotRevocable, ReissueRefused) as error:
        form.add_error(None, error.message)
        return _page(request, certificate, form=form, status=409)
    except RevocationFailed as error:
        form.add_error(None, error.message)
        return _page(request, certificate, form=form, status=503)
    # The revocation password proved the holder: the order pages (original and replacement) open to this session.
    grant_access(request.session, done.order)
    if done.replacement:
        grant_access(request.session, done.replacement)
        text = f"Certificado revogado. Abrimos o pedido {done.replacement.number}, a reemissão em garantia sem custo."
        if not done.new_cnpj:
            text += (
                " Para reaproveitar a validação, abra o link que enviamos ao e-mail cadastrado e digite o código "
                "enviado por SMS ao celular cadastrado."
            )
        messages.success(request, text)
        return redirect("orders:detail", number=done.replacement.number)
    messages.success(request, "Certificado revogado. Enviamos a confirmação por e-mail.")
    return redirect("revocation:certificate", serial=certificate.serial)


def _back_to_letter(certificate: Certificate):
    return redirect(reverse("revocation:certificate", args=[certificate.serial]) + "#carta")


@require_POST
def letter_request(request, serial: str):
    certificate = _certificate_or_redirect(request, serial)
    if certificate is None:
        return redirect("revocation:lookup")
    form = LetterRequestForm(request.POST, reasons=allowed_reasons(certificate.order))
    if not form.is_valid():
        return _page(request, certificate, letter_form=form, status=400)
    try:
        letter_request_create(
            certificate=certificate, details=form.details(), actor=Actor.from_request(request, label="cliente")
        )
    except DetailsInvalid as error:
        _form_error(form, error)
        return _page(request, certificate, letter_form=form, status=400)
    except LetterRefused as error:  # a letter is already open: the page shows it instead of the form
        messages.error(request, error.message)
        return _page(request, certificate, status=409)
    except (AlreadyRevoked, NotRevocable) as error:
        messages.error(request, error.message)
        return _page(request, certificate, status=410)
    messages.success(request, "Carta gerada. Baixe, assine, reconheça firma em cartório e envie a digitalização.")
    return _back_to_letter(certificate)


@never_cache
def letter_download(request, serial: str):
    certificate = _certificate_or_redirect(request, serial)
    if certificate is None:
        return redirect("revocation:lookup")
    letter = letter_open(certificate)
    if letter is None:
        raise Http404("Não há pedido de revogação por carta em andamento para este certificado.")
    response = HttpResponse(letter_pdf(letter), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="carta-revogacao-{letter.reference}.pdf"'
    return response


@upload_limited(back="revocation:certificate", anchor="carta")
@require_POST
def letter_send(request, serial: str):
    certificate = _certificate_or_redirect(request, serial)
    if certificate is None:
        return redirect("revocation:lookup")
    letter = letter_open(certificate)
    if letter is None:
        messages.error(request, "Gere a carta antes de enviá-la.")
        return _back_to_letter(certificate)
    form = LetterUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, certificate, upload_form=form, status=400)
    try:
        letter_upload(
            request=letter, uploaded=form.cleaned_data["letter"], actor=Actor.from_request(request, label="cliente")
        )
    except LetterRefused as error:
        form.add_error("letter", error.message)
        return _page(request, certificate, upload_form=form, status=400)
    messages.success(request, "Recebemos a carta. Nossa equipe vai conferi-la; avisaremos por e-mail.")
    return _back_to_letter(certificate)


@require_POST
def letter_withdraw(request, serial: str):
    certificate = _certificate_or_redirect(request, serial)
    if certificate is None:
        return redirect("revocation:lookup")
    letter = letter_open(certificate)
    if letter is not None:
        try:
            letter_cancel(request=letter, actor=Actor.from_request(request, label="cliente"))
        except LetterRefused as error:
            messages.error(request, error.message)
            return _back_to_letter(certificate)
    messages.success(request, "Pedido por carta cancelado. Se quiser, gere outra carta.")
    return _back_to_letter(certificate)


@staff_member_required
def letter_file(request, public_id):
    """The uploaded letter, for staff with permission only; by a random identifier, never the pk; never cached."""
    if not request.user.has_perm("revocation.view_revocationrequest"):
        raise PermissionDenied
    letter = get_object_or_404(RevocationRequest.objects.select_related("order"), public_id=public_id)
    if not letter.letter:
        raise Http404("Nenhuma carta foi enviada neste pedido.")
    return private_file_response(
        letter_file_open(request=letter, actor=Actor.from_request(request)),
        content_type=letter.letter_content_type,
        filename=letter.letter_original_name,
    )
