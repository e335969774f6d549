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
    page shows (and the recovery codes acknowledged); after that, the code the app shows now. A session still alive
    is kept."""
    page.goto("/admin/")
    page.wait_for_selector("#id_username, #atalhos")
    if page.locator("#id_username").count() == 0:
        return  # still signed in (and verified): the session has not lapsed
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


def open_order(page, number: str, cpf: str) -> None:
    """The holder opens the order page as anyone does: /pedido/ with the order number and the CPF."""
    page.goto("/pedido/")
    page.fill("#id_number", number)
    page.fill("#id_document", cpf)
    page.get_by_role("button", name="Ver pedido").click()
    page.wait_for_selector(f"h1:has-text('Pedido {number}')")


def accept_term(page) -> None:
    """On the order page: the term's section, the box ticked, accepted."""
    page.locator("#termo").scroll_into_view_if_needed()
    page.check("#id_accept")
    page.get_by_role("button", name="Aceitar o termo").click()
    page.wait_for_selector("text=Você aceitou o termo em")


def capture_face(staff) -> None:
    """In the dossier, in the call: the camera on (Chromium's fake one), two stills, the second confirmed."""
    staff.get_by_role("button", name="Ligar a câmera").click()
    staff.wait_for_function("() => document.querySelector('[data-video]').videoWidth > 0")
    staff.get_by_role("button", name="Capturar foto").click()
    staff.get_by_role("button", name="Capturar foto").click()
    staff.check("#face-still-1")
    staff.get_by_role("button", name="Confirmar a foto escolhida").click()
    staff.wait_for_selector("text=Foto do rosto guardada")


def ask_the_bases(staff) -> None:
    """In the dossier: the biometric base (PSBio) about the confirmed face, then the CA's Lista Negativa."""
    staff.get_by_role("button", name="Consultar a base biométrica (PSBio)").click()
    staff.wait_for_selector("text=Base biométrica:")
    staff.get_by_role("button", name="Consultar a Lista Negativa da AC").click()
    staff.wait_for_selector("text=Lista Negativa:")
