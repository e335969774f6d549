"""The agent's pairing secret and allowed portal origins, in a JSON file only its owner can read."""

import json
import os
import stat
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from . import protocol


class ConfigError(Exception):
    pass


def default_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(base) / "tecnosign-agent" / "agent.json"


def normalise_origin(origin: str) -> str:
    parts = urlsplit(origin.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path not in ("", "/"):
        raise ConfigError(f"Origem inválida: {origin!r} (use algo como https://portal.exemplo.com.br)")
    return f"{parts.scheme}://{parts.netloc.lower()}"


@dataclass
class AgentConfig:
    path: Path
    secret: bytes
    portal_origins: list[str] = field(default_factory=list)
    created: bool = False  # True on the first start: the pairing code is shown then

    @property
    def pairing_code(self) -> str:
        return protocol.pairing_code(self.secret)

    def save(self) -> None:
        payload = {
            "version": 1,
            "secret": protocol.pairing_code(self.secret).replace("-", ""),
            "portal_origins": self.portal_origins,
        }
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        # Written beside the target with 0600 from the start, then swapped in: never readable by others.
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".agent-", suffix=".json")
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(payload, handle, indent=2)
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def load_or_create(path: Path, *, new_secret: bool = False) -> AgentConfig:
    if not path.exists():
        config = AgentConfig(path=path, secret=protocol.new_secret(), created=True)
        config.save()
        return config
    mode = path.stat().st_mode
    if os.name == "posix" and mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigError(
            f"O arquivo {path} pode ser lido por outros usuários (permissões {stat.filemode(mode)}). "
            f"Corrija com: chmod 600 {path}"
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        secret = protocol.secret_from_pairing_code(data["secret"])
        origins = [normalise_origin(origin) for origin in data.get("portal_origins", [])]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"Arquivo de configuração {path} ilegível: {exc}") from exc
    config = AgentConfig(path=path, secret=secret, portal_origins=origins)
    if new_secret:
        config.secret, config.created = protocol.new_secret(), True
        config.save()
    return config
