import django_filters

from orders.models import Order, ReferralLink

from ..selectors import OrderFilters, orders_filter


class OrderFilterSet(django_filters.FilterSet):
    """The dashboard's filters, applied by the same selector (dates are Brasília days, inclusive).

    The view's queryset is already the partner's own orders; this only narrows it.
    """

    status = django_filters.ChoiceFilter(choices=Order.Status.choices, method="noop")
    created_from = django_filters.DateFilter(method="noop", label="Feitos a partir de (AAAA-MM-DD)")
    created_to = django_filters.DateFilter(method="noop", label="Feitos até (AAAA-MM-DD)")
    link = django_filters.CharFilter(method="noop", max_length=16, label="Código do link")
    q = django_filters.CharFilter(method="noop", max_length=100, label="Nome, CPF/CNPJ ou número do pedido")

    class Meta:
        model = Order
        fields = []

    def noop(self, queryset, name, value):
        return queryset

    def filter_queryset(self, queryset):
        data = self.form.cleaned_data
        if data.get("link"):
            queryset = queryset.filter(link__code=data["link"].strip().lower())
        return orders_filter(
            queryset,
            OrderFilters(
                status=data.get("status") or "",
                created_from=data.get("created_from"),
                created_to=data.get("created_to"),
                query=data.get("q") or "",
            ),
        )


class LinkFilterSet(django_filters.FilterSet):
    active = django_filters.BooleanFilter()
    benefit = django_filters.ChoiceFilter(choices=ReferralLink.Benefit.choices)
    product = django_filters.CharFilter(field_name="product__code", max_length=60)

    class Meta:
        model = ReferralLink
        fields = ["active", "benefit", "product"]
