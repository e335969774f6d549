"""One error shape for every API response that is not a success.

    {"code": "invalid", "message": "Confira os campos informados.",
     "errors": [{"field": "person_cpf", "code": "invalid_cpf", "message": "CPF inválido. Confira os 11 dígitos."}]}

DomainError (a business rule) becomes a 400 with its code and field; DRF's own errors keep their status.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from .errors import DomainError


def _join(prefix: str | None, key) -> str | None:
    if key == api_settings.NON_FIELD_ERRORS_KEY:
        return prefix
    return f"{prefix}.{key}" if prefix else str(key)


def _flatten(detail, field: str | None = None) -> list[dict]:
    """DRF's nested {field: [{message, code}]} (lists, nested serializers) as a flat list of field errors."""
    if isinstance(detail, list):
        return [error for item in detail for error in _flatten(item, field)]
    if isinstance(detail, dict):
        if set(detail) == {"message", "code"}:
            return [{"field": field, "code": detail["code"], "message": str(detail["message"])}]
        return [error for key, value in detail.items() for error in _flatten(value, _join(field, key))]
    return [{"field": field, "code": "invalid", "message": str(detail)}]


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        errors = [{"field": exc.field, "code": exc.code, "message": exc.message}] if exc.field else []
        return Response(
            {"code": exc.code, "message": exc.message, "errors": errors}, status=status.HTTP_400_BAD_REQUEST
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        body = {
            "code": "invalid",
            "message": "Confira os campos informados.",
            "errors": _flatten(exc.get_full_details()),
        }
    else:
        detail = exc.detail
        body = {"code": getattr(detail, "code", None) or exc.default_code, "message": str(detail), "errors": []}
    response.data = body
    return response
