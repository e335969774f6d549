import re

import pytest

pytestmark = pytest.mark.django_db


def test_the_media_help_index_lists_every_media_of_the_catalog(client):
    response = client.get("/ajuda/midias/")

    assert response.status_code == 200
    for name, tool, url in [
        ("Token SafeNet eToken e cartão Gemalto", "SafeNet Authentication Client", "/ajuda/midias/safenet-gemalto/"),
        ("Cartão IDEMIA", "AWP Identity Manager", "/ajuda/midias/idemia/"),
        ("Mídias GD e Morpho", "Administração de token", "/ajuda/midias/gd-morpho/"),
    ]:
        assert name in response.text and tool in response.text and f'href="{url}"' in response.text
    assert 'href="/token/"' in response.text


@pytest.mark.parametrize(
    ("slug", "expected"),
    [
        ("safenet-gemalto", ["Modificar senha do token", "Excluir conteúdo do token", "senha de uso da mídia"]),
        ("idemia", ["Alterar PIN", "Apagar token", "Digite o PUK do cartão", "novo rótulo"]),
        ("gd-morpho", ["Administração de token", "Alterar PUK", "Apagar token", "o rótulo (nome)"]),
    ],
)
def test_each_media_page_has_the_vendor_tool_steps(client, slug, expected):
    response = client.get(f"/ajuda/midias/{slug}/")

    assert response.status_code == 200
    assert len(re.findall(r"<li>", response.text)) >= 8
    for text in expected:
        assert text in response.text


def test_an_unknown_media_is_not_found(client):
    assert client.get("/ajuda/midias/marca-inexistente/").status_code == 404


def test_the_self_service_page_loads_its_own_script_and_nothing_from_outside(client):
    response = client.get("/token/")

    assert response.status_code == 200
    assert '<script src="/static/tokens/agente.js" defer></script>' in response.text
    assert 'data-default-url="http://127.0.0.1:47115"' in response.text
    assert "python -m tokens.agent --portal-origin http://testserver" in response.text
    assert not re.search(r'(src|href)="(https?:)?//', response.text)
    for operation in ("pin", "puk", "unblock", "erase"):
        assert f'data-operation="{operation}"' in response.text
