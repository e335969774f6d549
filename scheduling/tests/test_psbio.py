"""The PSBio adapter against a fake CA base over mutual TLS, and the start-up checks of the biometric setting."""

import base64
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from scheduling.biometrics import (
    BiometricAnswer,
    BiometricError,
    BiometricMisconfigured,
    BiometricRejected,
    BiometricSample,
    BiometricUnavailable,
)
from scheduling.biometrics.psbio import PsbioBiometrics
from scheduling.checks import biometric_backend_check
from scheduling.models import BiometricMatch

from .backoffice import booked_order, face_jpeg, staff
from .fake_psbio import PASSWORD, USERNAME, FakePsbio, make_pki

CPF = "52998224725"


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return make_pki(tmp_path_factory.mktemp("psbio-pki"))


@pytest.fixture
def psbio(pki):
    fake = FakePsbio(pki)
    fake.start()
    yield fake
    fake.stop()


def adapter(psbio: FakePsbio, **overrides) -> PsbioBiometrics:
    options = {
        "base_url": psbio.url,
        "username": USERNAME,
        "password": PASSWORD,
        "ar_cnpj": "24680135000103",
        "timeout": 5,
        "client_cert": str(psbio.pki.client_cert),
        "client_key": str(psbio.pki.client_key),
        "ca_bundle": str(psbio.pki.ca),
        **overrides,
    }
    return PsbioBiometrics(**options)


def match(backend: PsbioBiometrics, cpf: str = CPF, reference: str | None = None) -> BiometricAnswer:
    return backend.match(
        cpf=cpf,
        sample=BiometricSample(face_jpeg(), "image/jpeg"),
        reference=reference or str(uuid.uuid4()),
        name_on_order="Maria da Silva",
    )


def test_a_positive_answer_brings_the_name_and_the_face_on_file_and_only_cpf_and_sample_leave(psbio):
    reference = str(uuid.uuid4())

    answer = match(adapter(psbio), reference=reference)

    assert (answer.result, answer.protocol, answer.name) == ("positivo", "PSB-000001", "MARIA DA SILVA")
    assert answer.face == face_jpeg() and answer.face_content_type == "image/jpeg"
    [request] = psbio.received
    assert request["headers"]["Idempotency-Key"] == reference
    body = request["body"]
    assert (body["cpf"], body["referencia"], body["ar"]) == (CPF, reference, "24680135000103")
    assert body["amostra"]["modalidade"] == "face" and base64.b64decode(body["amostra"]["dados"]) == face_jpeg()
    assert "Maria" not in str(body) and "nome" not in str(body)  # the name on the order never leaves the portal


@pytest.mark.parametrize(
    ("resultado", "expected"), [("negativo", BiometricAnswer.NEGATIVE), ("cpf_nao_consta", BiometricAnswer.NOT_IN_BASE)]
)
def test_negative_and_not_in_the_base_are_mapped(psbio, resultado, expected):
    psbio.answers[CPF] = (resultado, "")

    answer = match(adapter(psbio))

    assert (answer.result, answer.name, answer.face) == (expected, "", b"")
    assert answer.protocol == "PSB-000001"


def test_without_the_ar_client_certificate_the_base_refuses_the_connection(psbio):
    with pytest.raises(BiometricError):
        match(adapter(psbio, client_cert="", client_key=""))
    assert psbio.received == []


def test_a_server_not_signed_by_the_configured_ca_is_a_configuration_error(psbio, tmp_path):
    other = make_pki(tmp_path)

    with pytest.raises(BiometricMisconfigured, match="TLS failed"):
        match(adapter(psbio, ca_bundle=str(other.ca)))
    assert psbio.received == []


def test_wrong_credentials_are_a_configuration_error(psbio):
    with pytest.raises(BiometricMisconfigured, match="HTTP 401 credenciais inválidas"):
        match(adapter(psbio, password="errada"))


@pytest.mark.parametrize(
    ("failure", "error", "detail"),
    [
        (
            (503, b'{"erro": {"codigo": "ocupado", "mensagem": "tente mais tarde"}}', "application/json"),
            BiometricUnavailable,
            "HTTP 503 tente mais tarde",
        ),
        ((429, b"{}", "application/json"), BiometricUnavailable, "HTTP 429"),
        ((200, b"<html>proxy</html>", "text/html"), BiometricUnavailable, "not JSON"),
        ((200, b'{"resultado": "talvez", "protocolo": "1"}', "application/json"), BiometricUnavailable, "known"),
        (
            (200, b'{"resultado": "positivo", "protocolo": "1", "titular": {}}', "application/json"),
            BiometricUnavailable,
            "without the name",
        ),
    ],
)
def test_what_is_not_an_answer_is_never_a_result(psbio, failure, error, detail):
    psbio.failures.append(failure)

    with pytest.raises(error, match=detail):
        match(adapter(psbio))


def test_a_sample_the_base_cannot_use_is_refused_with_its_message(psbio):
    psbio.failures.append(
        (422, '{"erro": {"codigo": "amostra", "mensagem": "face não detectada"}}'.encode(), "application/json")
    )

    with pytest.raises(BiometricRejected) as refused:
        match(adapter(psbio))

    assert refused.value.message == "face não detectada"


def test_a_slow_base_is_unavailable_after_the_timeout(psbio):
    psbio.answer_delay = 1.0

    with pytest.raises(BiometricUnavailable, match=r"no answer within 0\.2s"):
        match(adapter(psbio, timeout=0.2))


def test_the_adapter_refuses_to_start_without_its_settings():
    with pytest.raises(BiometricMisconfigured):
        PsbioBiometrics(base_url="", username="", password="", ar_cnpj="1", timeout=1)
    with pytest.raises(BiometricMisconfigured, match="go together"):
        PsbioBiometrics(base_url="https://x", username="u", password="p", ar_cnpj="1", timeout=1, client_cert="c")


@pytest.mark.django_db
def test_the_dossier_asks_the_configured_psbio_and_keeps_its_protocol(psbio, settings, client, clock, on_commit, team):
    settings.BIOMETRIC_BACKEND, settings.PSBIO_URL = "psbio", psbio.url
    settings.PSBIO_USERNAME, settings.PSBIO_PASSWORD = USERNAME, PASSWORD
    settings.PSBIO_CLIENT_CERT, settings.PSBIO_CLIENT_KEY = str(psbio.pki.client_cert), str(psbio.pki.client_key)
    settings.PSBIO_CA_BUNDLE = str(psbio.pki.ca)
    _order, booking = booked_order(client, clock, on_commit)
    clock(2026, 11, 23, 10, 2)
    ana = staff(team["ana"])
    ana.post(f"/admin/scheduling/booking/{booking.pk}/iniciar/")
    ana.post(f"/admin/scheduling/booking/{booking.pk}/face/", {"image": SimpleUploadedFile("f.jpg", face_jpeg())})

    response = ana.post(f"/admin/scheduling/booking/{booking.pk}/psbio/", follow=True)

    match_row = BiometricMatch.objects.get()
    assert (match_row.backend, match_row.result, match_row.protocol) == ("psbio", "positivo", "PSB-000001")
    assert match_row.name_matches and "protocolo PSB-000001" in response.text
    assert psbio.received[0]["body"]["referencia"] == str(match_row.reference)


# --- start-up checks --------------------------------------------------------------------------------------------


def _ids(settings) -> list[str]:
    return [error.id for error in biometric_backend_check(None)]


def test_production_refuses_the_sandbox_base(settings):
    settings.DEBUG, settings.SANDBOX_ALLOWED, settings.BIOMETRIC_BACKEND = False, False, "sandbox"

    assert _ids(settings) == ["scheduling.E005"]
    settings.SANDBOX_ALLOWED = True  # staging
    assert _ids(settings) == []


def test_the_psbio_base_needs_its_address_and_credentials(settings):
    settings.DEBUG, settings.BIOMETRIC_BACKEND = False, "psbio"
    settings.PSBIO_URL = settings.PSBIO_USERNAME = settings.PSBIO_PASSWORD = ""
    settings.PSBIO_CLIENT_CERT = settings.PSBIO_CLIENT_KEY = ""

    assert _ids(settings) == ["scheduling.E006"]
    settings.PSBIO_URL, settings.PSBIO_USERNAME, settings.PSBIO_PASSWORD = "https://psbio.ac.test", "ar", "segredo"
    assert _ids(settings) == []
    settings.PSBIO_CLIENT_CERT = "/etc/tecnosign/psbio.pem"
    assert _ids(settings) == ["scheduling.E007"]
    settings.BIOMETRIC_BACKEND = "outra"
    assert _ids(settings) == ["scheduling.E004"]
