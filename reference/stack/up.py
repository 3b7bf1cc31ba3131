"""`up`: start one stand-in Supabase project from a state dir and serve it until told to stop."""

from __future__ import annotations

import asyncio
import contextlib
import secrets as pysecrets
import signal
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import psycopg
import tomli_w
import uvicorn

from . import bootstrap
from .errors import StackError
from .keys import (
    KEY_MODES,
    PUBLISHABLE_PREFIX,
    SECRET_PREFIX,
    KeyMode,
    api_key,
    new_signing_key,
    opaque_key,
)
from .postgres import Cluster, find_bindir, require_contrib, reserve_port
from .project_setup import (
    app_auth_settings,
    new_vault_key,
    set_up_project,
    write_auth_settings,
    write_vault_key,
)
from .settings import MIGRATIONS_DIR, StackSettings, format_env_file, read_env_file
from .state import StateDir


@dataclass(frozen=True)
class UpOptions:
    """What `up` was asked for on the command line."""

    state_dir: Path
    port: int | None = None
    db_url: str | None = None
    site_url: str | None = None
    bare: bool = False
    migrations_dir: Path = MIGRATIONS_DIR
    keys: KeyMode | None = None
    latency_ms: int = 0
    resend_rate_limit: int = 0


def _with_db(url: str, dbname: str, user: str | None = None, password: str | None = None) -> str:
    parts = urlsplit(url)
    netloc = parts.netloc
    if user is not None:
        host = netloc.rpartition("@")[2]
        netloc = f"{quote(user, safe='')}:{quote(password or '', safe='')}@{host}"
    return urlunsplit((parts.scheme, netloc, "/" + dbname, parts.query, parts.fragment))


def _gateway_socket(options: UpOptions, remembered: dict[str, int]) -> socket.socket:
    """The gateway's port, held from now on (a port chosen now and bound only after the
    database is migrated and seeded can be taken in between)."""
    if options.port:
        try:
            return reserve_port(options.port)
        except OSError:
            raise StackError(
                f"port {options.port} is taken: stop what listens there or pass --port 0"
            ) from None
    # Like a server, a restarted project keeps its URL when it can (stored links stay valid).
    return _hold(remembered.get("gateway"))


def _hold(last: int | None) -> socket.socket:
    """Last time's port held when it is free, else any free port."""
    if last:
        with contextlib.suppress(OSError):
            return reserve_port(last)
    return reserve_port()


@contextlib.contextmanager
def _database_port(last: int | None) -> Iterator[int]:
    """The database's port (last time's when it is free), held until the server has bound it."""
    with _hold(last) as sock:
        yield int(sock.getsockname()[1])


def _database(
    state: StateDir, options: UpOptions, secrets: dict, ports: dict
) -> tuple[str, bool, Cluster | None]:
    """Return (superuser URL of the project database, fresh?, the cluster we run or None)."""
    if options.db_url:
        dbname = ports.get("dbname") or f"pm_{pysecrets.token_hex(4)}"
        fresh = "dbname" not in ports
        if fresh:
            try:
                bootstrap.create_database(options.db_url, str(dbname))
            except psycopg.Error as exc:
                raise StackError(
                    f"cannot create a database on --db-url: {str(exc).strip().splitlines()[0]}"
                ) from exc
        ports["dbname"] = dbname  # type: ignore[assignment]
        return _with_db(options.db_url, str(dbname)), fresh, None
    bindir = find_bindir()
    require_contrib(bindir)
    cluster = Cluster(state.pgdata, 0, bindir)
    cluster.stop_leftover()  # before choosing a port: it may hold the one we had
    with _database_port(ports.get("postgres")) as pg_port:
        ports["postgres"] = cluster.port = pg_port
        fresh = not cluster.initialised
        if fresh:
            cluster.init(secrets["postgres_password"])
        cluster.start()
    url = f"postgresql://postgres:{quote(secrets['postgres_password'], safe='')}@127.0.0.1:{pg_port}/postgres"
    return url, fresh, cluster


def _function_secrets(
    state: StateDir, reserved: dict[str, str], defaults: dict[str, str]
) -> dict[str, str]:
    """The functions' environment: the platform's reserved SUPABASE_* values (always current,
    as Supabase injects them), then the project's own secrets from functions.env, which is
    written once from `defaults` and is then the source of truth, like `supabase secrets set`."""
    if not state.functions_env.exists():
        state.write_private(state.functions_env, format_env_file(defaults))
    custom = {
        k: v for k, v in read_env_file(state.functions_env).items() if not k.startswith("SUPABASE_")
    }
    return {**custom, **reserved}


def _keys_of(settings: StackSettings) -> dict[str, str]:
    """The API keys a client of this project is given: legacy, current, or both."""
    keys: dict[str, str] = {}
    if settings.legacy_keys_enabled:
        keys |= {"anon_key": settings.anon_key, "service_role_key": settings.service_role_key}
    if settings.new_keys and settings.publishable_key and settings.secret_key:
        keys |= {"publishable_key": settings.publishable_key, "secret_key": settings.secret_key}
    return keys


def _project_keys(state: StateDir, options: UpOptions) -> dict:
    """Mint the project's keys once (legacy JWTs, current opaque keys, the ES256 signing key)
    and remember the key mode, so a restart without `--keys` keeps it."""
    secrets = state.secrets()
    jwt_secret = secrets["jwt_secret"]
    if "anon_key" not in secrets:
        state.remember("anon_key", api_key(jwt_secret, "anon", secrets["ref"]))
        state.remember("service_role_key", api_key(jwt_secret, "service_role", secrets["ref"]))
    if "publishable_key" not in secrets:
        state.remember("publishable_key", opaque_key(PUBLISHABLE_PREFIX))
        state.remember("secret_key", opaque_key(SECRET_PREFIX))
        state.remember("signing_key", new_signing_key())
    if options.keys is not None:
        state.remember("key_mode", options.keys)
    secrets = state.secrets()
    if secrets.get("key_mode", "both") not in KEY_MODES:
        raise StackError(f"secrets.json: key_mode must be one of {', '.join(KEY_MODES)}")
    return secrets


def _config_toml(settings: StackSettings, admin_url: str, secrets: dict) -> str:
    url = settings.public_url
    return tomli_w.dumps(
        {
            "targets": {
                "local": {
                    "supabase_url": url,
                    "site_url": settings.site_url,
                    **_keys_of(settings),
                    "db_url": admin_url,
                    "local": True,
                    "read_only": False,
                    "project_ref": secrets["ref"],
                    "management_url": url,
                    "management_token": secrets["management_token"],
                    "inbox": {
                        "email": "resend",
                        "resend_api_url": f"{url}/sinks/resend",
                        "resend_api_key": secrets["resend_api_key"],
                        "whatsapp": "whatsapp-cloud",
                        "whatsapp_api_url": f"{url}/sinks/whatsapp",
                        "whatsapp_token": secrets["whatsapp_token"],
                        "whatsapp_phone_number_id": secrets["whatsapp_phone_number_id"],
                    },
                }
            },
            "accounts": secrets["accounts"],
        }
    )


def _terminate(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def up(options: UpOptions) -> None:
    """Start the project (database, gateway, functions), print readiness, serve until a signal."""
    started = time.monotonic()
    state = StateDir(options.state_dir.resolve())
    state.prepare()
    secrets = state.secrets()
    ports: dict = state.ports()
    gateway = _gateway_socket(options, ports)
    port = int(gateway.getsockname()[1])
    public_url = f"http://127.0.0.1:{port}"
    signal.signal(signal.SIGTERM, _terminate)
    cluster: Cluster | None = None
    try:
        if "vault_key" not in secrets:
            state.remember("vault_key", new_vault_key())
            secrets = state.secrets()
        if "management_token" not in secrets:
            state.remember("management_token", "sbp_" + pysecrets.token_hex(20))
            secrets = state.secrets()
        admin_url, fresh, cluster = _database(state, options, secrets, ports)
        if cluster is not None:
            write_vault_key(cluster, secrets["vault_key"])
        ports["gateway"] = port
        state.save_ports(ports)
        dbname = urlsplit(admin_url).path.lstrip("/")
        if fresh:
            with psycopg.connect(admin_url, autocommit=True) as conn:
                bootstrap.apply_base(conn, dbname, secrets["authenticator_password"])
            if not options.bare:
                bootstrap.migrate(admin_url, options.migrations_dir)
                from .seed import seed

                with psycopg.connect(admin_url, autocommit=True) as conn:
                    seed(conn, state.storage, secrets["accounts"], public_url)
        # A project's API keys never change: minted on the first start, then reused.
        secrets = _project_keys(state, options)
        jwt_secret = secrets["jwt_secret"]
        key_mode: KeyMode = secrets.get("key_mode", "both")
        anon_key, service_key = secrets["anon_key"], secrets["service_role_key"]
        site_url = options.site_url or public_url
        if fresh and not options.bare:
            # Jobs and webhooks call with the legacy service_role key while the project
            # accepts it, else with the secret key.
            server_key = secrets["secret_key"] if key_mode == "new" else service_key
            set_up_project(admin_url, public_url, server_key)
            write_auth_settings(state.root, app_auth_settings(site_url))
        reserved = {"SUPABASE_URL": public_url, "SUPABASE_DB_URL": admin_url}
        if key_mode != "new":
            reserved |= {"SUPABASE_ANON_KEY": anon_key, "SUPABASE_SERVICE_ROLE_KEY": service_key}
        if key_mode != "legacy":
            reserved |= {
                "SUPABASE_PUBLISHABLE_KEY": secrets["publishable_key"],
                "SUPABASE_SECRET_KEY": secrets["secret_key"],
            }
        function_secrets = _function_secrets(
            state,
            reserved,
            {
                "SITE_URL": site_url,
                "RESEND_API_KEY": secrets["resend_api_key"],
                "RESEND_API_URL": f"{public_url}/sinks/resend",
                "EMAIL_FROM": "LMS <no-reply@lms.test>",
                "WHATSAPP_API_URL": f"{public_url}/sinks/whatsapp",
                "WHATSAPP_TOKEN": secrets["whatsapp_token"],
                "WHATSAPP_PHONE_NUMBER_ID": secrets["whatsapp_phone_number_id"],
            },
        )
        settings = StackSettings(
            state_dir=state.root,
            public_url=public_url,
            site_url=site_url,
            jwt_secret=jwt_secret,
            anon_key=anon_key,
            service_role_key=service_key,
            admin_db_url=admin_url,
            authenticator_db_url=_with_db(
                admin_url, dbname, "authenticator", secrets["authenticator_password"]
            ),
            resend_api_key=secrets["resend_api_key"],
            whatsapp_token=secrets["whatsapp_token"],
            function_secrets=function_secrets,
            key_mode=key_mode,
            publishable_key=secrets["publishable_key"],
            secret_key=secrets["secret_key"],
            signing_key=secrets["signing_key"],
            latency_ms=options.latency_ms,
            resend_rate_limit=options.resend_rate_limit,
            ref=secrets["ref"],
            management_token=secrets["management_token"],
        )
        asyncio.run(_serve(settings, gateway, state, admin_url, secrets, started))
    except KeyboardInterrupt:
        pass
    finally:
        gateway.close()
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        if cluster is not None:
            cluster.stop()


async def _serve(
    settings: StackSettings,
    gateway: socket.socket,
    state: StateDir,
    admin_url: str,
    secrets: dict,
    started: float,
) -> None:
    from .gateway import create_app

    port = int(urlsplit(settings.public_url).port or 0)
    config = uvicorn.Config(
        create_app(settings),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=5,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[gateway]))
    while not server.started:
        if task.done():
            await task
            raise StackError(f"the gateway did not start on port {port}")
        await asyncio.sleep(0.05)
    state.write_private(state.config_file, _config_toml(settings, admin_url, secrets))
    print(f"ready in {time.monotonic() - started:.1f}s at {settings.public_url}", flush=True)
    with contextlib.suppress(asyncio.CancelledError):
        await task
