from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from tecnosign.audit.services import Actor
from tecnosign.http import client_ip
from tecnosign.page_cache import catalog_cached, public_form_page, public_page

from .decorators import customer_order_page
from .eligibility import videoconference_eligibility
from .forms import AccessLinkForm, CnpjCheckoutForm, CpfCheckoutForm, OrderLookupForm
from .models import Order
from .selectors import order_deadlines, order_history, order_page_version, order_status_events, order_timeline
from .services.access import LookupFailed, LookupLocked, grant_access, order_lookup
from .services.checkout import CheckoutError, order_create
from .services.link_visits import link_register_visit
from .services.links import (
    LinkUnavailable,
    ProductNotAllowed,
    link_check,
    link_pricing,
    link_product,
    link_products,
    link_resolve,
)
from .validity import certificate_validity
from .views_payment import allow_card_checkout


def _link_unavailable(request, error: LinkUnavailable):
    return render(request, "orders/link_unavailable.html", {"message": error.message}, status=error.status)


def link_page(request, code: str):
    """The link's products chosen as the big stores do, on one page and without JavaScript (plain GET links): who the
    certificate is for (e-CPF / e-CNPJ), then A1 or A3, then the medium and validity. A step with one answer only is
    taken for the customer."""
    page_key = f"link:{code.strip().lower()}"
    try:
        # The link as of the catalog version (any change to a link, its partner or a product moves it), checked
        # again now: an expiry date passes without any change.
        link = link_check(catalog_cached(request, f"link:{page_key}", lambda: link_resolve(code), page=page_key))
    except LinkUnavailable as error:
        return _link_unavailable(request, error)
    if not ({"para", "tipo"} & request.GET.keys()):
        link_register_visit(link)  # the landing; a step chosen on the page (?para=, &tipo=) is the same visit

    def build():
        try:
            fresh = link_resolve(code)  # read after the page cache's version: never older than the version
        except LinkUnavailable as error:  # changed in between
            return _link_unavailable(request, error)
        offers = [
            {
                "product": product,
                "pricing": link_pricing(fresh, product),
                "validity": certificate_validity(product.validity_months),
            }
            for product in link_products(fresh)
        ]
        holders = _choices(offers, "holder_type", HOLDER_CHOICES)
        holder = _chosen(request.GET.get("para"), holders)
        kinds = _choices([o for o in offers if o["product"].holder_type == holder], "certificate_type", KIND_CHOICES)
        kind = _chosen(request.GET.get("tipo"), kinds) if holder else None
        shown = [o for o in offers if o["product"].holder_type == holder and o["product"].certificate_type == kind]
        context = {
            "link": fresh,
            "offers": offers,
            "holders": holders,
            "holder": holder,
            "kinds": kinds,
            "kind": kind,
            "shown": shown,
            "discount": max((o["pricing"].discount for o in offers), default=0),
        }
        return render(request, "orders/link.html", context)

    # Availability and the visit are checked and counted above at every request; only the HTML is shared (the page
    # without a query string: a step chosen through ?para=/&tipo= is rendered for its request).
    # no-cache: a browser or proxy may keep it but asks again, so every visit reaches the counter.
    return public_page(request, page_key, build, no_cache=True)


# The link page's first two steps: (value, title, one line that helps choose).
HOLDER_CHOICES = {
    "cpf": ("Para você", "e-CPF, pessoa física: assinar documentos, Receita Federal, gov.br."),
    "cnpj": ("Para a sua empresa", "e-CNPJ, pessoa jurídica: notas fiscais, eSocial, Receita Federal da empresa."),
}
KIND_CHOICES = {
    "A1": ("A1 — arquivo no computador", "Instalado no computador, vale 12 meses, emitido on-line: o mais prático."),
    "A3": (
        "A3 — token ou cartão",
        "Fica numa mídia que você leva consigo, vale até 24 meses: para usar em vários computadores.",
    ),
    "SE-S": ("Selo eletrônico (software)", "Para sistemas que assinam em nome da empresa."),
    "SE-H": ("Selo eletrônico (hardware)", "Para sistemas que assinam em nome da empresa, em hardware."),
}


def _choices(offers: list[dict], attribute: str, labels: dict) -> list[dict]:
    """The values of `attribute` among the offers, in the catalogue's order, each with its lowest price."""
    lowest: dict[str, object] = {}
    for offer in offers:
        value = getattr(offer["product"], attribute)
        price = offer["pricing"].price
        if value not in lowest or price < lowest[value]:
            lowest[value] = price
    return [
        {
            "value": value,
            "title": labels.get(value, (value, ""))[0],
            "hint": labels.get(value, (value, ""))[1],
            "from_price": price,
        }
        for value, price in lowest.items()
    ]


def _chosen(asked: str | None, choices: list[dict]) -> str | None:
    values = [choice["value"] for choice in choices]
    if len(values) == 1:
        return values[0]
    return asked if asked in values else None


@require_http_methods(["GET", "POST"])
def checkout(request, code: str, product_code: str):
    try:
        link = link_resolve(code)
        product = link_product(link, product_code)
    except LinkUnavailable as error:
        return _link_unavailable(request, error)
    except ProductNotAllowed as error:
        raise Http404(error.message) from error
    form_class = CnpjCheckoutForm if product.is_for_company else CpfCheckoutForm
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            order = order_create(
                link=link,
                product_code=product.code,
                holder=form.holder(),
                issuance_password=form.cleaned_data["issuance_password"],
                revocation_password=form.cleaned_data["revocation_password"],
                lgpd_consent=form.cleaned_data["lgpd_consent"],
                actor=Actor.from_request(request, label="cliente"),
            )
        except LinkUnavailable as error:
            return _link_unavailable(request, error)
        except CheckoutError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            grant_access(request.session, order)
            messages.success(request, f"Pedido {order.number} criado. Enviamos os detalhes para {order.email}.")
            return redirect("orders:detail", number=order.number)
    context = {
        "link": link,
        "product": product,
        "pricing": link_pricing(link, product),
        "validity": certificate_validity(product.validity_months),
        "needs_biometrics": not videoconference_eligibility(validity_months=product.validity_months, cpf="").eligible,
        "form": form,
        "lgpd_version": settings.LGPD_CONSENT_VERSION,  # the notice's version the consent records
    }
    return render(request, "orders/checkout.html", context, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def order_lookup_view(request):
    if request.method == "GET":  # the empty form: the same page for every visitor (tecnosign.page_cache)
        return public_form_page(
            request, "order-lookup", lambda context: _lookup_page(request, OrderLookupForm(), context)
        )
    form = OrderLookupForm(request.POST)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            order = order_lookup(
                number=form.cleaned_data["number"], document=form.cleaned_data["document"], ip=client_ip(request)
            )
        except LookupLocked as error:
            form.add_error(None, error.message)
            status = 429
        except LookupFailed as error:
            form.add_error(None, error.message)
            status = 404
        else:
            grant_access(request.session, order)
            return redirect("orders:detail", number=order.number)
    return _lookup_page(request, form, status=status)


def _lookup_page(request, form: OrderLookupForm, extra: dict | None = None, *, status: int = 200):
    # Locked out by failures (maybe someone else's): the link to the e-mail on file still gets the holder in.
    link_form = AccessLinkForm(initial={"number": form.cleaned_data["number"]} if status == 429 else None)
    context = {"form": form, "link_form": link_form, "locked": status == 429, **(extra or {})}
    return render(request, "orders/lookup.html", context, status=status)


@customer_order_page(page="order", data_version=order_page_version)
def order_detail(request, order: Order):
    return order_detail_page(request, order)


def order_detail_page(request, order: Order, *, status: int = 200, **extra):
    """The order page; `extra` carries a section's bound form with its errors (the documents' upload)."""
    events = order_status_events(order)
    context = {
        "order": order,
        "timeline": order_timeline(order, events, order_deadlines(order)),
        "history": order_history(order, events),
        **extra,
    }
    return allow_card_checkout(render(request, "orders/detail.html", context, status=status))
