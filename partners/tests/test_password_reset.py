import re

import pytest
from django.core import mail

pytestmark = pytest.mark.django_db


def test_partner_resets_the_password_through_the_emailed_link(client, partner):
    login = client.get("/parceiros/entrar/")
    assert "/parceiros/senha/" in login.text

    response = client.post("/parceiros/senha/", {"email": partner.user.email})

    assert response.status_code == 302 and response["Location"] == "/parceiros/senha/enviada/"
    message = mail.outbox[-1]
    assert message.to == [partner.user.email] and "Nova senha" in message.subject
    link = re.search(r"http://testserver(/parceiros/senha/[^\s]+/)", message.body).group(1)
    form = client.get(link, follow=True)
    assert "Criar nova senha" in form.text
    done = client.post(
        form.redirect_chain[-1][0], {"new_password1": "Outra#Senha2026", "new_password2": "Outra#Senha2026"}
    )
    assert done["Location"] == "/parceiros/senha/concluida/"
    assert (
        client.post("/parceiros/entrar/", {"username": partner.user.username, "password": "Outra#Senha2026"})[
            "Location"
        ]
        == "/parceiros/"
    )
    assert "não é válido" in client.get(link, follow=True).text  # a used link does not work twice


def test_unknown_email_gets_the_same_answer_and_no_message(client):
    response = client.post("/parceiros/senha/", {"email": "ninguem@exemplo.com.br"})
    assert response["Location"] == "/parceiros/senha/enviada/" and mail.outbox == []


def test_reset_requests_are_limited_per_address(client, partner):
    for _ in range(5):
        client.post("/parceiros/senha/", {"email": partner.user.email})
    limited = client.post("/parceiros/senha/", {"email": partner.user.email})
    assert limited.status_code == 429 and "Muitos pedidos" in limited.text and len(mail.outbox) == 5
