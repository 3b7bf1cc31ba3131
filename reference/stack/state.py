"""The state dir of one stand-in project: generated secrets, ports and the functions' secrets."""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ACCOUNTS = {
    "admin": {"email": "admin@lms.test"},
    "user": {"email": "user@lms.test"},
    "invitee": {"email": "invitee@lms.test", "phone": "+15550100003"},
}


def _write_private(path: Path, text: str) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text)
    tmp.chmod(0o600)
    os.replace(tmp, path)


@dataclass(frozen=True)
class StateDir:
    """Paths inside a state dir, and the secrets generated for it once."""

    root: Path

    @property
    def pgdata(self) -> Path:
        """The PostgreSQL cluster."""
        return self.root / "pgdata"

    @property
    def storage(self) -> Path:
        """Object bytes: storage/<bucket>/<name>."""
        return self.root / "storage"

    @property
    def logs(self) -> Path:
        """Logs of the server, gateway and functions."""
        return self.root / "logs"

    @property
    def sinks(self) -> Path:
        """What the provider sinks received."""
        return self.root / "sinks"

    @property
    def functions_env(self) -> Path:
        """The edge functions' secrets, as `supabase secrets set` would hold them."""
        return self.root / "functions.env"

    @property
    def config_file(self) -> Path:
        """The suite's config for this stack, written when it is ready."""
        return self.root / "postmigration.toml"

    def prepare(self) -> None:
        """Create the dirs (traversable by the unprivileged database user)."""
        for path in (self.root, self.storage, self.logs, self.sinks):
            path.mkdir(parents=True, exist_ok=True)
        self.root.chmod(0o711)

    def secrets(self) -> dict[str, Any]:
        """The stack's secrets: made on first use and kept in secrets.json (mode 600)."""
        path = self.root / "secrets.json"
        if path.exists():
            return json.loads(path.read_text())
        made: dict[str, Any] = {
            "ref": "local" + secrets.token_hex(4),
            "jwt_secret": secrets.token_urlsafe(48),
            "postgres_password": secrets.token_urlsafe(18),
            "authenticator_password": secrets.token_urlsafe(18),
            "resend_api_key": "re_" + secrets.token_urlsafe(24),
            "whatsapp_token": "EAAG" + secrets.token_urlsafe(32),
            "whatsapp_phone_number_id": str(100000000000000 + secrets.randbelow(10**14)),
            "accounts": {
                role: {**info, "password": secrets.token_urlsafe(15)}
                for role, info in ACCOUNTS.items()
            },
        }
        _write_private(path, json.dumps(made, indent=2))
        return made

    def remember(self, key: str, value: Any) -> None:
        """Add a value to secrets.json (e.g. the API keys, minted once and kept like a server's)."""
        made = self.secrets()
        made[key] = value
        _write_private(self.root / "secrets.json", json.dumps(made, indent=2))

    def ports(self) -> dict[str, int]:
        """Ports used last time (stack.json), so a restart keeps its URLs when it can."""
        path = self.root / "stack.json"
        return json.loads(path.read_text()) if path.exists() else {}

    def save_ports(self, ports: dict[str, int]) -> None:
        """Remember the ports in use."""
        _write_private(self.root / "stack.json", json.dumps(ports))

    def write_private(self, path: Path, text: str) -> None:
        """Write a file only its owner can read, atomically."""
        _write_private(path, text)
