"""The holder's rights from the order page, the e-mailed confirmation, the answer, and the privacy notice."""

import json
import re
from datetime import datetime, timedelta

from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from orders.decorators import customer_order_view
from orders.models import Order
from orders.services.holder_links import HolderLinkInvalid
from tecnosign.audit.services import Actor, audit_record

from .export import export_data, export_pdf
from .forms import FORMS
from .models import PrivacyRequest
from .services import (
    PrivacyRequestLimited,
    erased_anything,
    privacy_request_confirm,
    privacy_request_open,
    privacy_request_pending,
)

K, St = PrivacyRequest.Kind, PrivacyRequest.Status
SESSION_KEY = "privacy.granted"
# How long the browser that confirmed a request may open its answer (and download the copy).
ANSWER_HOURS = 1
_VERSION = re.compile(r"\d{4}-\d{2}")


def notice(request, version: str | None = None):
    """The privacy notice: the current version (the one consented to at checkout now), or an earlier one."""
    version = version or settings.LGPD_CONSENT_VERSION
    if not _VERSION.fullmatch(version):
        raise Http404("Versão desconhecida do aviso de privacidade.")
    try:
        get_template(f"privacy/notice/{version}.html")
    except TemplateDoesNotExist as error:
        raise Http404("Versão desconhecida do aviso de privacidade.") from error
    context = {
        "version": version,
        "current": version == settings.LGPD_CONSENT_VERSION,
        "controller": settings.LGPD_CONTROLLER_NAME,
        "controller_cnpj": settings.ICP_AR_CNPJ,
        "dpo_name": settings.LGPD_DPO_NAME,
        "dpo_email": settings.LGPD_DPO_EMAIL,
        "dossier_years": settings.RETENTION_DOCUMENTS_YEARS,
        "fiscal_years": settings.FISCAL_RECORDS_RETENTION_YEARS,
        "document_purge_days": settings.DOCUMENT_PURGE_DAYS,
    }
    return render(request, f"privacy/notice/{version}.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
@customer_order_view
def rights(request, order: Order):
    forms = {kind: form(initial={"kind": kind}, prefix=kind) for kind, form in FORMS.items()}
    status = 200
    if request.method == "POST":
        # Each form carries its kind under its own prefix: "<kind>-kind".
        kind = next((kind for kind in FORMS if request.POST.get(f"{kind}-kind") == kind), None)
        if kind is None:
            return redirect("privacy:rights", number=order.number)
        form = forms[kind] = FORMS[kind](request.POST, initial={"kind": kind}, prefix=kind)
        if form.is_valid():
            try:
                privacy_request_open(
                    order=order,
                    kind=kind,
                    actor=Actor.from_request(request, label="cliente"),
                    new_email=form.cleaned_data.get("new_email", ""),
                    new_mobile=form.cleaned_data.get("new_mobile", ""),
                )
            except PrivacyRequestLimited as error:
                form.add_error(None, error.message)
                status = 429
            else:
                return render(request, "privacy/requested.html", {"order": order, "kind": K(kind)})
        else:
            status = 400
    context = {"order": order, "forms": forms, "requests": order.privacy_requests.all()[:10]}
    return render(request, "privacy/rights.html", context, status=status)


def _grant(session, privacy_request: PrivacyRequest) -> None:
    granted = {
        key: value for key, value in session.get(SESSION_KEY, {}).items() if key != str(privacy_request.public_id)
    }
    expires = timezone.now() + timedelta(hours=ANSWER_HOURS)
    session[SESSION_KEY] = dict([*granted.items(), (str(privacy_request.public_id), expires.isoformat())][-10:])


def _granted(request, public_id) -> PrivacyRequest:
    expires = request.session.get(SESSION_KEY, {}).get(str(public_id))
    if not isinstance(expires, str) or datetime.fromisoformat(expires) < timezone.now():
        raise Http404("Esta resposta não está mais disponível neste navegador. Faça a solicitação de novo.")
    return get_object_or_404(PrivacyRequest.objects.select_related("order"), public_id=public_id)


@never_cache
@require_http_methods(["GET", "POST"])
def confirm(request, token: str):
    """GET shows one button (mail scanners spend nothing); POST confirms, acts, and shows the answer here."""
    if request.method == "POST":
        try:
            privacy_request = privacy_request_confirm(token=token, actor=Actor.from_request(request, label="cliente"))
        except HolderLinkInvalid as error:
            return render(request, "privacy/confirm.html", {"invalid": error.message}, status=410)
        if privacy_request.status == St.AWAITING_NEW_EMAIL:
            return render(request, "privacy/confirm.html", {"privacy_request": privacy_request, "sent_to_new": True})
        _grant(request.session, privacy_request)
        return redirect("privacy:result", public_id=privacy_request.public_id)
    privacy_request = privacy_request_pending(token)
    if privacy_request is None:
        message = "Este link não vale mais: já foi usado ou expirou. Faça a solicitação de novo pela página do pedido."
        return render(request, "privacy/confirm.html", {"invalid": message}, status=410)
    return render(request, "privacy/confirm.html", {"privacy_request": privacy_request})


@never_cache
@require_GET
def result(request, public_id):
    privacy_request = _granted(request, public_id)
    context = {"privacy_request": privacy_request, "erased": erased_anything(privacy_request)}
    return render(request, "privacy/result.html", context)


@never_cache
@require_GET
def download(request, public_id, fmt: str):
    privacy_request = _granted(request, public_id)
    if privacy_request.kind != K.EXPORT or fmt not in ("json", "pdf"):
        raise Http404("Não há cópia de dados nesta solicitação.")
    data = export_data(privacy_request)
    audit_record(
        action="privacy.exported",
        obj=privacy_request.order,
        actor=Actor.from_request(request, label="cliente"),
        after={"request": privacy_request.pk, "format": fmt, "orders": privacy_request.result.get("orders", [])},
    )
    if fmt == "json":
        body, content_type = json.dumps(data, ensure_ascii=False, indent=2).encode(), "application/json"
    else:
        body, content_type = export_pdf(data), "application/pdf"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="dados-pessoais-tecnosign.{fmt}"'
    return response
