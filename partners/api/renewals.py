"""The partner's clients' certificates ending in the next 30/60/90 days, and sending a client the renewal link."""

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from renewal.selectors import EXPIRING_WINDOWS, days_left, partner_certificates_ending
from renewal.services.links import RenewalLinkRefused, renewal_link_send

from ..masking import mask_email
from .authentication import api_actor
from .views import ERRORS, READ_ERRORS


class ExpiringCertificateSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    order = serializers.CharField(help_text="Número do pedido que emitiu o certificado.")
    holder_name = serializers.CharField()
    product = serializers.CharField(help_text="Código do produto.")
    serial = serializers.CharField()
    not_after = serializers.DateTimeField()
    days_left = serializers.IntegerField()
    email = serializers.CharField(help_text="E-mail do titular, mascarado.")


class LinkSentSerializer(serializers.Serializer):
    sent_to = serializers.CharField()


def _row(certificate) -> dict:
    order = certificate.order
    return {
        "id": certificate.pk,
        "order": order.number,
        "holder_name": order.holder_name,
        "product": order.product.code,
        "serial": certificate.serial,
        "not_after": certificate.not_after,
        "days_left": days_left(certificate),
        "email": mask_email(order.email),
    }


@extend_schema(tags=["renovações"])
class RenewalViewSet(viewsets.ViewSet):
    lookup_value_regex = "[0-9]{1,18}"

    @extend_schema(
        summary="Certificados dos clientes que vencem em breve",
        parameters=[
            OpenApiParameter("days", OpenApiTypes.INT, enum=list(EXPIRING_WINDOWS), description="30, 60 ou 90 dias")
        ],
        responses={200: ExpiringCertificateSerializer(many=True), **READ_ERRORS},
    )
    def list(self, request):
        try:
            days = int(request.query_params.get("days", EXPIRING_WINDOWS[0]))
        except ValueError:
            days = 0
        if days not in EXPIRING_WINDOWS:
            raise serializers.ValidationError({"days": ["Use 30, 60 ou 90."]})
        certificates = partner_certificates_ending(request.auth.partner, within_days=days)[:500]
        return Response(ExpiringCertificateSerializer([_row(c) for c in certificates], many=True).data)

    @extend_schema(
        summary="Enviar ao cliente o link de renovação", request=None, responses={200: LinkSentSerializer, **ERRORS}
    )
    @action(detail=True, methods=["post"], url_path="send-link")
    def send_link(self, request, pk=None):
        try:
            certificate = renewal_link_send(
                partner=request.auth.partner, certificate_id=int(pk), actor=api_actor(request)
            )
        except (RenewalLinkRefused, ValueError):
            raise Http404 from None
        return Response({"sent_to": mask_email(certificate.order.email)})
