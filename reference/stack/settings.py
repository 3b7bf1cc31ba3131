"""Everything the gateway needs to know about one running stand-in project."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

REFERENCE = Path(__file__).resolve().parent.parent
FUNCTIONS_DIR = REFERENCE / "supabase" / "functions"
MIGRATIONS_DIR = REFERENCE / "supabase" / "migrations"
WEB_DIR = REFERENCE / "web"


def read_env_file(path: Path) -> dict[str, str]:
    """Parse a dotenv-style file (KEY=VALUE, # comments, optional quotes)."""
    values: dict[str, str] = {}
    if not path.exists():
        return values
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        values[key.strip()] = value
    return values


def format_env_file(values: Mapping[str, str]) -> str:
    """The inverse of read_env_file."""
    return "".join(f"{key}={value}\n" for key, value in values.items())


@dataclass(frozen=True)
class StackSettings:
    """One stand-in project: its URLs, keys, database URLs and directories."""

    state_dir: Path
    public_url: str
    site_url: str
    jwt_secret: str
    anon_key: str
    service_role_key: str
    admin_db_url: str
    authenticator_db_url: str
    resend_api_key: str
    whatsapp_token: str
    functions_dir: Path = FUNCTIONS_DIR
    web_dir: Path = WEB_DIR
    function_secrets: Mapping[str, str] = field(default_factory=dict)

    @property
    def storage_root(self) -> Path:
        """Object bytes live at storage_root/<bucket>/<name>."""
        return self.state_dir / "storage"

    @property
    def logs_dir(self) -> Path:
        """Logs of the gateway and the functions."""
        return self.state_dir / "logs"

    @property
    def sinks_dir(self) -> Path:
        """What the provider sinks received."""
        return self.state_dir / "sinks"

    @property
    def api_keys(self) -> dict[str, str]:
        """The project's API keys by role, as the gateway accepts them in `apikey`."""
        return {"anon": self.anon_key, "service_role": self.service_role_key}
