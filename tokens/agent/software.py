"""A1 keys made by the agent, for a browser that cannot make one (no Web Crypto RSA): the key is still born on the
customer's computer, never at the portal.

1. `generate(subject=…, bits=…)`: an RSA key pair in software and its PKCS#10 request with the subject the portal
   gives. The key stays in this process's memory only, under an identifier, for KEY_TTL_SECONDS.
2. `write_pkcs12(key_id, certificate=…, chain=…, password=…, …)`: given the certificate the portal issued for that
   key and its chain, the PKCS#12 file under the customer's password (tokens.agent.pkcs12) goes into the agent's A1
   folder (0700), as a new file only its owner reads (0600); then the key is forgotten. A failure keeps the key, so
   the page can try again.
No key is ever written in clear, logged or answered; the password is an argument only.
"""

import base64
import hashlib
import os
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12 as pkcs12_format

from . import csr as csr_builder
from .certificates import parse_certificate, parse_chain
from .errors import AgentError, bad_field
from .pkcs12 import a1_bundle

KEY_TTL_SECONDS = 30 * 60
MAX_PENDING_KEYS = 10
KEY_SIZES = (2048, 3072, 4096)
MIN_PASSWORD = 8
MAX_PASSWORD = 128
# The page passes the portal's A1_PKCS12_KDF_ROUNDS; the agent keeps its own floor whatever it is told.
MIN_KDF_ROUNDS = 100_000
MAX_KDF_ROUNDS = 10_000_000
FILENAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,119}\.pfx$")
KEY_ID_RE = re.compile(r"^[0-9a-f]{40}$")


def default_folder() -> Path:
    return Path.home() / "Certificados TecnoSign"


@dataclass
class _PendingKey:
    key: rsa.RSAPrivateKey
    expires: float


class SoftwareKeys:
    def __init__(self, folder: Path, *, clock=time.monotonic):
        self.folder = Path(folder)
        self._clock = clock
        self._keys: dict[str, _PendingKey] = {}
        self._lock = threading.Lock()

    def describe(self) -> dict:
        return {"folder": str(self.folder), "pending_keys": len(self._keys)}

    def generate(self, *, subject, bits=2048) -> dict:
        if bits not in KEY_SIZES:
            raise bad_field("bits", f"Tamanho de chave não aceito: use {', '.join(map(str, KEY_SIZES))} bits.")
        name = csr_builder.build_subject(subject)
        key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
        request = x509.CertificateSigningRequestBuilder().subject_name(name).sign(key, hashes.SHA256())
        key_id = _key_id(key.public_key())
        with self._lock:
            self._expire()
            if len(self._keys) >= MAX_PENDING_KEYS:
                raise AgentError(
                    "too_many_keys",
                    "Há chaves demais esperando o certificado neste agente. Conclua ou abandone as emissões abertas "
                    "(as chaves expiram em 30 minutos) ou reinicie o agente.",
                    status=429,
                )
            self._keys[key_id] = _PendingKey(key=key, expires=self._clock() + KEY_TTL_SECONDS)
        return {
            "key_id": key_id,
            "bits": bits,
            "csr": request.public_bytes(serialization.Encoding.PEM).decode(),
            "expires_in": KEY_TTL_SECONDS,
        }

    def write_pkcs12(self, key_id: str, *, certificate, chain, password, friendly_name, filename, kdf_rounds) -> dict:
        pending = self._pending(key_id)
        holder = parse_certificate(certificate)
        authorities = parse_chain(chain)
        if holder.public_key().public_numbers() != pending.key.public_key().public_numbers():
            raise AgentError(
                "certificate_mismatch",
                "Este certificado não é da chave gerada por este agente: ele foi emitido para outra chave.",
                status=422,
            )
        password = _password(password)
        friendly_name = _friendly_name(friendly_name)
        rounds = _rounds(kdf_rounds)
        name = _filename(filename)
        bundle = a1_bundle(
            key=pending.key,
            certificate=holder,
            chain=authorities,
            password=password,
            friendly_name=friendly_name,
            kdf_rounds=rounds,
        )
        path = self._write_new(name, bundle)
        with self._lock:
            self._keys.pop(key_id, None)  # the file holds it now: the agent forgets it
        return {"key_id": key_id, "path": str(path), "filename": path.name, "bytes": len(bundle)}

    # -- helpers ----------------------------------------------------------------------------------------

    def _expire(self) -> None:
        now = self._clock()
        for key_id in [key_id for key_id, pending in self._keys.items() if pending.expires <= now]:
            del self._keys[key_id]

    def _pending(self, key_id) -> _PendingKey:
        if not isinstance(key_id, str) or not KEY_ID_RE.match(key_id):
            raise bad_field("key_id", "Identificador de chave inválido.")
        with self._lock:
            self._expire()
            pending = self._keys.get(key_id)
        if pending is None:
            raise AgentError(
                "key_not_found",
                "Esta chave não está mais neste agente: ele foi reiniciado, ou ela expirou (30 minutos) ou já foi "
                "gravada em arquivo. Sem a chave, o certificado emitido para ela não pode ser usado.",
                status=404,
            )
        return pending

    def _write_new(self, name: str, data: bytes) -> Path:
        """A new file (never over another one), readable only by the owner, flushed to disk before answering."""
        try:
            self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as exc:
            raise AgentError(
                "folder_unavailable", f"Não foi possível criar a pasta {self.folder}: {exc.strerror}.", status=507
            ) from exc
        stem = name.removesuffix(".pfx")
        for attempt in range(1, 100):
            path = self.folder / (name if attempt == 1 else f"{stem}-{attempt}.pfx")
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                continue
            except OSError as exc:
                raise AgentError(
                    "file_unwritable", f"Não foi possível gravar em {self.folder}: {exc.strerror}.", status=507
                ) from exc
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(data)
                    handle.flush()
                    os.fsync(handle.fileno())
            except OSError as exc:
                path.unlink(missing_ok=True)
                raise AgentError(
                    "file_unwritable", f"Não foi possível gravar o arquivo {path}: {exc.strerror}.", status=507
                ) from exc
            return path
        raise AgentError("file_unwritable", f"Há arquivos demais com o nome {name} em {self.folder}.", status=507)


def sign_with_pkcs12(*, pkcs12, password, data) -> dict:
    """Sign `data` (base64) with the key of the customer's own PKCS#12 (base64 of the .pfx the page read on this
    computer), SHA-256 with RSA PKCS#1 v1.5: the online renewal of an A1. The file and its password stay here; the
    answer is the signature and the public certificate."""
    try:
        bundle = base64.b64decode(pkcs12, validate=True) if isinstance(pkcs12, str) else b""
        message = base64.b64decode(data, validate=True) if isinstance(data, str) else b""
    except ValueError:
        bundle, message = b"", b""
    if not bundle:
        raise bad_field("pkcs12", "Escolha o arquivo do certificado A1 (.pfx ou .p12).")
    if not 1 <= len(message) <= 4096:
        raise bad_field("data", "Dados a assinar inválidos (base64, até 4 KiB).")
    if not isinstance(password, str) or len(password) > MAX_PASSWORD:
        raise bad_field("password", "Informe a senha do arquivo do certificado.")
    try:
        key, certificate, _ = pkcs12_format.load_key_and_certificates(bundle, password.encode())
    except ValueError:
        raise AgentError(
            "pkcs12_unreadable",
            "Não foi possível abrir o arquivo: senha errada ou arquivo danificado.",
            field="password",
        ) from None
    if not isinstance(key, rsa.RSAPrivateKey) or certificate is None:
        raise AgentError("pkcs12_unreadable", "O arquivo não tem uma chave RSA com o seu certificado.", field="pkcs12")
    signature = key.sign(message, padding.PKCS1v15(), hashes.SHA256())
    return {
        "signature": base64.b64encode(signature).decode(),
        "certificate": certificate.public_bytes(serialization.Encoding.PEM).decode(),
    }


def _key_id(public_key: rsa.RSAPublicKey) -> str:
    """SHA-1 of the DER RSAPublicKey, RFC 5280's key identifier (method 1): the tokens' CKA_ID, in hex."""
    der = public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1)
    return hashlib.sha1(der).hexdigest()  # noqa: S324 (an identifier, not a security hash)


def _password(value) -> str:
    if not isinstance(value, str) or not MIN_PASSWORD <= len(value) <= MAX_PASSWORD:
        raise bad_field("password", f"A senha do arquivo deve ter de {MIN_PASSWORD} a {MAX_PASSWORD} caracteres.")
    return value


def _friendly_name(value) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > 128 or not value.isprintable():
        raise bad_field("friendly_name", "Informe o nome do certificado no arquivo (até 128 caracteres).")
    return value


def _rounds(value) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value > MAX_KDF_ROUNDS:
        raise bad_field("kdf_rounds", f"Número de iterações inválido (até {MAX_KDF_ROUNDS}).")
    return max(value, MIN_KDF_ROUNDS)


def _filename(value) -> str:
    if not isinstance(value, str) or not FILENAME_RE.match(value):
        raise bad_field(
            "filename", "Nome de arquivo inválido: letras, números, ponto, hífen e sublinhado, terminado em .pfx."
        )
    return value
