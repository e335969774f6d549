"""Adapter for the CA's PSBio query over HTTPS (IN ITI 12/2020), where a contracted CA's base plugs in.

The CA's PSBio interface is not public; the portal speaks this shape, and a real CA's names are mapped here and
nowhere else:

    POST <PSBIO_URL>/v1/consultas
    Authorization: Basic base64(PSBIO_USERNAME:PSBIO_PASSWORD)
    Idempotency-Key: <referencia>              (the portal's id of the query; a repeat gets the same answer)
    TLS client certificate PSBIO_CLIENT_CERT + PSBIO_CLIENT_KEY (the AR's), the server checked against
    PSBIO_CA_BUNDLE (or the system's CAs)
    {"cpf": "52998224725", "referencia": "<uuid>", "ar": "<ICP_AR_CNPJ>",
     "amostra": {"modalidade": "face", "formato": "image/jpeg", "dados": "<base64>"}}

    200 {"protocolo": "…", "resultado": "positivo",
         "titular": {"nome": "…", "face": {"formato": "image/jpeg", "dados": "<base64>"}}}
    200 {"protocolo": "…", "resultado": "negativo"}
    200 {"protocolo": "…", "resultado": "cpf_nao_consta"}
    4xx/5xx {"erro": {"codigo": "…", "mensagem": "…"}}: 401/403 → our credentials or certificate; 400/422 → the
    query itself (a sample the base cannot use: its message is shown to the agent); 408/429/5xx → try again.

Only the CPF and the sample leave the portal: never the name on the order.
"""

import base64

import requests

from .base import (
    BiometricAnswer,
    BiometricBackend,
    BiometricMisconfigured,
    BiometricRejected,
    BiometricSample,
    BiometricUnavailable,
)

RESULTS = {
    "positivo": BiometricAnswer.POSITIVE,
    "negativo": BiometricAnswer.NEGATIVE,
    "cpf_nao_consta": BiometricAnswer.NOT_IN_BASE,
}
FACE_FORMATS = ("image/jpeg", "image/png")


class PsbioBiometrics(BiometricBackend):
    name = "psbio"

    def __init__(
        self,
        *,
        base_url: str,
        username: str,
        password: str,
        ar_cnpj: str,
        timeout: float,
        client_cert: str = "",
        client_key: str = "",
        ca_bundle: str = "",
        session: requests.Session | None = None,
    ):
        if not base_url or not username or not password:
            raise BiometricMisconfigured("PSBIO_URL, PSBIO_USERNAME and PSBIO_PASSWORD must be set for psbio")
        if bool(client_cert) != bool(client_key):
            raise BiometricMisconfigured("PSBIO_CLIENT_CERT and PSBIO_CLIENT_KEY go together")
        self.url = base_url.rstrip("/") + "/v1/consultas"
        self.ar_cnpj = ar_cnpj
        self.timeout = timeout
        self.session = session or requests.Session()
        self.session.auth = (username, password)
        self.session.headers.update({"User-Agent": "TecnoSign-AR/1"})
        if client_cert:
            self.session.cert = (client_cert, client_key)
        # Given with every request: a session's own `verify` loses to REQUESTS_CA_BUNDLE in the environment.
        self.verify = ca_bundle or True

    def match(self, *, cpf: str, sample: BiometricSample, reference: str, name_on_order: str) -> BiometricAnswer:
        body = {
            "cpf": cpf,
            "referencia": reference,
            "ar": self.ar_cnpj,
            "amostra": {
                "modalidade": "face",
                "formato": sample.content_type,
                "dados": base64.b64encode(sample.content).decode(),
            },
        }
        response = self._post(body, reference)
        return self._answer(response)

    def _post(self, body: dict, reference: str) -> requests.Response:
        try:
            response = self.session.post(
                self.url, json=body, headers={"Idempotency-Key": reference}, timeout=self.timeout, verify=self.verify
            )
        except requests.exceptions.SSLError as exc:
            # A certificate the base refuses, or a server we cannot verify: configuration, not the weather.
            raise BiometricMisconfigured(f"POST /v1/consultas: TLS failed: {exc.__class__.__name__}") from exc
        except requests.Timeout as exc:
            raise BiometricUnavailable(f"POST /v1/consultas: no answer within {self.timeout}s") from exc
        except requests.RequestException as exc:
            raise BiometricUnavailable(f"POST /v1/consultas: {exc.__class__.__name__}") from exc
        status = response.status_code
        if status < 400:
            return response
        message = self._error_message(response)
        detail = f"POST /v1/consultas: HTTP {status} {message}"
        if status in (401, 403):
            raise BiometricMisconfigured(detail)
        if status in (408, 425, 429) or status >= 500:
            raise BiometricUnavailable(detail)
        raise BiometricRejected(detail, message=message)

    @staticmethod
    def _error_message(response: requests.Response) -> str:
        try:
            return str(response.json()["erro"]["mensagem"])[:300]
        except (ValueError, KeyError, TypeError):
            return response.text[:300]

    @staticmethod
    def _answer(response: requests.Response) -> BiometricAnswer:
        try:
            data = response.json()
        except ValueError as exc:
            raise BiometricUnavailable("POST /v1/consultas: the answer is not JSON") from exc
        if not isinstance(data, dict) or data.get("resultado") not in RESULTS or not data.get("protocolo"):
            raise BiometricUnavailable("POST /v1/consultas: the answer lacks a known resultado and its protocolo")
        result, protocol = RESULTS[data["resultado"]], str(data["protocolo"])[:80]
        if result != BiometricAnswer.POSITIVE:
            return BiometricAnswer(result, protocol)
        holder = data.get("titular")
        if not isinstance(holder, dict) or not str(holder.get("nome") or "").strip():
            raise BiometricUnavailable("POST /v1/consultas: a positivo without the name on file")
        face, face_type = b"", ""
        if isinstance(holder.get("face"), dict) and holder["face"].get("formato") in FACE_FORMATS:
            try:
                face = base64.b64decode(holder["face"].get("dados") or "", validate=True)
            except (ValueError, TypeError) as exc:
                raise BiometricUnavailable("POST /v1/consultas: the face on file is not base64") from exc
            face_type = holder["face"]["formato"] if face else ""
        return BiometricAnswer(
            result, protocol, name=str(holder["nome"]).strip()[:150], face=face, face_content_type=face_type
        )
