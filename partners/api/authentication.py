from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from tecnosign.audit.services import Actor
from tecnosign.http import client_ip

from ..models import ApiToken
from ..services.tokens import api_token_authenticate


class ApiTokenAuthentication(BaseAuthentication):
    """`Authorization: Bearer tsk_…` — the key a partner created in the portal."""

    keyword = b"bearer"

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed("Use o cabeçalho “Authorization: Bearer <chave>”.")
        try:
            key = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("Chave de API inválida ou revogada.") from None
        token = api_token_authenticate(key)
        if token is None:
            raise exceptions.AuthenticationFailed("Chave de API inválida ou revogada.")
        return token.partner.user, token

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "partners.api.authentication.ApiTokenAuthentication"
    name = "ChaveDeAPI"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A chave criada em Área do parceiro → Chaves de API, no cabeçalho Authorization.",
        }


def api_actor(request) -> Actor:
    token: ApiToken = request.auth
    return Actor(
        user=token.partner.user, label=f"API {token.prefix}… ({token.partner.name})"[:150], ip=client_ip(request)
    )
