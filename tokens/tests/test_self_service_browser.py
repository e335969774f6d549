"""The self-service page in a real browser (Debian's Chromium through Playwright) driving a real agent."""

import shutil

import pytest

from tokens.client import PinIncorrect

from .harness import SO_PIN, USER_PIN, start_agent

pytestmark = [pytest.mark.softhsm, pytest.mark.browser]


@pytest.fixture
def browser_page():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=shutil.which("chromium"), args=["--no-sandbox"])
        page = browser.new_context().new_page()  # a context of its own: a test may open a second tab in it
        page.set_default_timeout(20_000)
        yield page
        browser.close()


@pytest.fixture
def portal_agent(live_server, softhsm, tmp_path):
    """An agent that allows the live portal's origin (the page is on localhost, the agent on 127.0.0.1)."""
    running = start_agent(softhsm, tmp_path / "agent.json", origin=live_server.url)
    yield running
    running.stop()


LOCAL_STORAGE = "() => Object.fromEntries(Object.keys(localStorage).map(key => [key, localStorage.getItem(key)]))"
SESSION_STORAGE = LOCAL_STORAGE.replace("localStorage", "sessionStorage")


def _connect(page, live_server, agent, *, remember=False):
    page.goto(f"{live_server.url}/token/")
    page.fill("#agente-url", agent.url)
    page.fill("#agente-codigo", agent.pairing_code.lower())
    if remember:
        page.check("#agente-lembrar")
    page.click("#form-conectar button[type=submit]")
    page.wait_for_selector("#agente-mensagem .alert-success")
    # The pairing code opens the agent: it stays in this tab's sessionStorage, never on disk.
    assert page.evaluate(LOCAL_STORAGE) == ({"tecnosign-agente-endereco": agent.url} if remember else {})


def test_the_customer_pairs_and_changes_the_pin_from_the_browser(browser_page, live_server, portal_agent, softhsm):
    page = browser_page
    _connect(page, live_server, portal_agent)

    assert "Agente conectado" in page.inner_text("#agente-mensagem")
    assert f"TITULAR — SoftHSM project SoftHSM v2, série {softhsm.serial}" in page.inner_text("#lista-midias")
    assert "PIN definido" in page.inner_text("#lista-midias")

    page.fill("#pin-atual", "0000")
    page.fill("#pin-novo", "Nova#2026")
    page.fill("#pin-novo2", "Nova#2026")
    page.click("form[data-operation=pin] button[type=submit]")
    page.wait_for_selector("#agente-mensagem .alert-error")
    assert "PIN incorreto." in page.inner_text("#agente-mensagem")

    page.fill("#pin-atual", USER_PIN)
    page.fill("#pin-novo", "Nova#2026")
    page.fill("#pin-novo2", "Nova#2026")
    page.click("form[data-operation=pin] button[type=submit]")
    page.wait_for_selector("#agente-mensagem .alert-success")

    assert page.inner_text("#agente-mensagem") == "PIN trocado."
    assert portal_agent.client().list_objects(softhsm.serial, pin="Nova#2026")["logged_in"] is True


def test_the_pairing_code_is_kept_for_the_tab_only_and_lembrar_keeps_just_the_address(
    browser_page, live_server, portal_agent
):
    page = browser_page
    page.goto(f"{live_server.url}/token/")
    # What an earlier version of the page left behind when "lembrar" was ticked: the code itself.
    page.evaluate("() => localStorage.setItem('tecnosign-agente', JSON.stringify({url: 'x', code: 'ABCD-EFGH'}))")

    _connect(page, live_server, portal_agent, remember=True)
    in_this_tab = page.evaluate(SESSION_STORAGE)
    page.reload()
    page.wait_for_selector("#agente-mensagem .alert-success")  # the same tab reconnects by itself
    other_tab = page.context.new_page()  # same computer (localStorage), a new tab (empty sessionStorage)
    other_tab.set_default_timeout(20_000)
    other_tab.goto(f"{live_server.url}/token/")

    code = portal_agent.pairing_code.lower()
    assert code in in_this_tab["tecnosign-agente"]
    assert page.evaluate(LOCAL_STORAGE) == {"tecnosign-agente-endereco": portal_agent.url}
    assert other_tab.input_value("#agente-url") == portal_agent.url and other_tab.is_checked("#agente-lembrar")
    assert other_tab.input_value("#agente-codigo") == ""
    assert other_tab.is_hidden("#secao-midias")

    page.click("#agente-esquecer")
    assert page.evaluate(LOCAL_STORAGE) == {} and page.evaluate(SESSION_STORAGE) == {}


def test_the_customer_erases_the_media_after_seeing_what_goes(browser_page, live_server, portal_agent, softhsm):
    portal_agent.client().generate_key(softhsm.serial, pin=USER_PIN, label="Certificado antigo")
    page = browser_page
    _connect(page, live_server, portal_agent)

    page.click("#ver-apagar")
    page.wait_for_selector("#apagar-detalhes:not([hidden])")
    assert page.inner_text("#apagar-lista") == "Certificado antigo"
    page.wait_for_selector("#agente-mensagem:empty", state="attached")  # no "Aguarde…" left behind
    page.fill("#apagar-puk", SO_PIN)
    page.fill("#apagar-nome", "MINHA MIDIA")
    page.fill("#apagar-pin", "2468")
    page.fill("#apagar-pin2", "2468")
    page.click("form[data-operation=erase] button[type=submit]")
    page.wait_for_selector("#agente-mensagem .alert-error")
    assert "Marque a confirmação" in page.inner_text("#agente-mensagem")
    page.check("#apagar-confirmo")
    page.click("form[data-operation=erase] button[type=submit]")
    page.wait_for_selector("#agente-mensagem .alert-success")

    assert page.inner_text("#agente-mensagem") == "Mídia apagada."
    page.wait_for_selector("#lista-midias label:has-text('MINHA MIDIA')")
    client = portal_agent.client()
    assert client.list_objects(softhsm.serial, pin="2468")["objects"] == []
    with pytest.raises(PinIncorrect):
        client.list_objects(softhsm.serial, pin=USER_PIN)


def test_a_page_from_another_origin_cannot_use_the_agent(browser_page, live_server, softhsm, tmp_path):
    agent = start_agent(softhsm, tmp_path / "agent.json", origin="https://portal.tecnosign.example")
    try:
        page = browser_page
        page.goto(f"{live_server.url}/token/")
        page.fill("#agente-url", agent.url)
        page.fill("#agente-codigo", agent.pairing_code)
        page.click("#form-conectar button[type=submit]")
        page.wait_for_selector("#agente-mensagem .alert-error")

        assert "Não foi possível falar com o agente" in page.inner_text("#agente-mensagem")
        assert page.is_hidden("#secao-midias")
    finally:
        agent.stop()
