"""Everything the gateway needs to know about one running stand-in project."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from .keys import KeyMode, TokenKeys

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


# The domain names a stack's site is served under (a JSON list in its state dir).
SITE_NAMES_FILE = "site-names.json"

# Files asked on every request (gateway.json, site-names.json, functions.env), as last read,
# per path: (their mtime and size then, their parsed value).
_READ: dict[Path, tuple[tuple[int, int], object]] = {}


def file_stamp(path: Path) -> tuple[int, int] | None:
    """A file's (mtime in ns, size), or None when it does not exist: what changes on a rewrite."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return (stat.st_mtime_ns, stat.st_size)


def _as_now(path: Path, parse: Callable[[Path], object], absent: object) -> object:
    """`parse(path)` as the file is now (`absent` when there is none), parsed again only when
    it changed (its mtime and size)."""
    stamp = file_stamp(path)
    if stamp is None:
        return absent
    cached = _READ.get(path)
    if cached is None or cached[0] != stamp:
        cached = (stamp, parse(path))
        _READ[path] = cached
    return cached[1]


def _json_file(path: Path) -> object:
    return json.loads(path.read_text())


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
    key_mode: KeyMode = "legacy"
    publishable_key: str | None = None
    secret_key: str | None = None
    signing_key: Mapping[str, str] | None = None
    # Every HTTP answer waits this long: the round trip to a far target (`--latency-ms`).
    latency_ms: int = 0
    # Requests per second the Resend sink takes from the team's key, sends and reads alike, as
    # Resend limits a team (`--resend-rate-limit`; 0: no limit).
    resend_rate_limit: int = 0
    # The project's ref and the personal access token its Management API routes accept.
    ref: str = ""
    management_token: str | None = None

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

    def gateway_routes(self) -> dict[str, object]:
        """The gateway's route switches as `gateway.json` says now (absent: all on), e.g.
        `{"serve_jwks": false}`: a proxy in front of Auth that does not route the JWKS, or
        `{"revoked_keys": [...]}`: API keys revoked in the dashboard. Asked on every request:
        the file is re-read only when it changed (its mtime and size)."""
        routes = _as_now(self.state_dir / "gateway.json", _json_file, {})
        return routes if isinstance(routes, dict) else {}

    @property
    def site_names_file(self) -> Path:
        """The domain names the site is served under, besides this machine's addresses."""
        return self.state_dir / SITE_NAMES_FILE

    def site_names(self) -> frozenset[str]:
        """The names added to this site as its domains (`site-names.json`, a list), as a
        hosting provider keeps them: a request for another name finds no site. Asked on every
        request; re-read only when the file changed."""
        names = _as_now(self.site_names_file, _json_file, [])
        return frozenset(str(n).lower() for n in names) if isinstance(names, list) else frozenset()

    def current_function_secrets(self) -> dict[str, str]:
        """The functions' environment as set now (`supabase secrets set` rewrites
        `functions.env`): the project's own secrets from the file, then the platform's reserved
        SUPABASE_* values, which a project cannot override. `function_secrets` is what it was
        when the stack started. The file is re-read only when it changed (its mtime and size)."""
        values = _as_now(self.state_dir / "functions.env", read_env_file, None)
        if not isinstance(values, dict):  # a project set up without the file: as started
            return dict(self.function_secrets)
        custom = {k: v for k, v in values.items() if not k.startswith("SUPABASE_")}
        reserved = {k: v for k, v in self.function_secrets.items() if k.startswith("SUPABASE_")}
        return {**custom, **reserved}

    def revoked_keys(self) -> frozenset[str]:
        """The API keys `gateway.json` says were revoked in the dashboard."""
        revoked = self.gateway_routes().get("revoked_keys", ())
        return (
            frozenset(str(k) for k in revoked) if isinstance(revoked, list | tuple) else frozenset()
        )

    @property
    def legacy_keys_enabled(self) -> bool:
        """Whether the legacy anon/service_role JWT keys are accepted (not `--keys=new`)."""
        return self.key_mode != "new"

    @property
    def legacy_keys(self) -> dict[str, str]:
        """The legacy API keys (JWTs) by value -> role."""
        return {self.anon_key: "anon", self.service_role_key: "service_role"}

    @property
    def new_keys(self) -> dict[str, str]:
        """The current opaque API keys by value -> role (none with `--keys=legacy`)."""
        if self.key_mode == "legacy" or not self.publishable_key or not self.secret_key:
            return {}
        return {self.publishable_key: "anon", self.secret_key: "service_role"}

    @property
    def public_key(self) -> str:
        """The key a browser app ships: the publishable key when there is one, else anon."""
        return self.publishable_key if self.new_keys and self.publishable_key else self.anon_key

    @cached_property
    def tokens(self) -> TokenKeys:
        """How user tokens are signed and verified (ES256 with a kid unless `--keys=legacy`)."""
        if self.key_mode == "legacy" or not self.signing_key:
            return TokenKeys(self.jwt_secret)
        return TokenKeys(self.jwt_secret, self.signing_key["kid"], self.signing_key["pem"])
