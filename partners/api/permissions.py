from rest_framework.permissions import BasePermission

from orders.models import Partner

from ..models import ApiToken


class IsApprovedPartner(BasePermission):
    """A live API token of a partner who may sell now (a suspended partner's keys stop working)."""

    message = "O cadastro de parceiro não está aprovado: a API está indisponível."

    def has_permission(self, request, view) -> bool:
        token = request.auth
        if not isinstance(token, ApiToken):
            return False
        return token.partner.status == Partner.Status.APPROVED
