"""The pytest plugin: ``pytest -m postmigration --target=NAME`` answers GO or NO-GO.

Installed through the ``pytest11`` entry point, so it loads in every pytest run; without
``--target`` (or ``POSTMIGRATION_TARGET``) it only registers its options and markers and
stays out of the way. With a target it loads the config (or starts the local stand-in),
probes the foundations once, blocks the items standing on a broken one, and on the
controller writes ``go-no-go.html``, ``summary.json`` and ``junit.xml``.
"""

from __future__ import annotations

import dataclasses
import datetime
import logging
import os
import re
import shlex
import time
from collections import defaultdict
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

# First of the package's: marks the fixture modules for assertion rewriting (see there).
import postmigration.plugin_modules as plugin_modules
from postmigration.account_sessions import end_run_sessions
from postmigration.applicability import NotApplicable, not_applicable
from postmigration.bad_input import void_previous_verdict
from postmigration.baseline import Baseline, capture, from_wire, to_wire
from postmigration.checklist import CHECKLIST, ITEMS, PROPERTY, item_in, severity_of
from postmigration.cleanup import (
    WORKER_OUTPUT_KEY,
    left_behind,
    report_left_behind,
    sweep_earlier_runs,
)
from postmigration.cmdline import misread_option
from postmigration.config import read_config_file
from postmigration.errors import PostmigrationError
from postmigration.evidence import Evidence, to_html_extras
from postmigration.final_sweep import (
    FinalSweep,
    finish_final_sweep,
    start_final_sweep,
)
from postmigration.foundations import RUN_WHEN_STOPPED, Foundation, probe_all, stopped_by
from postmigration.handoff import (
    ControllerGone,
    Handoff,
    new_handoff_path,
    remove_handoff,
    wait_for_handoff,
    write_handoff,
)
from postmigration.history import append_run, recent_outcomes
from postmigration.no_answer import no_answer
from postmigration.progress import Progress, WorkerCounts
from postmigration.quick_exit import skip_collection_at_exit
from postmigration.redact import Redactor
from postmigration.refusals import refusal
from postmigration.report import (
    LEFT_BEHIND_WORDS,
    RunInfo,
    html_banner,
    put_verdict_first_in_file,
    summary_dict,
    terminal_lines,
    write_summary,
)
from postmigration.run_lock import take_run_lock
from postmigration.session import (
    RunConfig,
    build_run_config,
    choose_config_file,
    choose_target,
    given_run_id,
)
from postmigration.standin import NEW, OLD, StandIn
from postmigration.suite import suite_tests, written_suite
from postmigration.termination import restore_sigterm, stop_gracefully_on_sigterm
from postmigration.verdict import (
    CLEARS_THE_GATE,
    TestResult,
    Verdict,
    decide,
    test_result_from_reports,
)
from postmigration.warm_up import WorkerWarmUp, load_supabase_meanwhile
from postmigration.watermark import Watermark, cutover_watermark

pytest_plugins = list(plugin_modules.ALWAYS_LOADED)
SUITE_FIXTURE_MODULES = plugin_modules.SUITE_FIXTURE_MODULES

MARKERS = (
    "postmigration: part of the post-migration GO/NO-GO suite (implied by item)",
    "smoke: API-level check, no browser",
    "e2e: browser flow through the app (pytest-playwright)",
    "edge_functions: invokes an edge function and checks its side effects",
    "preflight: schema, policies, buckets and extensions of the target",
    "parity: compares the target with the old server (--compare-to)",
    "slow: takes seconds, not tenths (a restore, handshakes, many round trips), or makes what "
    "later tests read (goal-invite's invite): runs early, with the browser tests",
    "item(id): the checklist item this test proves, one of: " + ", ".join(ITEMS),
)
RUN_FIRST = (
    "migrations",
    "rls-policies",
    "buckets",
    "extensions",
    "schema-parity",
    "data-parity",
    "storage-parity",
)
REPORT_FILES = ("go-no-go.html", "summary.json", "junit.xml")


@dataclass
class RunState:
    """The plugin's state for one pytest run (kept in ``config.stash``)."""

    run: RunConfig
    standin: StandIn | None = None
    foundations: dict[str, Foundation] = field(default_factory=dict)
    started_at: str = ""
    started: float = 0.0
    phases: dict[str, dict[str, Any]] = field(default_factory=lambda: defaultdict(dict))
    item_of: dict[str, str] = field(default_factory=dict)
    # Every collected checklist test (nodeid -> item), taken before -k/-m/--deselect.
    collected: dict[str, str] = field(default_factory=dict)
    collect_errors: list[str] = field(default_factory=list)
    verdict: Verdict | None = None
    info: RunInfo | None = None
    data_baseline: Baseline | None = None
    watermark: Watermark | None = None
    # xdist: the file the controller writes its probes to.
    handoff: Path | None = None
    # The connection holding the target's run lock (the controller's), open for the whole run.
    run_lock: Any = None
    database_down: str | None = None  # why the run lock could not reach new's database
    # xdist: workers started and not yet down; whether one went down with an error.
    workers_up: int = 0
    worker_crashed: bool = False


STATE = pytest.StashKey[RunState]()
PHASES = pytest.StashKey[dict[str, pytest.TestReport]]()
EVIDENCE = pytest.StashKey[Evidence]()
BLOCKED = pytest.StashKey[str]()


def pytest_addoption(parser: pytest.Parser) -> None:
    """Options of the gate, in one group."""
    group = parser.getgroup("postmigration", "post-migration GO/NO-GO gate")
    group.addoption(
        "--target",
        metavar="NAME",
        help="target to check ([targets.NAME] in postmigration.toml; 'local' starts the "
        "stand-in). Env: POSTMIGRATION_TARGET.",
    )
    group.addoption(
        "--pm-config",
        metavar="PATH",
        help="config file (default ./postmigration.toml). Env: POSTMIGRATION_CONFIG.",
    )
    group.addoption(
        "--report-dir",
        metavar="DIR",
        default="reports",
        help="where go-no-go.html, summary.json and junit.xml go (default: reports/).",
    )
    group.addoption(
        "--compare-to",
        metavar="NAME",
        help="the old server's target, for data and storage parity.",
    )
    group.addoption(
        "--run-id",
        metavar="ID",
        help="id tagging everything the run creates (default: pm-<random>).",
    )
    group.addoption(
        "--local-rows",
        metavar="N",
        type=int,
        default=100_000,
        help="--target=local: rows in old's largest table before the migration (default 100000).",
    )
    group.addoption(
        "--local-objects",
        metavar="N",
        type=int,
        default=0,
        help="--target=local: small storage objects added to old's media bucket before the "
        "migration (default 0: the usual few hundred); refused up front when they would not "
        "fit on the disk.",
    )
    group.addoption(
        "--local-fault",
        metavar="NAME",
        help="--target=local: run the playbook with one step done wrong (python -m "
        "reference.playbook --help lists the faults); the gate must then say NO-GO.",
    )
    for side in ("old", "new"):
        group.addoption(
            f"--local-{side}-keys",
            choices=["legacy", "new", "both"],
            default="both",
            help=f"--target=local: {side}'s API keys, legacy (anon/service_role), new"
            " (publishable/secret, ES256 tokens) or both (default); passed to the playbook.",
        )
    group.addoption(
        "--phase",
        metavar="PHASE",
        help="when the run happens: pre-cutover (the CI gate before the DNS switch), "
        "post-cutover (right after it; the default) or nightly (against staging, no old "
        "server). Also `phase` per target in the config.",
    )
    group.addoption(
        "--sign-off",
        metavar='ID="NAME"',
        action="append",
        default=[],
        help="an approval declared in [sign_offs], given by NAME (repeatable; pre-cutover).",
    )
    group.addoption(
        "--cutover-at",
        metavar="TIME",
        help="the cutover moment (ISO 8601), when no pre-cutover run wrote cutover.json in "
        "--report-dir: data-parity then compares rows created/changed up to it.",
    )
    group.addoption(
        "--trace-snapshots",
        action="store_true",
        help="a failing browser test's Playwright trace also holds each action's page snapshot "
        "and the network (off by default: they cost about 3 s of CPU per run; the "
        "report always has the failure screenshot and the pages' network log).",
    )
    group.addoption(
        "--dump",
        metavar="PATH",
        help="the pg_dump archive taken before cutover (for the rollback-dump item).",
    )
    group.addoption(
        "--dump-restore-url",
        metavar="URL",
        help="a PostgreSQL server (postgresql://USER:PASSWORD@HOST/DB) where rollback-dump may "
        "create a scratch database to restore the dump into (default: the target's own server "
        "when its db_url is on this machine). Env/config: <TARGET>_DUMP_RESTORE_URL, dump_restore_url.",
    )


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(
    early_config: pytest.Config, parser: pytest.Parser, args: list[str]
) -> None:
    """Stop, before any conftest loads, when ``--opt VALUE`` made pytest pick another rootdir
    than ``--opt=VALUE`` would (every option of the gate takes a value)."""
    group = parser.getgroup("postmigration")
    names = [name for option in group.options for name in option.names()]
    problem = misread_option(early_config, args, names)
    if problem:
        raise pytest.UsageError(problem)


def state_of(config: pytest.Config) -> RunState | None:
    """The run's state, or None when the plugin is passive (no target)."""
    return config.stash.get(STATE, None)


def _is_controller(config: pytest.Config) -> bool:
    return not hasattr(config, "workerinput")


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    """Register markers; with a target, load it and point the reports at --report-dir."""
    for line in MARKERS:
        config.addinivalue_line("markers", line)
    chosen = choose_target(config.getoption("target"), os.environ)
    if chosen is None:
        return
    try:
        state = _load_state(config, chosen[0])
    except PostmigrationError as exc:
        if _is_controller(config):
            cwd = config.invocation_params.dir
            void_previous_verdict(cwd / config.getoption("report_dir"), str(exc))
        raise pytest.UsageError(str(exc)) from None
    config.stash[STATE] = state
    stop_gracefully_on_sigterm()
    gate = Gate(state)
    config.pluginmanager.register(gate, "postmigration-gate")
    skip_collection_at_exit(config)
    if _is_controller(config) and getattr(config.option, "maxschedchunk", 0) is None:
        # Under xdist, hand out tests one at a time (each worker holds two: the one it runs and
        # the next), not in chunks by count: a chunk of browser flows on one worker would
        # leave the other idle at the end.
        config.option.maxschedchunk = 1
    if _is_controller(config):
        config.pluginmanager.register(
            Progress(state, gate.verdict_so_far), "postmigration-progress"
        )
    else:
        config.pluginmanager.register(WorkerCounts(), "postmigration-worker-counts")
        config.pluginmanager.register(WorkerWarmUp(), "postmigration-worker-warm-up")
    for module in SUITE_FIXTURE_MODULES:
        config.pluginmanager.import_plugin(module)
    # pytest-html and junitxml may be switched off (-p no:html, -p no:junitxml): then their
    # options and ini values do not exist, and summary.json is the only report.
    has_html = config.pluginmanager.hasplugin("html")
    if has_html:
        for pattern in (r".*KEY.*", r".*PASSWORD.*", r".*TOKEN.*", r".*SECRET.*", r".*DB_URL.*"):
            config.addinivalue_line("environment_table_redact_list", pattern)
    if _is_controller(config):
        report_dir = state.run.report_dir
        report_dir.mkdir(parents=True, exist_ok=True)
        if has_html and not config.option.htmlpath:
            config.option.htmlpath = str(report_dir / "go-no-go.html")
            config.option.self_contained_html = True
        if config.pluginmanager.hasplugin("junitxml") and not config.option.xmlpath:
            config.option.xmlpath = str(report_dir / "junit.xml")


def project_root(config: pytest.Config) -> Path:
    """The checkout holding ``reference/`` (the stand-in and the app profile's defaults):
    the rootdir, else the current directory, else the one holding this package."""
    package_parent = Path(__file__).resolve().parent.parent
    for candidate in (config.rootpath, config.invocation_params.dir, package_parent):
        if (candidate / "reference" / "stack").is_dir():
            return candidate
    return config.rootpath


def _load_state(config: pytest.Config, target_name: str) -> RunState:
    cwd = config.invocation_params.dir
    root = project_root(config)
    workerinput: dict[str, Any] | None = getattr(config, "workerinput", None)
    options = {
        "target_name": target_name,
        "env": None,
        "cwd": cwd,
        "root": root,
        "compare_to": config.getoption("compare_to"),
        "report_dir": config.getoption("report_dir"),
        "dump": config.getoption("dump"),
        "dump_restore_url": config.getoption("dump_restore_url"),
        "phase": config.getoption("phase"),
        "sign_offs": config.getoption("sign_off"),
        "cutover_at": config.getoption("cutover_at"),
    }
    if workerinput is not None and "pm_config_path" in workerinput:
        # An xdist worker: same file (maybe the stand-in's), same run id, same foundations.
        path = workerinput["pm_config_path"]
        config_file = read_config_file(Path(path) if path else None, "controller")
        options["target_name"] = workerinput["pm_target_name"]
        options["compare_to"] = workerinput["pm_compare_to"]
        run = build_run_config(
            config_file=config_file,
            run_id=workerinput["pm_run_id"],
            source_label=workerinput["pm_target_source"],
            **options,
        )
        mark = workerinput.get("pm_watermark")
        # The foundations and the data baseline follow through the handoff file, before the
        # first test (see Gate.pytest_runtestloop).
        return RunState(
            run=run,
            watermark=None if mark is None else Watermark.from_dict(mark),
            handoff=Path(workerinput["pm_handoff"]),
        )
    run_id = given_run_id(config.getoption("run_id"))
    config_file = choose_config_file(config.getoption("pm_config"), cwd, root)
    if target_name == "local" and not _defines(config_file, "local"):
        return _start_local(config, root, run_id, options)
    run = build_run_config(config_file=config_file, run_id=run_id, **options)
    return RunState(run=run)


def _defines(config_file: Any, name: str) -> bool:
    return name in config_file.data.get("targets", {}) or bool(os.environ.get("LOCAL_SUPABASE_URL"))


def _start_local(
    config: pytest.Config, root: Path, run_id: str, options: dict[str, Any]
) -> RunState:
    """Run the playbook old -> new locally; the run then checks new, compared with old."""
    standin = StandIn(
        root,
        rows=config.getoption("local_rows"),
        objects=config.getoption("local_objects"),
        fault=config.getoption("local_fault"),
        keys=(config.getoption("local_old_keys"), config.getoption("local_new_keys")),
        before_switch=config.getoption("phase") == "pre-cutover",
    )
    try:
        standin.start()
        config_file = read_config_file(standin.config_path, "the local stand-in")
        local_options = {
            **options,
            "target_name": NEW,
            "compare_to": options["compare_to"] or OLD,
        }
        run = build_run_config(
            config_file=config_file,
            run_id=run_id,
            source_label=f"the local playbook run (state {standin.state})",
            **local_options,
        )
    except BaseException:
        standin.stop(keep_state=True)
        raise
    return RunState(run=run, standin=standin)


def _marker_problems(node: pytest.Item) -> list[str]:
    marks = list(node.iter_markers("item"))
    if not marks:
        if node.get_closest_marker("postmigration") is not None:
            return [
                f"{node.nodeid}: no checklist item; add @pytest.mark.item(ID), ID one of: "
                + ", ".join(ITEMS)
            ]
        return []
    ids = [str(m.args[0]) if m.args else "" for m in marks]
    if len(ids) > 1:
        return [f"{node.nodeid}: proves {len(ids)} items ({', '.join(ids)}); a test proves one"]
    if not ids[0]:
        return [f'{node.nodeid}: item marker without an id; write @pytest.mark.item("login")']
    if ids[0] not in ITEMS:
        return [f"{node.nodeid}: unknown checklist item {ids[0]!r} (known: {', '.join(ITEMS)})"]
    return []


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Any:
    """Turn a wrong ``item`` marker into a collection error that names the known ids, and
    name the file of any collection error (its node id is empty outside the rootdir)."""
    report = yield
    if report.passed and report.result:
        problems = [
            problem
            for node in report.result
            if isinstance(node, pytest.Item)
            for problem in _marker_problems(node)
        ]
        if problems:
            report.outcome = "failed"
            report.longrepr = "\n".join(problems)
            report.result = []
    if report.failed:
        path, root = Path(collector.path), collector.config.rootpath
        report.pm_path = (
            path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
        )
    return report


def item_id_of(node: pytest.Item) -> str | None:
    """The checklist item a test proves, from its ``item`` marker."""
    mark = node.get_closest_marker("item")
    return str(mark.args[0]) if mark is not None and mark.args else None


def _run_order(node: pytest.Item) -> int:
    if item_id_of(node) in RUN_FIRST:
        return 0
    return 1 if node.get_closest_marker("e2e") or node.get_closest_marker("slow") else 2


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """An ``item`` marker implies ``postmigration``; each test's item goes into its reports."""
    checklist_tests: dict[str, str] = {}
    for node in items:
        item_id = item_id_of(node)
        if item_id is None:
            continue
        checklist_tests[node.nodeid] = item_id
        node.add_marker(pytest.mark.postmigration)
        node.user_properties.append((PROPERTY, item_id))
    # Read-only checks of the target as migrated run first, before other tests write to it.
    # Then the long tests, so that under xdist the short ones fill the end of the run instead
    # of one worker finishing a restore while the other has nothing left to do.
    items.sort(key=_run_order)
    state = state_of(config)
    if state is not None:
        # Before deselection (tryfirst): a test left out by -k or -m must still count.
        state.collected.update(checklist_tests)
        workeroutput = getattr(config, "workeroutput", None)
        if workeroutput is not None:
            workeroutput["pm_collected"] = dict(state.collected)
    elif checklist_tests and not config.option.collectonly:
        raise pytest.UsageError(
            f"{next(iter(checklist_tests))} is a checklist test and needs a target: "
            "run with --target=NAME (or set POSTMIGRATION_TARGET)"
        )


# Our own check errors and the API client's error wrapper carry the server's or the app's words;
# their class names are noise. Other exceptions keep theirs: they say what kind of failure it was.
_EXCEPTION_PREFIX = re.compile(
    r"^(?:AssertionError|postmigration(?:\.\w+)+|postgrest\.exceptions\.APIError): "
)


def _one_line(report: pytest.TestReport, redactor: Redactor) -> str:
    # Scrub before cutting: a cut secret would no longer be recognised.
    longrepr = report.longrepr
    if longrepr is None:
        return ""
    if isinstance(longrepr, tuple):
        text = str(longrepr[2]).removeprefix("Skipped: ")
    elif getattr(longrepr, "reprcrash", None) is not None:
        text = longrepr.reprcrash.message
    elif getattr(longrepr, "errorstring", None):  # a fixture that does not exist
        text = str(longrepr.errorstring)
    else:
        lines = str(longrepr).strip().splitlines() or [""]
        errors = [line[1:].strip() for line in lines if line.startswith("E ")]
        text = errors[0] if errors else lines[-1]
    text = redactor.scrub(text)
    text = text.strip().splitlines()[0] if text.strip() else ""
    # "postgrest.exceptions.APIError: {...}" -> "{...}": the reason is for a release manager.
    return _EXCEPTION_PREFIX.sub("", text).removeprefix("Failed: ")[:300]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Keep each phase's report on the item (teardowns read it to keep evidence on failure)."""
    report = yield
    item.stash.setdefault(PHASES, {})[report.when] = report
    state = state_of(item.config)
    if state is None:
        return report
    if report.when == "setup" and BLOCKED in item.stash:
        report.pm_blocked = item.stash[BLOCKED]
    report.pm_message = _one_line(report, state.run.redactor)
    raised = call.excinfo.value if call.excinfo is not None else None
    refused = (refusal(raised) or no_answer(raised)) if raised is not None else None
    if refused is not None:
        report.pm_message = state.run.redactor.scrub(refused).splitlines()[0][:300]
    if call.excinfo is not None and call.excinfo.errisinstance(NotApplicable):
        reason = state.run.redactor.scrub(str(call.excinfo.value.msg or "not applicable"))
        report.pm_not_applicable = reason
        item.user_properties.append(("not_applicable", reason))
    evidence = item.stash.get(EVIDENCE, None)
    entries = evidence.take() if evidence is not None else []
    report.pm_evidence = entries
    if entries:
        report.extras = [*getattr(report, "extras", []), *to_html_extras(entries)]
    return report


def _scrub_object(value: Any, redactor: Redactor, depth: int) -> Any:
    """Scrub strings inside a longrepr in place, keeping its structure (and short summary)."""
    if isinstance(value, str):
        return redactor.scrub(value)
    if depth > 8 or value is None or isinstance(value, (int, float, bool)):
        return value
    if isinstance(value, list):
        return [_scrub_object(v, redactor, depth + 1) for v in value]
    if isinstance(value, tuple):
        return tuple(_scrub_object(v, redactor, depth + 1) for v in value)
    if isinstance(value, dict):
        return {k: _scrub_object(v, redactor, depth + 1) for k, v in value.items()}
    attributes = getattr(value, "__dict__", None)
    if attributes is not None:
        for name, attr in list(attributes.items()):
            # pytest's repr classes are dataclasses, some frozen: set through object.
            object.__setattr__(value, name, _scrub_object(attr, redactor, depth + 1))
    return value


def _scrub_report(report: pytest.TestReport | pytest.CollectReport, redactor: Redactor) -> None:
    report.longrepr = _scrub_object(report.longrepr, redactor, depth=0)
    report.sections = [(title, redactor.scrub(body)) for title, body in report.sections]
    for extra in getattr(report, "extras", []):
        if extra.get("format_type") in ("text", "html", "json", "url") and isinstance(
            extra.get("content"), str
        ):
            extra["content"] = redactor.scrub(extra["content"])


class _RedactingFilter(logging.Filter):
    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self._redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self._redactor.scrub(record.getMessage())
        record.args = ()
        return True


class Gate:
    """The hooks of an active run (registered only when a target is given)."""

    def __init__(self, state: RunState) -> None:
        self.state = state
        # The suite's test functions as written, read at the first verdict (see suite.py).
        self._written: dict[str, tuple[str, int]] | None = None
        # The sign-out of the sessions the xdist workers shared, once the last one is down.
        self._run_sessions_ending: Future[None] | None = None
        # An xdist controller's final sweep (final_sweep.py), told of each test as it reports.
        self._final_sweep: FinalSweep | None = None

    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node: Any) -> None:
        """Hand xdist workers the controller's config file, run id and watermark, and where
        the foundations and the data baseline will be (they are probed while workers start)."""
        run = self.state.run
        self.state.workers_up += 1
        if self.state.handoff is None:
            self.state.handoff = new_handoff_path()
        node.workerinput["pm_config_path"] = str(run.config_path) if run.config_path else ""
        node.workerinput["pm_run_id"] = run.run_id
        node.workerinput["pm_target_name"] = run.target.name
        node.workerinput["pm_compare_to"] = (
            run.comparison_target.name if run.comparison_target else None
        )
        node.workerinput["pm_target_source"] = run.target_source
        node.workerinput["pm_handoff"] = str(self.state.handoff)
        mark = self.state.watermark
        node.workerinput["pm_watermark"] = None if mark is None else mark.to_dict()

    @pytest.hookimpl(wrapper=True, trylast=True)
    def pytest_sessionstart(self, session: pytest.Session) -> Any:
        """Take the cutover watermark, then (after xdist has started its workers, so their
        start-up overlaps this) probe the foundations once and capture the data baseline, on
        the controller; scrub live log output."""
        state = self.state
        state.started = time.monotonic()
        state.started_at = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
        logging_plugin = session.config.pluginmanager.get_plugin("logging-plugin")
        for name in ("log_cli_handler", "log_file_handler"):
            handler = getattr(logging_plugin, name, None)
            if handler is not None:
                handler.addFilter(_RedactingFilter(state.run.redactor))
        probing = _is_controller(session.config) and not session.config.option.collectonly
        if probing:
            try:
                lock = take_run_lock(state.run.target, state.run.run_id)
                state.run_lock, state.database_down = lock.conn, lock.database_down
                state.watermark = cutover_watermark(state.run)
            except PostmigrationError as exc:
                void_previous_verdict(state.run.report_dir, str(exc))
                raise pytest.UsageError(str(exc)) from None
        result = yield  # xdist's controller starts its workers here
        if probing:
            try:
                self._probe(session.config)
            except BaseException as exc:
                self._hand_over(stopped=f"the controller failed while probing: {exc!r}")
                raise
        if _is_controller(session.config):
            self._hand_over()  # started workers wait for it, even when nothing was probed
            writes = probing and not state.run.target.read_only
            if writes and stopped_by(state.foundations) is None:
                self._final_sweep = start_final_sweep(session.config, state.run)
        return result

    def _probe(self, config: pytest.Config) -> None:
        state, run = self.state, self.state.run
        user = run.accounts.get("user")
        if not run.target.read_only:
            load_supabase_meanwhile()  # the sweep of earlier runs needs it after the probes
        state.foundations = probe_all(
            run.target, run.comparison_target, run.redactor, user, state.database_down
        )
        down = {name for name, f in state.foundations.items() if not f.ok}
        if stopped_by(state.foundations) is None:
            # What interrupted runs left goes before the baseline, or it counts as drift.
            if not {"reachable", "auth"} & down:
                report_left_behind(
                    config,
                    sweep_earlier_runs(
                        run.target,
                        run.run_id,
                        run.accounts,
                        run.app_profile,
                        locked=state.run_lock is not None,
                    ),
                )
            state.data_baseline = capture(
                run.target,
                run.comparison_target,
                run.app_profile,
                state.watermark,
                down,
                run.phase,
            )

    def _hand_over(self, stopped: str | None = None) -> None:
        """Give the xdist workers (if any were started) what the controller probed."""
        if self.state.handoff is None:
            return
        write_handoff(
            self.state.handoff,
            Handoff(
                foundations={n: f.to_dict() for n, f in self.state.foundations.items()},
                baseline=to_wire(self.state.data_baseline),
                stopped=stopped,
            ),
        )

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtestloop(self, session: pytest.Session) -> None:
        """An xdist worker: before its first test, take the foundations and the data baseline
        the controller probed while this worker started."""
        state = self.state
        if state.handoff is None or _is_controller(session.config):
            return
        if session.config.option.collectonly:
            return
        try:
            handoff = wait_for_handoff(state.handoff)
        except ControllerGone as exc:
            pytest.exit(str(exc), returncode=pytest.ExitCode.INTERRUPTED)
        if handoff.stopped is not None:
            pytest.exit(handoff.stopped, returncode=pytest.ExitCode.INTERRUPTED)
        state.foundations = {n: Foundation(**d) for n, d in handoff.foundations.items()}
        state.data_baseline = from_wire(handoff.baseline)

    def pytest_report_header(self, config: pytest.Config) -> list[str]:
        """Say which target is checked and where its settings came from (the foundations
        follow as progress lines, see progress.py)."""
        return self.state.run.header_lines

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        """An xdist controller collects nothing itself: it takes its workers' collection. When
        the last worker is done (and none crashed: xdist may replace it), the final sweep
        starts, while xdist shuts the workers down."""
        state = self.state
        output = getattr(node, "workeroutput", {})
        state.collected.update(output.get("pm_collected", {}))
        left_behind(node.config).extend(output.get(WORKER_OUTPUT_KEY, []))
        state.workers_up -= 1
        state.worker_crashed = state.worker_crashed or error is not None
        if state.workers_up <= 0 and not state.worker_crashed:
            if self._final_sweep is not None:
                self._final_sweep.start()
            if state.handoff is not None:
                self._end_run_sessions()

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node: Any, ids: list[str]) -> None:
        """An xdist controller: the tests the run's final sweep waits for (see final_sweep.py)."""
        if self._final_sweep is not None:
            self._final_sweep.expect(ids)

    def _end_run_sessions(self) -> Future[None]:
        """Start signing out the sessions the xdist workers shared (once), in the background:
        beside the final sweep, while xdist shuts the workers down, not after both."""
        if self._run_sessions_ending is None:
            assert self.state.handoff is not None
            pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pm-sign-out")
            self._run_sessions_ending = pool.submit(
                end_run_sessions, self.state.run.target, self.state.handoff.parent
            )
            pool.shutdown(wait=False)
        return self._run_sessions_ending

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        """Skip at once, as blocked, a test whose item stands on a foundation that is down; with
        the target's API or auth down, skip every other test too (but tls-dns's), saying so."""
        item_id = item_id_of(item)
        if item_id is None:
            return
        out_of_phase = ITEMS[item_id].out_of_phase(self.state.run.phase)
        if out_of_phase:
            not_applicable(out_of_phase)
        for name in ITEMS[item_id].depends_on:
            foundation = self.state.foundations.get(name)
            if foundation is not None and not foundation.ok:
                item.stash[BLOCKED] = foundation.blocked_reason
                pytest.skip(foundation.blocked_reason)
        stopped = stopped_by(self.state.foundations)
        if stopped is not None and item_id not in RUN_WHEN_STOPPED:
            pytest.skip(stopped.stopped_reason)

    @pytest.hookimpl(tryfirst=True)
    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        """Scrub collection errors and remember them for the verdict's reason."""
        if report.failed:
            _scrub_report(report, self.state.run.redactor)
            self.state.collect_errors.append(
                getattr(report, "pm_path", "") or report.nodeid or "collection"
            )

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Scrub each report before any writer sees it, and keep it for the verdict."""
        _scrub_report(report, self.state.run.redactor)
        item_id = item_in(report.user_properties)
        if item_id is not None:
            self.state.item_of[report.nodeid] = item_id
            self.state.phases[report.nodeid][report.when] = report
        if self._final_sweep is not None:
            self._final_sweep.ran(report)

    def verdict_so_far(self, session: pytest.Session) -> Verdict:
        """The verdict over the reports so far (progress lines ask it as items settle)."""
        state, run = self.state, self.state.run
        if self._written is None:
            self._written = written_suite(session.config)
        results: list[TestResult] = [
            test_result_from_reports(nodeid, state.item_of[nodeid], phases)
            for nodeid, phases in state.phases.items()
        ]
        waivers = run.all_waivers
        severities = {i.id: severity_of(i, waivers) for i in CHECKLIST}
        suite = suite_tests(self._written, state.collected)
        # A fact of the run (the phase the operator declared), whatever the item's tests did.
        out_of_phase = {i.id: why for i in CHECKLIST if (why := i.out_of_phase(run.phase))}
        verdict = decide(results, severities, suite, state.collect_errors, out_of_phase)
        for result in verdict.items:
            if result.item.id in waivers and result.status not in CLEARS_THE_GATE:
                result.reason = f"waived: {waivers[result.item.id]} ({result.reason})"
        return verdict

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        """Decide GO / NO-GO, write summary.json, and make the exit code the verdict."""
        if not _is_controller(session.config) or session.config.option.collectonly:
            return
        state, run = self.state, self.state.run
        finish_final_sweep(session.config)
        if state.handoff is not None:  # every worker is down: end the sessions they shared
            self._end_run_sessions().result()
        verdict = self.verdict_so_far(session)
        args = session.config.invocation_params.args
        state.info = RunInfo(
            run_id=run.run_id,
            target=run.target,
            target_source=run.target_source,
            started_at=state.started_at,
            duration_s=time.monotonic() - state.started,
            rerun=run.redactor.scrub(shlex.join(["pytest", *args])),
            foundations=state.foundations,
            phase=run.phase,
            left_behind=tuple(run.redactor.scrub(p) for p in left_behind(session.config)),
        )
        state.verdict = verdict
        write_summary(run.report_dir / "summary.json", verdict, state.info)
        history_dir = run.report_dir / "history"
        append_run(history_dir, summary_dict(verdict, state.info))
        state.info = dataclasses.replace(
            state.info, history=recent_outcomes(history_dir, run.target.name, run.phase)
        )
        # 2, 3 and 4 say the run itself did not complete; they stay, and are never GO.
        if session.exitstatus not in (
            pytest.ExitCode.INTERRUPTED,
            pytest.ExitCode.INTERNAL_ERROR,
            pytest.ExitCode.USAGE_ERROR,
        ):
            session.exitstatus = pytest.ExitCode.OK if verdict.go else pytest.ExitCode.TESTS_FAILED

    @pytest.hookimpl(optionalhook=True)
    def pytest_html_report_title(self, report: Any) -> None:
        """Title the HTML report after the gate and its target."""
        report.title = f"GO/NO-GO · {self.state.run.target.name}"

    @pytest.hookimpl(optionalhook=True)
    def pytest_html_results_summary(
        self, prefix: list[str], summary: list[str], postfix: list[str], session: Any
    ) -> None:
        """Put the GO/NO-GO banner and the items table at the top of the HTML report."""
        if self.state.verdict is not None and self.state.info is not None:
            prefix.append(html_banner(self.state.verdict, self.state.info))

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        """Print the checklist, the verdict and where the reports are."""
        verdict = self.state.verdict
        if verdict is None:
            return
        write = terminalreporter
        write.write_sep("=", "post-migration checklist")
        for line in terminal_lines(verdict):
            write.write_line(line)
        report_dir = self.state.run.report_dir
        info = self.state.info
        for line in info.left_behind if info is not None else ():
            write.write_line(f"cleanup: {LEFT_BEHIND_WORDS}: {line}")
        write.write_line(f"report: {report_dir / 'go-no-go.html'}")
        write.write_line(f"summary: {report_dir / 'summary.json'}")
        colour = {"green": True} if verdict.go else {"red": True}
        write.write_sep("=", f"{verdict.label}: {verdict.reason}", bold=True, **colour)

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        """Stop the stand-in, remove the workers' handoff file, and make sure no report file
        kept a secret."""
        restore_sigterm()
        state = self.state
        if state.run_lock is not None:
            state.run_lock.close()
            state.run_lock = None
        if state.standin is not None:
            state.standin.stop()
            state.standin = None
        if _is_controller(config):
            if state.handoff is not None:
                remove_handoff(state.handoff)
            html_path = getattr(config.option, "htmlpath", None)  # None under -p no:html
            if html_path:
                put_verdict_first_in_file(Path(html_path))
            for name in REPORT_FILES:
                path = state.run.report_dir / name
                if path.is_file():
                    state.run.redactor.scrub_file(path)
