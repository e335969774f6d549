"""What the API reads and writes. Holder data is validated by the checkout forms themselves, not re-coded here."""

from dataclasses import replace

from django.conf import settings
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from orders.forms import SECRET_FIELDS, CnpjHolderForm, CpfHolderForm
from orders.models import CommissionEntry, Order, Product, ReferralLink
from orders.services.links import LinkUnavailable, ProductNotAllowed, link_check, link_pricing, link_product

from ..selectors import link_conversion


def absolute(path: str) -> str:
    return settings.SITE_URL + path


class ProductOfferSerializer(serializers.Serializer):
    code = serializers.CharField(source="product.code")
    name = serializers.CharField(source="product.name")
    holder_type = serializers.ChoiceField(source="product.holder_type", choices=Product.HolderType.choices)
    certificate_type = serializers.ChoiceField(
        source="product.certificate_type", choices=Product.CertificateType.choices
    )
    media = serializers.ChoiceField(source="product.media", choices=Product.Media.choices)
    validity_months = serializers.IntegerField(source="product.validity_months")
    validity_end_if_issued_today = serializers.DateField(source="validity.end")
    validity_capped = serializers.BooleanField(source="validity.capped")
    list_price = serializers.DecimalField(max_digits=10, decimal_places=2, source="pricing.list_price")
    discount = serializers.DecimalField(max_digits=10, decimal_places=2, source="pricing.discount")
    price = serializers.DecimalField(max_digits=10, decimal_places=2, source="pricing.price")
    commission_percent = serializers.DecimalField(
        max_digits=5, decimal_places=2, source="pricing.commission_percent", allow_null=True
    )
    checkout_url = serializers.URLField()


class LinkSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    product = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    paid_orders = serializers.IntegerField(read_only=True)
    conversion_percent = serializers.SerializerMethodField()

    class Meta:
        model = ReferralLink
        fields = [
            "code",
            "name",
            "url",
            "product",
            "benefit",
            "commission_percent",
            "discount_percent",
            "discount_amount",
            "active",
            "expires_at",
            "max_uses",
            "visits",
            "orders_count",
            "paid_orders",
            "conversion_percent",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, link: ReferralLink) -> str:
        return absolute(reverse("orders:link", args=[link.code]))

    @extend_schema_field(serializers.DecimalField(max_digits=6, decimal_places=1, allow_null=True))
    def get_conversion_percent(self, link: ReferralLink):
        return link_conversion(link)


class LinkCreateSerializer(serializers.Serializer):
    """Types only: the rules (limits, one benefit value, dates) are the service's and answer per field."""

    name = serializers.CharField(max_length=100)
    product = serializers.SlugRelatedField(
        slug_field="code", queryset=Product.objects.filter(active=True), allow_null=True, required=False
    )
    benefit = serializers.ChoiceField(choices=ReferralLink.Benefit.choices)
    commission_percent = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True, required=False)
    discount_percent = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True, required=False)
    discount_amount = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True, required=False)
    expires_at = serializers.DateTimeField(allow_null=True, required=False)
    max_uses = serializers.IntegerField(min_value=1, max_value=1_000_000, allow_null=True, required=False)


class TimelineStepSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Order.Status.choices)
    label = serializers.CharField()
    state = serializers.ChoiceField(choices=[("done", "done"), ("current", "current"), ("todo", "todo")])
    at = serializers.DateTimeField(allow_null=True)


class HistoryEntrySerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    label = serializers.CharField()
    note = serializers.CharField(allow_blank=True)


class OrderSerializer(serializers.Serializer):
    """A client's order as the partner sees it: no documents, no passwords."""

    number = serializers.CharField(source="order.number")
    status = serializers.ChoiceField(source="order.status", choices=Order.Status.choices)
    status_label = serializers.CharField(source="order.get_status_display")
    state = serializers.CharField(help_text="A situação em palavras, como no painel do parceiro.")
    videoconference_at = serializers.DateTimeField(source="booking_start", allow_null=True)
    status_changed_at = serializers.DateTimeField(source="order.status_changed_at")
    created_at = serializers.DateTimeField(source="order.created_at")
    product = serializers.CharField(source="order.product.code")
    product_name = serializers.CharField(source="order.product.name")
    link = serializers.CharField(source="order.link.code", allow_null=True, default=None)
    holder_name = serializers.CharField(source="order.holder_name")
    holder_document = serializers.CharField(source="order.holder_document")
    person_name = serializers.CharField(source="order.person_name")
    email = serializers.EmailField(source="order.email")
    mobile = serializers.CharField(source="order.mobile")
    list_price = serializers.DecimalField(max_digits=10, decimal_places=2, source="order.list_price")
    discount = serializers.DecimalField(max_digits=10, decimal_places=2, source="order.discount")
    price = serializers.DecimalField(max_digits=10, decimal_places=2, source="order.price")
    commission_percent = serializers.DecimalField(
        max_digits=5, decimal_places=2, source="order.commission_percent", allow_null=True
    )


class OrderDetailSerializer(OrderSerializer):
    timeline = TimelineStepSerializer(many=True)
    history = HistoryEntrySerializer(many=True)


# What only the holder gives, on the page of the link we e-mail them. Refused from a partner, not ignored:
# an integration that still sends them must learn that the holder sets them.
HOLDER_ONLY = {
    "issuance_password": "A senha de emissão é criada pelo titular",
    "revocation_password": "A senha de revogação é criada pelo titular",
    "lgpd_consent": "O consentimento LGPD é dado pelo titular",
}
HOLDER_ONLY_SUFFIX = (
    ", na página do link que enviamos ao e-mail dele para confirmar o pedido. Não envie este campo: nem o parceiro "
    "nem a TecnoSign conhecem as senhas do titular."
)


class OrderCreateSerializer(serializers.Serializer):
    """An order on behalf of a client, through the same holder forms and rules as the web page.

    The client's passwords and LGPD consent are not the partner's to give: the order waits for the holder
    (`awaiting_holder`), who receives a link to confirm the data, consent and set both passwords.
    """

    link = serializers.SlugRelatedField(slug_field="code", queryset=ReferralLink.objects.none())
    product = serializers.CharField(max_length=60, help_text="Código do produto (veja /links/{code}/products/).")
    price = serializers.DecimalField(
        max_digits=10,
        decimal_places=2,
        required=False,
        help_text="Opcional: o preço que o seu sistema mostrou ao cliente. Se não for o preço atual, o pedido é "
        "recusado (400) em vez de feito por outro valor.",
    )
    person_name = serializers.CharField(max_length=150)
    person_cpf = serializers.CharField(max_length=14)
    person_birth_date = serializers.DateField()
    company_name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    cnpj = serializers.CharField(max_length=18, required=False, allow_blank=True, default="")
    email = serializers.CharField(max_length=254)
    mobile = serializers.CharField(max_length=20)
    pis_nis = serializers.CharField(max_length=14, required=False, allow_blank=True, default="")
    cei = serializers.CharField(max_length=15, required=False, allow_blank=True, default="")

    def __init__(self, *args, partner=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["link"].queryset = ReferralLink.objects.filter(partner=partner).select_related("partner", "product")

    def to_internal_value(self, data):
        sent = [name for name in (*HOLDER_ONLY, *SECRET_FIELDS) if isinstance(data, dict) and name in data]
        if sent:
            raise serializers.ValidationError(
                {
                    name: [
                        serializers.ErrorDetail(
                            HOLDER_ONLY.get(name, "As senhas são criadas pelo titular") + HOLDER_ONLY_SUFFIX,
                            code="set_by_holder",
                        )
                    ]
                    for name in sent
                }
            )
        return super().to_internal_value(data)

    def validate(self, attrs):
        link = attrs["link"]
        try:
            link_check(link)
            product = link_product(link, attrs["product"])
        except (LinkUnavailable, ProductNotAllowed) as error:
            field = "link" if isinstance(error, LinkUnavailable) else "product"
            raise serializers.ValidationError({field: [error.message]}, code=error.code) from error
        pricing = link_pricing(link, product)
        if "price" in attrs and attrs["price"] != pricing.price:
            raise serializers.ValidationError(
                {"price": [f"O preço deste produto neste link é {pricing.price}, não {attrs['price']}."]},
                code="price_mismatch",
            )
        form_class = CnpjHolderForm if product.is_for_company else CpfHolderForm
        form_data = {name: attrs.get(name, "") for name in form_class.base_fields}
        form_data.update(person_birth_date=attrs["person_birth_date"].isoformat())
        form = form_class(data=form_data)
        if not form.is_valid():
            raise serializers.ValidationError(
                {
                    field if field != "__all__" else "non_field_errors": [
                        serializers.ErrorDetail(error["message"], code=error["code"] or "invalid") for error in errors
                    ]
                    for field, errors in form.errors.get_json_data().items()
                }
            )
        holder = form.holder()
        if not product.is_for_company and (attrs.get("cnpj") or attrs.get("company_name")):
            # Let the checkout service refuse it with its own message, as it would for any other caller.
            holder = replace(holder, cnpj=attrs.get("cnpj", ""), company_name=attrs.get("company_name", ""))
        attrs["product_obj"] = product
        attrs["holder"] = holder
        return attrs


class CommissionEntrySerializer(serializers.ModelSerializer):
    order = serializers.CharField(source="order.number")
    holder_name = serializers.CharField(source="order.holder_name")

    class Meta:
        model = CommissionEntry
        fields = ["created_at", "kind", "order", "holder_name", "base_amount", "percent", "amount", "reason"]


class CommissionStatementSerializer(serializers.Serializer):
    month = serializers.SerializerMethodField()
    closed = serializers.BooleanField(source="is_closed")
    accrued = serializers.DecimalField(max_digits=12, decimal_places=2)
    reversed = serializers.DecimalField(max_digits=12, decimal_places=2)
    net = serializers.DecimalField(max_digits=12, decimal_places=2)
    paid = serializers.SerializerMethodField()
    paid_at = serializers.DateTimeField(source="payout.paid_at", allow_null=True, default=None)
    paid_amount = serializers.DecimalField(
        max_digits=10, decimal_places=2, source="payout.amount", allow_null=True, default=None
    )
    entries = CommissionEntrySerializer(many=True)

    def get_month(self, statement) -> str:
        return f"{statement.month:%Y-%m}"

    def get_paid(self, statement) -> bool:
        return statement.payout is not None
