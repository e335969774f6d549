"""What people type and click in the journeys, shared by the end-to-end tests."""

from base64 import b32decode

from django.contrib.auth import get_user_model
from django_otp.oath import totp

from tecnosign.tests.auth import totp_code, totp_device

CPF = "529.982.247-25"
ISSUANCE_PASSWORD = "Emissao#2026"
REVOCATION_PASSWORD = "Revoga#2026x"
STAFF_PASSWORD = "senha-de-teste-123"  # UserFactory's


def fill_holder(page, *, cpf: str) -> None:
    page.fill("#id_person_name", "Maria da Silva")
    page.fill("#id_person_cpf", cpf)
    page.fill("#id_person_birth_date", "1985-04-12")
    page.fill("#id_email", "maria@exemplo.com.br")
    page.fill("#id_mobile", "(11) 98765-4321")
    fill_passwords(page)
    page.check("#id_lgpd_consent")


def fill_passwords(page) -> None:
    page.fill("#id_issuance_password", ISSUANCE_PASSWORD)
    page.fill("#id_issuance_password_confirm", ISSUANCE_PASSWORD)
    page.fill("#id_revocation_password", REVOCATION_PASSWORD)
    page.fill("#id_revocation_password_confirm", REVOCATION_PASSWORD)


def app_code(secret: str) -> str:
    """What an authenticator app shows for the key the set-up page printed (base32, in groups of four)."""
    return f"{totp(b32decode(secret.replace(' ', ''))):06d}"


def admin_login(page, username: str) -> None:
    """The password, then the second factor as the person would: the first time, the app is set up with the key the
    page shows (and the recovery codes acknowledged); after that, the code the app shows now."""
    page.goto("/admin/")
    page.fill("#id_username", username)
    page.fill("#id_password", STAFF_PASSWORD)
    page.get_by_role("button", name="Acessar").click()
    page.wait_for_selector("h1:has-text('Verificação em duas etapas'), h1:has-text('Confirme que é você')")
    if "/verificar/" in page.url:
        page.fill("#id_code", totp_code(totp_device(get_user_model().objects.get(username=username))))
        page.get_by_role("button", name="Confirmar").click()
    else:
        page.fill("#id_code", app_code(page.inner_text("#totp-secret")))
        page.get_by_role("button", name="Ativar o aplicativo").click()
        page.wait_for_selector("#recovery-codes")
        page.get_by_role("link", name="Continuar").click()
    page.wait_for_selector("#atalhos")
