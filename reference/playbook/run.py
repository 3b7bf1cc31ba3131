"""The playbook from start to finish: old grown to volume, then each step against new."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from reference.stack.keys import KeyMode
from reference.stack.postgres import running_server
from reference.stack.runner import StackProcess
from reference.stack.settings import MIGRATIONS_DIR
from reference.stack.state import StateDir

from . import dump as dump_step
from .app_deploy import ORIGIN_DIR, REPO_DIR, deploy_app, deploy_public_key, public_key
from .config import write_config
from .errors import PlaybookError
from .extras import Rewrite, carry_extras, server_key
from .faults import Fault
from .functions_deploy import (
    deploy_settings,
    deployed_functions,
    set_secrets,
    smoke_key,
    smoke_test,
)
from .nameserver import (
    EVERYDAY_TTL_S,
    LOW_TTL_S,
    ORIGINS,
    PUBLIC_NAME,
    NameServer,
    Zone,
    point_public_name,
)
from .origins import rewrite_origins
from .pgtools import Server, client_bindir
from .privileges import carry_privileges
from .restore import reload_stopped, restore
from .roles import carry_roles
from .schema import apply_pending_migrations, ensure_extensions, reapply_policies
from .stacks import add_site_name, start_stack
from .storage_sync import check_agreement, drop_owners, sync_buckets
from .volume import grow


@dataclass(frozen=True)
class Options:
    """What the command line asked for."""

    state_dir: Path
    fault: Fault = field(default_factory=Fault)
    rows: int = 100_000
    users: int = 1_000
    # Storage objects added to old's media bucket (`--objects`), beyond the usual volume.
    objects: int = 0
    migrations_dir: Path = MIGRATIONS_DIR
    old_keys: KeyMode = "both"
    new_keys: KeyMode = "both"
    # Stop short of the DNS switch: the public name stays on old (the pre-cutover moment).
    before_switch: bool = False
    # Every answer of both stacks waits this long (a far target; `--latency-ms`).
    latency_ms: int = 0


@dataclass
class Playbook:
    """One run: the two stacks, the steps' timings, and the files it leaves in the state dir."""

    options: Options
    old: StackProcess | None = None
    new: StackProcess | None = None
    nameserver: NameServer | None = None
    timings: list[tuple[str, float]] = field(default_factory=list)
    dump_file: Path | None = None
    app_repo: Path | None = None
    config_file: Path | None = None
    started: float = field(default_factory=time.monotonic)
    # New's stack starting in the background while old's steps run (a whole `run` only).
    new_ahead: Future[StackProcess] | None = None

    @property
    def state_dir(self) -> Path:
        """The playbook's state dir (old/, new/, the dump, the config)."""
        return self.options.state_dir

    def step(self, name: str, action: Callable[[], str]) -> None:
        """Run one step, time it, print its summary; any failure becomes a PlaybookError."""
        begun = time.monotonic()
        try:
            summary = action()
        except PlaybookError:
            raise
        except (psycopg.Error, OSError, ValueError, KeyError) as exc:
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise PlaybookError(name, first) from exc
        took = time.monotonic() - begun
        self.timings.append((name, took))
        print(f"{name:<17}{took:7.1f}s  {summary}", flush=True)

    def run(self) -> None:
        """Perform every step; on return both stacks serve and the config is written. New's
        fresh project starts alongside old's steps (it needs nothing of old), and `start-new`
        waits for it."""
        self.run_old(new_alongside=True)
        self.migrate()

    def run_old(self, new_alongside: bool = False) -> None:
        """The steps on old alone (none of them a fault's): prepare the state dir, start old,
        grow it to volume, dump it. `migrate` may then run any number of times, each time in a
        state dir of its own, against this old and this dump. With `new_alongside`, new's
        stack starts in the background once the state dir is prepared."""
        bindir = client_bindir()
        self.step("prepare", self._prepare)
        if new_alongside:
            pool = ThreadPoolExecutor(1, thread_name_prefix="start-new")
            self.new_ahead = pool.submit(self._new_stack)
            pool.shutdown(wait=False)  # the start goes on; `start-new` or `stop` awaits it
        self.step("start-old", self._start_old)
        assert self.old is not None
        old_db = Server(str(self.old.target["db_url"]))
        self.step("volume", lambda: self._volume(old_db))
        self.step("dump", lambda: self._dump(bindir, old_db))

    def migrate(self) -> None:
        """The steps from old's dump to new, the fault's among them; on return both stacks
        serve and the config is written. Needs `old` and `dump_file` (from `run_old`)."""
        fault = self.options.fault
        if fault.name != "none":
            print(f"fault {fault.name}: {fault.step} done wrong ({fault.damage})", flush=True)
        assert self.old is not None and self.dump_file is not None
        bindir = client_bindir()
        old_db = Server(str(self.old.target["db_url"]))
        self.step("dns-low-ttl", self._dns_low_ttl)
        self.step("start-new", self._start_new)
        assert self.new is not None
        new_db = Server(str(self.new.target["db_url"]))
        dump_file = self.dump_file
        self.step("roles", lambda: carry_roles(bindir, old_db, new_db, self.state_dir, fault))
        self.step(
            "restore", lambda: restore(bindir, new_db, dump_file, fault, self.state_dir).summary()
        )
        self.step(
            "privileges",
            lambda: carry_privileges(bindir, old_db, new_db, self.state_dir, fault),
        )
        self.step("extensions", lambda: ensure_extensions(bindir, new_db, fault))
        self.step("migrations", lambda: self._migrations(new_db))
        self.step("storage-sync", lambda: self._storage_sync(old_db, new_db))
        self.step(
            "reapply-policies",
            lambda: reapply_policies(bindir, new_db, self.options.migrations_dir),
        )
        self.step("rewrite-urls", lambda: self._rewrite_urls(new_db))
        self.step("extras", lambda: self._extras(old_db, new_db))
        if fault.by_hand_sql() or fault.failed_by_hand_sql():
            self.step("by-hand", lambda: self._by_hand(new_db))
        reloaded = fault.reloaded_table()
        if reloaded is not None:
            self.step("by-hand", lambda: reload_stopped(bindir, new_db, dump_file, reloaded))
        self.step("functions-deploy", self._functions_deploy)
        self.step("app-deploy", self._app_deploy)
        if fault.gateway_switches(self._new_target):
            self.step("by-hand", self._gateway_switches)
        self.step("dns-switch", self._dns_switch)
        self.step("config", self._config)

    @property
    def old_url(self) -> str:
        """Old's gateway URL."""
        assert self.old is not None
        return self.old.url

    @property
    def new_url(self) -> str:
        """New's gateway URL."""
        assert self.new is not None
        return self.new.url

    def _prepare(self) -> str:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        for name in ("old", "new"):
            path = self.state_dir / name
            if running_server(path / "pgdata") is not None:
                raise PlaybookError(
                    "prepare", f"{path} is in use by a running stack: stop that playbook first"
                )
            shutil.rmtree(path, ignore_errors=True)
        for name in (REPO_DIR, ORIGIN_DIR):
            shutil.rmtree(self.state_dir / name, ignore_errors=True)
        for leftover in (
            "postmigration.toml",
            "restore.list",
            "restore_skipped.txt",
            "privileges.dump",
            "privileges.list",
            "dns.json",
        ):
            (self.state_dir / leftover).unlink(missing_ok=True)
        return f"state in {self.state_dir}"

    def _start_old(self) -> str:
        keys = self.options.old_keys
        self.old = start_stack(
            "start-old", self.state_dir / "old", keys=keys, latency_ms=self.options.latency_ms
        )
        add_site_name(self.old.state_dir, PUBLIC_NAME)  # the app's domain, on old until now
        return f"old at {self.old.url} (migrated and seeded; {keys} keys; serves {PUBLIC_NAME})"

    def _dns_low_ttl(self) -> str:
        fault = self.options.fault
        ttl = fault.public_name_ttl_s(LOW_TTL_S, EVERYDAY_TTL_S)
        apex = fault.public_name_at_apex()
        Zone("old", ttl, apex=apex).write(self.state_dir)
        self.nameserver = NameServer(self.state_dir).start()
        how = "A and AAAA of" if apex else "->"
        return (
            f"name server on {self.nameserver.address}: {PUBLIC_NAME} {how} {ORIGINS['old']}, "
            f"TTL {ttl} s"
        )

    def _dns_switch(self) -> str:
        if not self.options.fault.public_name_on_new(self.options.before_switch):
            if self.options.before_switch:
                return f"not yet (--before-switch): {PUBLIC_NAME} -> {ORIGINS['old']}"
            return f"skipped (fault {self.options.fault.name}): {PUBLIC_NAME} -> {ORIGINS['old']}"
        fault = self.options.fault
        aaaa_at = None if fault.public_name_aaaa_switched() else "old"
        zone = point_public_name(self.state_dir, "new", aaaa_at=aaaa_at)
        early = " (before the gate ran)" if self.options.before_switch else ""
        left = f" (AAAA left on {ORIGINS['old']}: fault {fault.name})" if zone.aaaa_at else ""
        return f"{PUBLIC_NAME} -> {ORIGINS['new']}{early}{left}, TTL {zone.ttl_s} s"

    def _volume(self, old_db: Server) -> str:
        assert self.old is not None
        with psycopg.connect(old_db.url, autocommit=True) as conn:
            grown = grow(
                conn, self.old.state_dir / "storage", self.old.url, self.options.users,
                self.options.rows, self.options.objects,
            )  # fmt: skip
        return grown.summary()

    @property
    def new_keys(self) -> KeyMode:
        """New's API keys: `--new-keys`, unless the fault makes new otherwise."""
        return self.options.fault.new_key_mode(self.options.new_keys)

    def _new_stack(self) -> StackProcess:
        return start_stack(
            "start-new",
            self.state_dir / "new",
            bare=True,
            keys=self.new_keys,
            latency_ms=self.options.latency_ms,
        )

    def _start_new(self) -> str:
        ahead, self.new_ahead = self.new_ahead, None
        self.new = ahead.result() if ahead is not None else self._new_stack()
        when = " (started alongside old's steps)" if ahead is not None else ""
        return (
            f"new at {self.new.url}{when} (fresh Supabase project: base shape only; "
            f"{self.new_keys} keys)"
        )

    def _dump(self, bindir: Path, old_db: Server) -> str:
        self.dump_file = dump_step.dump(bindir, old_db, self.state_dir)
        return f"{self.dump_file.name} ({self.dump_file.stat().st_size / 1e6:.1f} MB)"

    def _storage_sync(self, old_db: Server, new_db: Server) -> str:
        assert self.old is not None and self.new is not None
        new_root = self.new.state_dir / "storage"
        synced = sync_buckets(
            old_db.url, self.old.state_dir / "storage", new_root, self.options.fault
        )
        check_agreement(new_db.url, new_root, list(synced.files))
        ownerless = drop_owners(new_db.url, self.options.fault, list(synced.files))
        owners = f"; copied without owners: {', '.join(ownerless)}" if ownerless else ""
        return synced.summary() + owners

    def _migrations(self, new_db: Server) -> str:
        if not self.options.fault.pending_migrations_applied():
            return f"skipped (fault {self.options.fault.name})"
        return apply_pending_migrations(new_db, self.options.migrations_dir)

    def _by_hand(self, new_db: Server) -> str:
        fault = self.options.fault
        statements, failing = fault.by_hand_sql(), fault.failed_by_hand_sql()
        with psycopg.connect(new_db.url, autocommit=True) as conn:
            for statement in statements:
                conn.execute(statement.encode())
            failures = [_failure_of(conn, statement) for statement in failing]
        ran = len(statements) + len(failing)
        failed = f"; {len(failing)} failed: {'; '.join(failures)}" if failing else ""
        return f"ran {ran} statement(s) by hand{failed} (fault {fault.name})"

    def _rewrite_urls(self, new_db: Server) -> str:
        if not self.options.fault.urls_rewritten():
            return f"skipped (fault {self.options.fault.name})"
        return rewrite_origins(new_db.url, self.old_url, self.new_url)

    def _extras(self, old_db: Server, new_db: Server) -> str:
        assert self.old is not None and self.new is not None
        old, new = self.old.target, self.new.target
        rewrite = Rewrite(self.old_url, self.new_url, server_key(old), server_key(new))
        return carry_extras(
            old_db.url,
            new_db.url,
            rewrite,
            (self.old.state_dir, self.new.state_dir),
            (str(old["site_url"]), str(new["site_url"])),
            self.options.fault,
        )

    def _functions_deploy(self) -> str:
        assert self.old is not None and self.new is not None
        deployed = deploy_settings(
            self.new.state_dir, self.new_keys, self.options.fault.jwt_verified_functions()
        )
        secrets = set_secrets(
            self.old.state_dir,
            self.new.state_dir,
            self.new.target,
            str(self.old.target["site_url"]),
            self.options.fault,
        )
        smoke = (
            smoke_test(self.new.url, smoke_key(self.new.target))
            if self.options.fault.smoke_tested()
            else f"smoke test skipped (fault {self.options.fault.name})"
        )
        names = ", ".join(deployed_functions())
        return f"secrets set (SITE_URL={secrets['SITE_URL']}); deployed {names} {deployed}; {smoke}"

    @property
    def _new_target(self) -> dict[str, object]:
        assert self.new is not None
        return dict(self.new.target)

    def _app_deploy(self) -> str:
        assert self.old is not None and self.new is not None
        deployed = deploy_app(
            self.state_dir,
            (self.old.state_dir, self.old_url),
            (self.new.state_dir, self.new_url),
            self.options.fault,
        )
        self.app_repo = deployed.repo
        carried = deploy_public_key(
            self.new.state_dir, public_key(self.new.target), public_key(self.old.target),
            self.options.fault,
        )  # fmt: skip
        if self.options.fault.public_name_added_to_new():
            add_site_name(self.new.state_dir, PUBLIC_NAME)
            domain = f"; {PUBLIC_NAME} added to new's site"
        else:
            domain = f"; {PUBLIC_NAME} not added to new's site (fault {self.options.fault.name})"
        return deployed.summary() + carried + domain

    def _gateway_switches(self) -> str:
        assert self.new is not None
        switches = self.options.fault.gateway_switches(self._new_target)
        StateDir(self.new.state_dir).write_private(
            self.new.state_dir / "gateway.json", json.dumps(switches)
        )
        return f"new's gateway.json: {', '.join(switches)} (fault {self.options.fault.name})"

    def _config(self) -> str:
        assert self.old is not None and self.new is not None
        assert self.nameserver is not None
        self.config_file = write_config(
            self.state_dir,
            self.old.config,
            self.new.config,
            self.dump_file,
            self.app_repo,
            self.nameserver.address,
        )
        return f"{self.config_file.name}: targets old, new"

    def stop(self) -> None:
        """Stop both stacks (new first) and the name server, whatever state the run is in."""
        self.stop_new()
        if self.old is not None:
            self.old.stop()

    def stop_new(self) -> None:
        """Stop new and the name server (what `migrate` started), leaving old serving."""
        ahead, self.new_ahead = self.new_ahead, None
        if ahead is not None and ahead.exception() is None:
            self.new = ahead.result()  # started, but the run ended before it was awaited
        if self.new is not None:
            self.new.stop()
        if self.nameserver is not None:
            self.nameserver.stop()

    def dead_stack(self) -> str | None:
        """The name of a stack whose process has exited (or "name server"), if any."""
        for name, stack in (("old", self.old), ("new", self.new)):
            if stack is not None and stack.process is not None and stack.process.poll() is not None:
                return name
        if self.nameserver is not None and not self.nameserver.alive():
            return "name server"
        return None


def _failure_of(conn: psycopg.Connection, statement: str) -> str:
    """Run `statement`, which the fault means to fail, and return its error's first line. One
    that succeeds did not inject the fault: a PlaybookError, never a clean migration."""
    try:
        conn.execute(statement.encode())
    except psycopg.Error as error:
        return str(error).splitlines()[0]
    raise PlaybookError("by-hand", f"a statement meant to fail succeeded: {statement[:60]}")
