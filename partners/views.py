"""The partner portal: registration, the dashboard of clients' orders, one order, the CSV export."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from orders.selectors import order_deadlines, order_history, order_status_events, order_timeline
from orders.services.holder_confirmation import HolderLinkResendRefused, order_holder_link_resend
from orders.services.partners import RegistrationConflict, partner_register, partner_update_profile
from renewal.selectors import partner_certificates_ending
from tecnosign.audit.services import Actor

from .csv_export import csv_response
from .decorators import partner_view
from .forms import FullExportForm, OrderFilterForm, PartnerProfileForm, PartnerRegistrationForm
from .masking import mask_cpf, mask_email, mask_mobile
from .selectors import order_rows, partner_order, partner_orders
from .services.orders import ResendRefused, order_payment_link_resend, orders_export_full_record

ORDERS_PER_PAGE = 25


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


def _filter_form(request, partner):
    links = list(partner.links.order_by("-created_at").only("id", "name", "code", "active"))
    return OrderFilterForm(request.GET or None, links=links), links


@partner_view(approved=False)
def dashboard(request, partner):
    if not partner.is_approved:
        return render(request, "partners/dashboard.html", {"partner": partner})
    form, links = _filter_form(request, partner)
    filters = form.filters()
    page = Paginator(partner_orders(partner, filters), ORDERS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "partner": partner,
        "form": form,
        "links": links,
        "page": page,
        "rows": order_rows(page.object_list),
        "query": query.urlencode(),
        "filtered": any(vars(filters).values()),
        "full_export_form": FullExportForm(),
        "expiring_30": partner_certificates_ending(partner, within_days=30).count(),
    }
    return render(request, "partners/dashboard.html", context)


@partner_view()
def orders_csv(request, partner):
    """The clients' orders as a spreadsheet, their CPF, e-mail and mobile masked: enough to follow each sale."""
    form, _ = _filter_form(request, partner)
    return _orders_csv(partner_orders(partner, form.filters()), full=False)


@require_POST
@partner_view()
def orders_csv_full(request, partner):
    """The same spreadsheet with CPF, e-mail and mobile in full: only on the partner's declared, audited choice."""
    form, _ = _filter_form(request, partner)  # the dashboard's filters travel in the query string
    confirmation = FullExportForm(request.POST)
    if not confirmation.is_valid():
        messages.error(request, confirmation.errors["confirm"][0])
        query = request.GET.urlencode()
        return redirect(reverse("partners:dashboard") + (f"?{query}" if query else ""))
    filters = form.filters()
    orders = partner_orders(partner, filters)
    orders_export_full_record(partner=partner, filters=filters, rows=orders.count(), actor=Actor.from_request(request))
    return _orders_csv(orders, full=True)


def _orders_csv(orders, *, full: bool):
    def rows():
        # Chunks keep memory flat; each chunk's booking times are read in one query.
        chunk = []
        for order in orders.iterator(chunk_size=500):
            chunk.append(order)
            if len(chunk) == 500:
                yield from _csv_rows(chunk, full=full)
                chunk = []
        yield from _csv_rows(chunk, full=full)

    header = [
        "Pedido",
        "Feito em",
        "Titular",
        "CPF/CNPJ",
        "Representante / titular",
        "E-mail",
        "Celular",
        "Produto",
        "Link",
        "Valor (R$)",
        "Desconto (R$)",
        "Comissão (%)",
        "Situação",
    ]
    filename = f"pedidos{'-completos' if full else ''}-{timezone.localdate():%Y-%m-%d}.csv"
    return csv_response(filename, header, rows())


def _csv_rows(orders, *, full: bool):
    for row in order_rows(orders):
        order = row.order
        yield [
            order.number,
            order.created_at,
            order.holder_name,
            # A company's CNPJ is public registry data; a person's CPF, e-mail and mobile are not.
            order.holder_document_display if full or order.is_company else mask_cpf(order.person_cpf),
            order.person_name,
            order.email if full else mask_email(order.email),
            order.mobile_display if full else mask_mobile(order.mobile),
            order.product.name,
            order.link.name if order.link else "",
            order.price,
            order.discount,
            order.commission_percent,
            row.state,
        ]


@partner_view()
def order_detail(request, partner, number: str):
    order = partner_order(partner, number)
    if order is None:
        raise Http404
    events = order_status_events(order)
    context = {
        "partner": partner,
        "row": order_rows([order])[0],
        "order": order,
        "timeline": order_timeline(order, events, order_deadlines(order)),
        "history": order_history(order, events),
        "holder_confirmation_days": settings.HOLDER_CONFIRMATION_DAYS,
        "holder_confirmation_links_per_day": settings.HOLDER_CONFIRMATION_LINKS_PER_DAY,
    }
    return render(request, "partners/order_detail.html", context)


@require_POST
@partner_view()
def order_resend_payment(request, partner, number: str):
    order = partner_order(partner, number)
    if order is None:
        raise Http404
    try:
        sent = order_payment_link_resend(partner=partner, order=order, actor=Actor.from_request(request))
    except ResendRefused as error:
        messages.error(request, error.message)
    else:
        if sent:
            messages.success(request, f"Enviamos o link de pagamento para {order.email}.")
        else:
            messages.info(request, f"O link de pagamento já foi reenviado hoje para {order.email}.")
    return redirect("partners:order", number=order.number)


@require_POST
@partner_view()
def order_resend_holder_link(request, partner, number: str):
    order = partner_order(partner, number)
    if order is None:
        raise Http404
    try:
        order_holder_link_resend(partner=partner, order=order, actor=Actor.from_request(request))
    except HolderLinkResendRefused as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Enviamos um novo link de confirmação para {order.email}.")
    return redirect("partners:order", number=order.number)


@require_http_methods(["GET", "POST"])
@partner_view(approved=False)
def profile(request, partner):
    initial = {"contact_name": partner.contact_name, "phone": partner.phone, "pix_key": partner.pix_key}
    form = PartnerProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        partner_update_profile(partner=partner, actor=Actor.from_request(request), **form.cleaned_data)
        messages.success(request, "Dados atualizados.")
        return redirect("partners:profile")
    context = {"partner": partner, "form": form}
    return render(request, "partners/profile.html", context, status=400 if form.errors else 200)
