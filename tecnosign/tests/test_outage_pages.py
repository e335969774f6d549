"""A database error outside any view (e.g. the session saved after it, in SessionMiddleware) is answered by
handler500 as the same clean 503 the outage middleware gives views: Portuguese, Retry-After, no exception text."""

import pytest
from django.contrib.sessions.middleware import SessionMiddleware
from django.db import OperationalError
from django.test import Client

pytestmark = pytest.mark.django_db


def _session_save_fails(monkeypatch, error: Exception):
    def process_response(self, request, response):
        raise error

    monkeypatch.setattr(SessionMiddleware, "process_response", process_response)


def test_a_database_error_after_the_view_is_a_503_not_a_500(monkeypatch):
    _session_save_fails(monkeypatch, OperationalError("server closed the connection unexpectedly"))

    response = Client(raise_request_exception=False).get("/pedido/")

    assert response.status_code == 503 and response["Retry-After"] == "30"
    assert "temporariamente indisponível" in response.text
    assert "server closed" not in response.text and "Traceback" not in response.text


def test_any_other_error_after_the_view_is_still_a_500(monkeypatch):
    _session_save_fails(monkeypatch, RuntimeError("a bug, not an outage"))

    response = Client(raise_request_exception=False).get("/pedido/")

    assert response.status_code == 500 and "a bug" not in response.text
