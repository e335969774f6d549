"""What people type and click in the journeys, shared by the end-to-end tests."""

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


def admin_login(page, username: str) -> None:
    page.goto("/admin/")
    page.fill("#id_username", username)
    page.fill("#id_password", STAFF_PASSWORD)
    page.get_by_role("button", name="Acessar").click()
    page.wait_for_selector("#atalhos")
