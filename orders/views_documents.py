"""Uploading documents from the order page, and staff viewing them through the admin."""

from django.conf import settings
from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_POST

from tecnosign.audit.services import Actor
from tecnosign.http import private_file_response
from tecnosign.uploads import upload_limited

from .decorators import customer_order_view
from .forms_payment import DocumentUploadForm
from .models import Document, Order
from .selectors import staff_may_view_documents
from .services.documents import (
    UPLOAD_STATES,
    DocumentRefused,
    accepted_kinds,
    document_attach,
    document_open_for_staff,
)
from .views import order_detail_page


def _back(order: Order):
    response = redirect("orders:detail", number=order.number)
    response["Location"] += "#documentos"
    return response


@upload_limited(back="orders:detail", anchor="documentos", max_files=lambda: settings.DOCUMENT_MAX_FILES_PER_UPLOAD)
@require_POST
@customer_order_view
def documents_upload(request, order: Order):
    form = DocumentUploadForm(request.POST, request.FILES, kinds=accepted_kinds(order))
    if not form.is_valid():
        return _refused(request, order, form)
    replaces = None
    if form.cleaned_data.get("replaces"):
        replaces = order.documents.filter(pk=form.cleaned_data["replaces"]).first()
        if replaces is None or len(form.cleaned_data["files"]) != 1:
            messages.error(request, "Escolha um único arquivo para substituir o anterior.")
            return _back(order)
    actor = Actor.from_request(request, label="cliente")
    saved, refused = [], []
    for uploaded in form.cleaned_data["files"]:
        try:
            document = document_attach(
                order=order,
                kind=form.cleaned_data["kind"],
                identity_type=form.cleaned_data.get("identity_type", ""),
                uploaded=uploaded,
                actor=actor,
                replaces=replaces,
            )
        except DocumentRefused as error:
            refused.append(error.message)
        else:
            saved.append(document.original_name)
    if saved:
        messages.success(request, "Recebemos: " + ", ".join(saved) + ".")
    if refused:
        if replaces is not None:  # the replacement form is a small one inside the list: its refusal stays a banner
            for message in refused:
                messages.error(request, message)
            return _back(order)
        for message in refused:
            form.add_error("files", message)
        return _refused(request, order, form)
    return _back(order)


def _refused(request, order: Order, form: DocumentUploadForm):
    """The order page again, the refusal next to the file field and the chosen document type kept (a redirect to a
    banner at the top would lose both). A replacement's refusal (hidden fields only), or one where the page has no
    upload form (an unpaid order), stays a banner."""
    order.refresh_from_db()
    if form.data.get("replaces") or order.status not in UPLOAD_STATES:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return _back(order)
    return order_detail_page(request, order, status=400, document_form=form)


@xframe_options_sameorigin  # the dossier previews PDFs inline (an <object>)
@staff_member_required
def document_file(request, public_id):
    """The file itself, for staff whose work needs this order's documents now (`documents_visible_to`); by a
    random identifier, never the pk; never cached. Every opening is audited."""
    if not request.user.has_perm("orders.view_document"):
        raise PermissionDenied
    document = get_object_or_404(Document.objects.select_related("order"), public_id=public_id)
    if not staff_may_view_documents(request.user, document.order):
        raise PermissionDenied
    if not document.file:
        raise Http404("O arquivo foi eliminado pela política de retenção.")
    return private_file_response(
        document_open_for_staff(document=document, actor=Actor.from_request(request)),
        content_type=document.content_type,
        filename=document.original_name,
        as_attachment=request.GET.get("download") == "1",
        framed_by_portal=True,
    )
