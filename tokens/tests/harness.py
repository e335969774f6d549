"""A throwaway SoftHSM2 token directory, a real agent process on it, and a throwaway CA to certify the token's keys:
for the tests and the benchmark (bench/token_ops.py)."""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from tokens.agent import protocol
from tokens.client import AgentClient

REPO_ROOT = Path(__file__).resolve().parents[2]
PORTAL_ORIGIN = "http://testserver"
SO_PIN = "87654321"
USER_PIN = "1234"


class SoftHSM:
    """A token directory of its own (SOFTHSM2_CONF points at it) with helpers to create tokens."""

    def __init__(self, directory: Path):
        self.directory = directory
        (directory / "tokens").mkdir(parents=True, exist_ok=True)
        self.conf = directory / "softhsm2.conf"
        self.conf.write_text(
            f"directories.tokendir = {directory / 'tokens'}\nobjectstore.backend = file\nlog.level = ERROR\n"
        )
        self.env = {**os.environ, "SOFTHSM2_CONF": str(self.conf)}

    def init_token(self, label: str = "TITULAR", *, so_pin: str = SO_PIN, pin: str = USER_PIN) -> str:
        """Initialise a new token in the free slot; return its serial."""
        self._util("--init-token", "--free", "--label", label, "--so-pin", so_pin, "--pin", pin)
        slots = self._util("--show-slots")
        for block in slots.split("Slot ")[1:]:
            if re.search(rf"Label:\s+{re.escape(label)}\s*$", block, re.MULTILINE):
                return re.search(r"Serial number:\s+(\S+)", block).group(1)
        raise AssertionError(f"token {label} not found after initialisation")

    def _util(self, *args: str) -> str:
        result = subprocess.run(  # noqa: S603
            [shutil.which("softhsm2-util") or "/usr/bin/softhsm2-util", *args],
            env=self.env,
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
        return result.stdout


@dataclass
class RunningAgent:
    """`python -m tokens.agent` on 127.0.0.1 at an ephemeral port, paired through the code it printed."""

    process: subprocess.Popen
    port: int
    pairing_code: str
    config_path: Path
    output: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def secret(self) -> bytes:
        return protocol.secret_from_pairing_code(self.pairing_code)

    def client(self) -> AgentClient:
        return AgentClient(self.url, self.secret)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    def all_output(self) -> str:
        return "".join(self.output)


def agent_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "tokens.agent", *args]


def start_agent(softhsm: SoftHSM | None, config_path: Path, *extra: str, origin: str = PORTAL_ORIGIN) -> RunningAgent:
    """The agent on `softhsm`'s tokens; with None, started with --no-token (A1 keys in software only)."""
    module = ("--module", "softhsm") if softhsm is not None else ("--no-token",)
    args = (*module, "--port", "0", "--config", str(config_path), "--portal-origin", origin, *extra)
    process = subprocess.Popen(  # noqa: S603
        agent_command(*args),
        env=softhsm.env if softhsm is not None else dict(os.environ),
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output: list[str] = []
    port = code = None
    deadline = time.monotonic() + 30
    while port is None and time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        output.append(line)
        if match := re.search(r"Código de pareamento: (\S+)", line):
            code = match.group(1)
        if match := re.search(r"Ouvindo em http://127\.0\.0\.1:(\d+)", line):
            port = int(match.group(1))
    if port is None:
        process.kill()
        raise AssertionError("the agent did not start:\n" + "".join(output))
    agent = RunningAgent(process=process, port=port, pairing_code=code or "", config_path=config_path, output=output)
    # Keep draining its output (the request log) so the pipe never fills, and keep it for assertions.
    threading.Thread(target=lambda: output.extend(iter(process.stdout.readline, "")), daemon=True).start()
    return agent


def make_softhsm() -> SoftHSM:
    return SoftHSM(Path(tempfile.mkdtemp(prefix="tecnosign-softhsm-")))


def probe_token(softhsm: SoftHSM, pin: str, key_id: str, data: bytes) -> dict:
    """Sign `data` with the token's private key of `key_id`, and read the certificates stored under that CKA_ID —
    from outside the agent (tokens.tests.token_probe in a process of its own, on the same token directory)."""
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "tokens.tests.token_probe", softhsm.serial, pin, key_id, data.hex()],
        env=softhsm.env,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return json.loads(result.stdout)


def throwaway_ca(common_name: str = "AC de teste descartável"):
    """A self-signed CA key and certificate, made in memory: (key, certificate)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(key, hashes.SHA256())
    )
    return key, certificate


def issue_for_csr(csr: x509.CertificateSigningRequest, ca_key, ca_cert) -> x509.Certificate:
    """The throwaway CA certifies the CSR's key: its subject, its subjectAltName when it has one, 30 days."""
    now = datetime.now(UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(csr.subject)
        .issuer_name(ca_cert.subject)
        .public_key(csr.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(csr.public_key()), critical=False)
    )
    try:
        alt_names = csr.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        pass
    else:
        builder = builder.add_extension(alt_names, critical=False)
    return builder.sign(ca_key, hashes.SHA256())
