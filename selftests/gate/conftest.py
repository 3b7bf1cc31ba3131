"""Run the migration playbook and the gate as a user would: real processes, real flags.

`serving_playbook` starts `python -m reference.playbook` (old -> new, optionally with one step
done wrong), waits a bounded time for its done line and always stops it with SIGTERM.
`run_suite` runs `pytest -m postmigration ...` in a subprocess, bounded in time, and returns
its exit code, its terminal output and the items of `summary.json`.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import tomllib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import tomli_w

from postmigration.checklist import ITEMS
from reference.playbook.runner import PlaybookDidNotFinish, PlaybookProcess
from reference.stack.gateway.web import PATCH_DIR

ROOT = Path(__file__).resolve().parents[2]
# Small volume, still realistic where it matters: 1,000+ users, and the seeded chat-images
# folder of one user holds more than 100 objects, so storage parity must page past 100.
VOLUME = ("--rows", "3000", "--users", "1000")
PLAYBOOK_TIMEOUT_S = 180.0
SUITE_TIMEOUT_S = 300.0
STOP_TIMEOUT_S = 60.0
# Settings the caller's shell might hold for a real target; the runs here must not see them.
_FOREIGN_ENV = ("POSTMIGRATION_", "PYTEST_ADDOPTS", "PYTEST_XDIST")


@dataclass
class ServingPlaybook:
    """A playbook run that finished its steps and serves old and new until stopped."""

    state_dir: Path
    log: Path
    config: dict[str, Any]

    @property
    def config_path(self) -> Path:
        """The `postmigration.toml` the playbook wrote (targets old and new)."""
        return self.state_dir / "postmigration.toml"

    def target(self, name: str) -> dict[str, Any]:
        """The `[targets.<name>]` table of the playbook's config."""
        return dict(self.config["targets"][name])

    @property
    def dump(self) -> Path:
        """The backup the playbook took of old (new's rollback dump)."""
        return Path(self.target("new")["dump"])

    def secrets(self) -> list[str]:
        """Every secret in the config (keys, tokens, passwords), for the no-leak checks."""
        return config_secrets(self.config)


def config_secrets(config: Mapping[str, Any]) -> list[str]:
    """Every secret of a playbook's config (keys, the Management API token, inbox tokens,
    database and account passwords), for the no-leak checks."""
    found: list[str] = []
    for target in config["targets"].values():
        keys = ("anon_key", "service_role_key", "publishable_key", "secret_key", "management_token")
        found += [str(target[k]) for k in keys if k in target]
        found.append(_password_of(str(target["db_url"])))
        inbox = target.get("inbox", {})
        found += [str(inbox[k]) for k in ("resend_api_key", "whatsapp_token") if k in inbox]
    found += [str(a["password"]) for a in config["accounts"].values()]
    return [s for s in found if len(s) >= 8]


def footprint(db_url: str, sequences_in: str | None = None) -> dict[str, object]:
    """Fingerprints of every compared table and storage.objects (activity stamps such as
    last_sign_in_at left out, as parity does), and the position of each sequence in schema
    `sequences_in` (None: every schema): an insert advances its sequence even when its row is
    deleted or rolled back afterwards."""
    from postmigration import db

    with db.connect(db_url) as conn:
        found: dict[str, object] = dict(
            db.fingerprints(conn, [*db.compared_tables(conn), "storage.objects"])
        )
        rows = conn.execute(
            "select schemaname || '.' || sequencename, last_value from pg_sequences"
            " where %(schema)s::text is null or schemaname = %(schema)s",
            {"schema": sequences_in},
        ).fetchall()
    found.update({f"sequence {name}": last for name, last in rows})
    return found


def _password_of(db_url: str) -> str:
    credentials = db_url.split("://", 1)[1].rsplit("@", 1)[0]
    return credentials.partition(":")[2]


@contextlib.contextmanager
def serving_playbook(
    state_dir: Path, fault: str | None = None, extra: tuple[str, ...] = ()
) -> Iterator[ServingPlaybook]:
    """Run the playbook (with `fault`, if given, and `extra` options such as --new-keys=new)
    and yield once it serves both stacks; it is stopped with SIGTERM afterwards, whatever
    happened."""
    args = (*VOLUME, *extra, "--fault", fault) if fault else (*VOLUME, *extra)
    playbook = PlaybookProcess(state_dir, args, env=clean_env(), timeout_s=PLAYBOOK_TIMEOUT_S)
    try:
        try:
            playbook.start()
        except PlaybookDidNotFinish as exc:
            pytest.fail(f"the playbook ({fault or 'clean'}) {exc}")
        yield ServingPlaybook(state_dir, playbook.log_path, playbook.config)
    finally:
        playbook.stop(STOP_TIMEOUT_S)


def clean_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """This process's environment without any gate settings it may carry, plus `extra`."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(_FOREIGN_ENV) and "_SUPABASE_" not in k
    }
    env.update(extra or {})
    return env


@dataclass
class SuiteRun:
    """What one run of the gate said: exit code, terminal output, summary.json."""

    exit_code: int
    output: str
    summary: dict[str, Any]
    report_dir: Path
    took_s: float

    @property
    def verdict(self) -> str:
        """GO or NO-GO, as summary.json says."""
        return str(self.summary["verdict"])

    def item(self, item_id: str) -> dict[str, Any]:
        """One checklist item of the summary ({id, status, reason, tests})."""
        for item in self.summary["items"]:
            if item["id"] == item_id:
                return dict(item)
        raise AssertionError(f"summary.json has no item {item_id!r}: {self.digest()}")

    def left_behind(self) -> list[str]:
        """What the run's cleanup could not remove from the target, as summary.json says."""
        return [str(line) for line in self.summary.get("left_behind", [])]

    def statuses(self) -> dict[str, str]:
        """item id -> status."""
        return {item["id"]: item["status"] for item in self.summary["items"]}

    def digest(self) -> str:
        """Every item that did not pass, with its reason (for assertion messages)."""
        lines = [
            f"  {i['id']}: {i['status']}: {i['reason']}"
            for i in self.summary["items"]
            if i["status"] != "passed"
        ]
        return (
            f"exit {self.exit_code}, {self.summary.get('verdict')} in {self.took_s:.0f}s\n"
            + ("\n".join(lines) or "  every item passed")
            + f"\n--- output tail ---\n{self.output[-2500:]}"
        )

    def report_texts(self) -> str:
        """The terminal output and every report file, for the no-leak/no-traceback checks."""
        texts = [self.output]
        for name in ("summary.json", "junit.xml", "go-no-go.html"):
            path = self.report_dir / name
            if path.is_file():
                texts.append(path.read_text(errors="replace"))
        return "\n".join(texts)


def own_basetemp(report_dir: Path) -> str:
    """`--basetemp` beside `report_dir` for a gate run started from a self-test: one under
    /tmp/pytest-of-<user> would take that dir's other bits away from the stacks' PostgreSQL user
    (pytest tightens it at every session's start), and that server then fails at a checkpoint."""
    return f"--basetemp={report_dir.with_name(report_dir.name + '-tmp')}"


def run_suite(report_dir: Path, *options: str, env: Mapping[str, str] | None = None) -> SuiteRun:
    """Run `pytest -m postmigration <options>` from the checkout, bounded in time; a run
    that does not finish is killed and fails the calling test as a hang."""
    command = [sys.executable, "-m", "pytest", "-m", "postmigration", *options]
    command += [f"--report-dir={report_dir}", "-q", "-p", "no:warnings"]
    command.append(own_basetemp(report_dir))
    started = time.monotonic()
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=clean_env(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        raw, _ = process.communicate(timeout=SUITE_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        # A hung gate: end it and whatever it started (a --target=local stand-in).
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        pytest.fail(f"the gate hung: no verdict after {SUITE_TIMEOUT_S:.0f}s ({' '.join(options)})")
    output = raw.decode(errors="replace")
    summary_path = report_dir / "summary.json"
    assert summary_path.is_file(), (
        f"the gate wrote no summary.json (exit {process.returncode}):\n{output[-3000:]}"
    )
    summary = json.loads(summary_path.read_text())
    return SuiteRun(process.returncode, output, summary, report_dir, time.monotonic() - started)


@pytest.fixture(scope="session")
def breakable(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServingPlaybook]:
    """A clean playbook run (old -> new) shared by the damage self-tests: each breaks one thing
    on new (or old) with `damaged`, runs the gate with `gate_on`, and repairs it on the way out."""
    with serving_playbook(tmp_path_factory.mktemp("breakable") / "state") as running:
        yield running


def run_sql(playbook: ServingPlaybook, side: str, *statements: str) -> None:
    """Run `statements` on `side`'s database ("old" or "new") as its superuser, autocommit."""
    import psycopg

    with psycopg.connect(str(playbook.target(side)["db_url"]), autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)  # type: ignore[arg-type]


def query_one(playbook: ServingPlaybook, side: str, query: str, *params: object) -> tuple:
    """The one row `query` (with `params`) returns on `side`'s database; fails when none."""
    import psycopg

    with psycopg.connect(str(playbook.target(side)["db_url"]), autocommit=True) as conn:
        row = conn.execute(query, params or None).fetchone()  # type: ignore[arg-type]
    assert row is not None, query
    return tuple(row)


def sql_literal(value: object) -> str:
    """`value` as an SQL literal for a damage or repair statement (None is null)."""
    return "null" if value is None else "'" + str(value).replace("'", "''") + "'"


@contextlib.contextmanager
def site_patched(playbook: ServingPlaybook, path: str, text: str) -> Iterator[None]:
    """New's site serves `text` at `path` (relative to the app's root) for the block: a
    deploy that shipped something other than the release."""
    patched = playbook.state_dir / "new" / PATCH_DIR / path
    patched.parent.mkdir(parents=True, exist_ok=True)
    try:
        patched.write_text(text)
        yield
    finally:
        patched.unlink(missing_ok=True)


@contextlib.contextmanager
def auth_settings_changed(playbook: ServingPlaybook, side: str, **changes: Any) -> Iterator[None]:
    """`side`'s auth settings (what its dashboard's Auth pages store, read by its Auth and
    Management API at each request) changed as `changes` says for the block, put back after."""
    saved = playbook.state_dir / side / "auth_settings.json"
    original = saved.read_text()
    try:
        saved.write_text(json.dumps({**json.loads(original), **changes}))
        yield
    finally:
        saved.write_text(original)


@contextlib.contextmanager
def damaged(
    playbook: ServingPlaybook, side: str, breaks: list[str], repairs: list[str]
) -> Iterator[None]:
    """`breaks` applied to `side`'s database for the block, `repairs` applied after it whatever
    happened, so the next damage test starts from the clean migration."""
    try:
        run_sql(playbook, side, *breaks)
        yield
    finally:
        run_sql(playbook, side, *repairs)


# A clean local run in the default phase (post-cutover) passes every item but these, each not
# applicable: tls-dns (the stand-in serves plain http on 127.0.0.1), sign-offs and repo-ready
# (both before the DNS switch only).
NOT_APPLICABLE_LOCALLY = ("tls-dns", "sign-offs", "repo-ready")


def assert_tls_not_applicable_on_loopback(run: SuiteRun) -> None:
    """The stand-in serves plain http on 127.0.0.1: tls-dns is not applicable, saying so."""
    tls = run.item("tls-dns")
    assert tls["status"] == "not_applicable", run.digest()
    assert _TLS_LOOPBACK in tls["reason"], tls["reason"]


_TLS_LOOPBACK = "(loopback) on plain http"


def clean_go_problems(run: SuiteRun) -> list[str]:
    """Why a gate run on a clean migration is not a clean GO (none when it is): GO with exit 0,
    every checklist item in summary.json, every one passed but those not applicable on a local
    post-cutover run (tls-dns saying its loopback host is plain http), which the verdict line
    names."""
    left = [f"the run's cleanup left on the target: {line}" for line in run.left_behind()]
    if run.verdict != "GO" or run.exit_code != 0:
        held = [
            f"{item['id']} {item['status']}: {str(item['reason'])[:400]}"
            for item in run.summary.get("items", [])
            if item["status"] not in ("passed", "not_applicable")
        ]
        return [
            f"{run.verdict} (exit {run.exit_code}), not GO: {'; '.join(held) or 'no item held'}",
            *left,
        ]
    problems = left
    if set(run.statuses()) != set(ITEMS):
        problems.append(f"items in summary.json: {sorted(run.statuses())}")
    allowed = dict.fromkeys(NOT_APPLICABLE_LOCALLY, "not_applicable")
    not_passed = {k: v for k, v in run.statuses().items() if v != "passed"}
    if not_passed != allowed:
        problems.append(f"items not passed: {not_passed} (only {allowed} may be)")
    tls = run.item("tls-dns") if "tls-dns" in run.statuses() else {"reason": ""}
    if _TLS_LOOPBACK not in str(tls["reason"]):
        problems.append(f"tls-dns does not say its loopback host is plain http: {tls['reason']}")
    count, named = len(NOT_APPLICABLE_LOCALLY), ", ".join(NOT_APPLICABLE_LOCALLY)
    if f"except {count} not applicable ({named})" not in run.output:
        problems.append(f"the verdict line does not name the {count} not applicable items")
    return problems


def assert_clean_go(run: SuiteRun) -> None:
    """The run is a clean GO (clean_go_problems names none)."""
    problems = clean_go_problems(run)
    assert not problems, "; ".join(problems) + "\n" + run.digest()


def item_files(item_id: str) -> tuple[str, ...]:
    """The suite's test files that carry `item_id` (found by their `pytest.mark.item`), as paths
    for `gate_on`: a test moved to another file of the item still runs."""
    mark = f'pytest.mark.item("{item_id}")'
    found = [p for p in sorted((ROOT / "tests").rglob("test_*.py")) if mark in p.read_text()]
    assert found, f"no test file of the suite carries item {item_id!r}"
    return tuple(str(p.relative_to(ROOT)) for p in found)


def gate_on(
    playbook: ServingPlaybook,
    report_dir: Path,
    *paths: str,
    env: Mapping[str, str] | None = None,
    config: Path | None = None,
    compare: bool = True,
) -> SuiteRun:
    """The documented gate (new, compared with old unless not `compare`, the playbook's config
    or `config`) on the test files `paths` only (e.g. "tests/parity/test_data_parity.py"; none:
    the whole suite; options such as `--phase=...` may be among them); items of other files are
    then reported as not verified, which the damage tests ignore."""
    options = (
        "--target=new",
        *(("--compare-to=old",) if compare else ()),
        f"--pm-config={config or playbook.config_path}",
    )
    return run_suite(report_dir, *paths, *options, env=env)


def without_new_db_url(playbook: ServingPlaybook, path: Path) -> Path:
    """The playbook's config with new's db_url left out: checks then go through the API."""
    return _without_new_setting(playbook, path, "db_url")


def without_old_origins(playbook: ServingPlaybook, path: Path) -> Path:
    """The playbook's config with new's old_origins left out, as a staging config has none:
    only --compare-to then tells what old is."""
    return _without_new_setting(playbook, path, "old_origins")


def _without_new_setting(playbook: ServingPlaybook, path: Path, setting: str) -> Path:
    return config_changed(playbook, path, lambda config: config["targets"]["new"].pop(setting))


def config_changed(
    playbook: ServingPlaybook, path: Path, change: Callable[[dict[str, Any]], object]
) -> Path:
    """The playbook's config, with `change` applied to its parsed TOML, written to `path`
    (readable by its owner only, as a config holding keys must be)."""
    config = tomllib.loads(playbook.config_path.read_text())
    change(config)
    path.write_text(tomli_w.dumps(config))
    path.chmod(0o600)
    return path
