from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from orders.models import Order, ReferralLink
from orders.selectors import order_history, order_status_events, order_timeline
from orders.services.checkout import order_create_for_holder
from orders.services.holder_confirmation import order_holder_link_resend
from orders.services.links import link_pricing, link_products
from orders.services.referral_links import LinkTerms, referral_link_set_active
from orders.validity import certificate_validity

from ..forms import parse_month
from ..selectors import commission_statement, month_start, order_rows, partner_links, partner_order, partner_orders
from ..services.links import link_create
from ..services.orders import order_payment_link_resend
from .authentication import api_actor
from .filters import LinkFilterSet, OrderFilterSet
from .serializers import (
    CommissionStatementSerializer,
    LinkCreateSerializer,
    LinkSerializer,
    OrderCreateSerializer,
    OrderDetailSerializer,
    OrderSerializer,
    ProductOfferSerializer,
    absolute,
)


class ErrorSerializer(serializers.Serializer):
    class FieldErrorSerializer(serializers.Serializer):
        field = serializers.CharField(allow_null=True)
        code = serializers.CharField()
        message = serializers.CharField()

    code = serializers.CharField()
    message = serializers.CharField()
    errors = FieldErrorSerializer(many=True)


ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="Dados inválidos: a mensagem de cada campo em `errors`."),
    401: OpenApiResponse(ErrorSerializer, description="Chave ausente, inválida ou revogada."),
    403: OpenApiResponse(ErrorSerializer, description="Parceiro não aprovado (suspenso)."),
    404: OpenApiResponse(ErrorSerializer, description="Não encontrado (ou de outro parceiro)."),
    429: OpenApiResponse(ErrorSerializer, description="Limite de chamadas por minuto atingido."),
}
READ_ERRORS = {code: ERRORS[code] for code in (400, 401, 403, 404, 429)}


def _partner(request):
    return request.auth.partner


@extend_schema(tags=["links"])
class LinkViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = LinkSerializer
    filterset_class = LinkFilterSet
    lookup_field = "code"
    lookup_value_regex = "[a-z0-9]{1,16}"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular inspecting the view for the schema
            return ReferralLink.objects.none()
        return partner_links(_partner(self.request))

    @extend_schema(summary="Links do parceiro", responses={200: LinkSerializer(many=True), **READ_ERRORS})
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(summary="Um link", responses={200: LinkSerializer, **READ_ERRORS})
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(
        summary="Criar um link",
        request=LinkCreateSerializer,
        responses={201: LinkSerializer, **ERRORS},
    )
    def create(self, request):
        serializer = LinkCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        link = link_create(
            partner=_partner(request), terms=LinkTerms(**serializer.validated_data), actor=api_actor(request)
        )
        return Response(LinkSerializer(self.get_queryset().get(pk=link.pk)).data, status=status.HTTP_201_CREATED)

    def _set_active(self, request, active: bool):
        link = self.get_object()
        referral_link_set_active(link=link, active=active, actor=api_actor(request))
        return Response(LinkSerializer(self.get_queryset().get(pk=link.pk)).data)

    @extend_schema(summary="Pausar o link", request=None, responses={200: LinkSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def pause(self, request, code=None):
        return self._set_active(request, False)

    @extend_schema(summary="Retomar o link", request=None, responses={200: LinkSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def resume(self, request, code=None):
        return self._set_active(request, True)

    @extend_schema(
        summary="Produtos e preços do link",
        description="O que o link vende e por quanto, com o desconto do link já aplicado.",
        responses={200: ProductOfferSerializer(many=True), **READ_ERRORS},
        filters=False,
    )
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def products(self, request, code=None):
        link = self.get_object()
        offers = [
            {
                "product": product,
                "pricing": link_pricing(link, product),
                "validity": certificate_validity(product.validity_months),
                "checkout_url": absolute(reverse("orders:checkout", args=[link.code, product.code])),
            }
            for product in link_products(link)
        ]
        return Response(ProductOfferSerializer(offers, many=True).data)


@extend_schema(tags=["pedidos"])
class OrderViewSet(viewsets.GenericViewSet):
    filterset_class = OrderFilterSet
    lookup_field = "number"
    lookup_value_regex = "[A-Za-z0-9]{1,20}"
    serializer_class = OrderSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular inspecting the view for the schema
            return Order.objects.none()
        return partner_orders(_partner(self.request))

    def _order(self, number: str):
        order = partner_order(_partner(self.request), number)
        if order is None:
            raise Http404
        return order

    @extend_schema(summary="Pedidos dos clientes", responses={200: OrderSerializer(many=True), **READ_ERRORS})
    def list(self, request):
        orders = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(orders)
        return self.get_paginated_response(OrderSerializer(order_rows(page), many=True).data)

    @extend_schema(
        summary="Um pedido, com a linha do tempo", responses={200: OrderDetailSerializer, **READ_ERRORS}, filters=False
    )
    def retrieve(self, request, number=None):
        return Response(self._detail(self._order(number)))

    def _detail(self, order) -> dict:
        row = order_rows([order])[0]
        events = order_status_events(order)
        data = {
            **vars(row),
            "timeline": order_timeline(order, events),
            "history": order_history(order, events),
        }
        return OrderDetailSerializer(data).data

    @extend_schema(
        summary="Fazer um pedido para um cliente",
        description="As mesmas regras do formulário do link: CPF/CNPJ, celular, produto do link, preço do catálogo "
        "com o benefício do link. O pedido nasce em `awaiting_holder` (aguardando confirmação do titular): "
        "enviamos ao e-mail do cliente um link para conferir os dados, aceitar o termo LGPD e criar as senhas de "
        "emissão e de revogação; só então o pedido passa a `awaiting_payment`. As senhas e o consentimento são "
        "do titular: enviar `issuance_password`, `revocation_password` ou `lgpd_consent` é recusado (400, código "
        "`set_by_holder`). Sem confirmação, o pedido é cancelado quando o último link enviado expira "
        f"({settings.HOLDER_CONFIRMATION_DAYS} dias depois do envio).",
        request=OrderCreateSerializer,
        responses={201: OrderDetailSerializer, **ERRORS},
        filters=False,
    )
    def create(self, request):
        serializer = OrderCreateSerializer(data=request.data, partner=_partner(request))
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        order = order_create_for_holder(
            link=data["link"],
            product_code=data["product_obj"].code,
            holder=data["holder"],
            actor=api_actor(request),
        )
        return Response(self._detail(self._order(order.number)), status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Reenviar ao cliente o link de pagamento",
        description="No máximo um e-mail por pedido por dia; repetir no mesmo dia não envia outro.",
        request=None,
        responses={
            200: inline_serializer("ResendResult", {"sent": serializers.BooleanField()}),
            **ERRORS,
        },
        filters=False,
    )
    @action(detail=True, methods=["post"], url_path="resend-payment-link")
    def resend_payment_link(self, request, number=None):
        sent = order_payment_link_resend(partner=_partner(request), order=self._order(number), actor=api_actor(request))
        return Response({"sent": sent})

    @extend_schema(
        summary="Reenviar ao cliente o link de confirmação",
        description="Para um pedido em `awaiting_holder`: um novo link vai ao e-mail do cliente, válido pelo prazo "
        f"de confirmação a partir de agora (os anteriores continuam valendo). No máximo "
        f"{settings.HOLDER_CONFIRMATION_LINKS_PER_DAY} links por pedido em 24 horas; além disso, 400 com o código "
        "`too_many_links`. O link nunca é mostrado ao parceiro.",
        request=None,
        responses={
            200: inline_serializer(
                "HolderLinkResendResult",
                {"sent": serializers.BooleanField(), "expires_at": serializers.DateTimeField()},
            ),
            **ERRORS,
        },
        filters=False,
    )
    @action(detail=True, methods=["post"], url_path="resend-holder-link")
    def resend_holder_link(self, request, number=None):
        link = order_holder_link_resend(partner=_partner(request), order=self._order(number), actor=api_actor(request))
        return Response({"sent": True, "expires_at": serializers.DateTimeField().to_representation(link.expires_at)})


@extend_schema(
    tags=["comissões"],
    summary="Extrato de comissões do mês",
    parameters=[
        OpenApiParameter(
            "month", OpenApiTypes.STR, description="AAAA-MM (padrão: o mês atual)", pattern=r"^\d{4}-\d{2}$"
        )
    ],
    responses={200: CommissionStatementSerializer, **READ_ERRORS},
)
class CommissionStatementView(APIView):
    def get(self, request):
        raw = request.query_params.get("month")
        try:
            month = parse_month(raw) if raw else month_start(timezone.localdate())
        except DjangoValidationError as error:
            raise ValidationError({"month": error.messages}) from error
        return Response(CommissionStatementSerializer(commission_statement(_partner(request), month)).data)
