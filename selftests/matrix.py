"""The detection matrix and the flake check: the gate proved on the playbook's whole catalogue.

`python -m selftests.matrix [--shard I/N [--share DIR]] [--faults a,b] [--out …]`
starts old once (stack, volume, dump), then for a clean run, every fault of the catalogue
(`FAULTS` of selftests/gate/test_verdicts.py) and a second clean run, migrates a fresh new of
its own (its own state dir, name server zone and app repository) from that dump and runs the
gate on it in a subprocess. Each fault must be NO-GO with its declared item failed, the words in
its reason; each clean run GO with every item passed but those not applicable locally. The
second clean run, on the old every fault's gate ran against, proves the faults stayed
independent. The gate's own runs may write to old (its sign-ins there advance
auth.refresh_tokens_id_seq): old is fingerprinted after each gate run and dumped again when it
changed, as a team would dump the old it migrates. A fault's playbook must not change old.
`--no-reuse` gives each run an old of its own (the cost reuse saves, for comparison).
`--share DIR`, named by every shard of one run, lets a shard that is done with its own faults
take the others' not yet started (each fault still runs once), so the shards end together.

`python -m selftests.matrix --flake-check [--runs 10]` migrates one clean new and runs the
gate on it `--runs` times in a row, the first half serially, the rest under `-n 2`: every run
must be GO with every item passed, and a test whose outcome changed between runs (it needed
another run to pass; the suite never retries within a run) is named.

Exit 0 when every check held, 1 when one did not (each named), 2 for bad input (one line).
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from reference.playbook.dump import dump as dump_old
from reference.playbook.errors import PlaybookError
from reference.playbook.faults import fault_named
from reference.playbook.pgtools import Server, client_bindir
from reference.playbook.run import Options, Playbook
from selftests.gate.conftest import (
    ROOT,
    SuiteRun,
    clean_go_problems,
    config_secrets,
    footprint,
    run_suite,
)
from selftests.gate.test_verdicts import BEFORE_THE_SWITCH, FAULTS

CLEAN = "clean"
# The self-tests' volume (selftests/gate/conftest.py's VOLUME).
ROWS, USERS = 3000, 1000
DEFAULT_OUT = ROOT / "reports" / "detection-matrix.md"
PASSED = ("passed",)
# The longest a self-test waits for the command (a CI shard, 15–17 faults and its clean runs,
# took 15–21 min on 2 busy cores); a hang is killed and fails the self-test.
COMMAND_TIMEOUT_S = 3600.0
Say = Callable[[str], None]


@dataclass
class Outcome:
    """One run of the matrix: what the gate said and whether that is what it must say."""

    name: str
    playbook_s: float = 0.0
    gate_s: float = 0.0
    verdict: str = ""
    not_passed: dict[str, str] = field(default_factory=dict)
    reason: str = ""
    injection_failed: str = ""
    problem: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def held(self) -> bool:
        """The run said what it must (a detected fault, a clean GO)."""
        return not self.injection_failed and not self.problem

    @property
    def result(self) -> str:
        """The matrix's word for the run."""
        if self.injection_failed:
            return "injection failed"
        if self.name.startswith(CLEAN):
            return "GO" if self.held else "NOT GO"
        return "detected" if self.held else "NOT DETECTED"


def _one_line(text: str, limit: int = 240) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def judge_fault(name: str, run: SuiteRun, old_url: str, secrets: list[str]) -> str:
    """Why the gate's run on fault `name` is not a detection ("" when it is): NO-GO (exit 1),
    the declared item failed, its reason one line holding the declared words (OLD_ORIGIN is old's
    URL), no traceback or secret in the output and reports."""
    item_id, words = FAULTS[name]
    if run.verdict != "NO-GO" or run.exit_code != 1:
        return f"{run.verdict} (exit {run.exit_code}), not NO-GO"
    item = run.item(item_id)
    if item["status"] != "failed":
        return f"{item_id} is {item['status']}, not failed"
    reason = str(item["reason"]).strip()
    if not reason or "\n" in reason:
        return f"{item_id}'s reason is not one line: {reason!r}"
    missing = [w for w in (old_url if w == "OLD_ORIGIN" else w for w in words) if w not in reason]
    if missing:
        return f"{item_id}'s reason lacks {missing}"
    raw = raw_messages(run)
    if raw:
        more = f" (and {len(raw) - 1} more)" if len(raw) > 1 else ""
        return f"not in the user's words: {raw[0]}{more}"
    return _leaks(run, secrets)


# A message that is a library's exception as Python prints it ("playwright._impl._errors.
# TimeoutError: …", "httpx.ReadTimeout: …") or pytest's bare assertion ("assert 0 == 1").
_RAW = re.compile(r"^(?:(?:[A-Za-z_]\w*\.)+[A-Z]\w*\b|assert )")


def raw_messages(run: SuiteRun) -> list[str]:
    """Every item reason and test message of `run` that is a raw exception or a bare assert
    instead of what is broken in the user's words, as "<item>: <first 120 characters>"."""
    found = []
    for item in run.summary["items"]:
        texts = [str(item.get("reason") or "")]
        texts += [str(t.get("message") or "") for t in item.get("tests", [])]
        found += [f"{item['id']}: {t.strip()[:120]}" for t in texts if _RAW.match(t.strip())]
    return list(dict.fromkeys(found))


def judge_clean(run: SuiteRun, secrets: list[str]) -> str:
    """Why the gate's run on a clean migration is not a clean GO ("" when it is):
    selftests/gate/conftest.py's clean_go_problems, and no traceback or secret in its output."""
    problems = clean_go_problems(run)
    return "; ".join(problems) if problems else _leaks(run, secrets)


def _leaks(run: SuiteRun, secrets: list[str]) -> str:
    texts = run.report_texts()
    if "Traceback" in texts:
        return "a traceback reached the output or reports"
    leaked = [s[:4] + "…" for s in secrets if s in texts]
    return f"secrets starting {leaked} appear in the output or reports" if leaked else ""


def _changes(before: dict[str, object], after: dict[str, object]) -> list[str]:
    return sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))


@contextlib.contextmanager
def _logged(path: Path) -> Iterator[None]:
    """The playbook's step lines into `path` instead of the matrix's output."""
    with path.open("a") as log, contextlib.redirect_stdout(log):
        yield


class Old:
    """Old, started once, grown to volume and dumped; dumped again when a gate run changed it."""

    def __init__(self, state_dir: Path) -> None:
        self.playbook = Playbook(Options(state_dir=state_dir, rows=ROWS, users=USERS))
        self.footprint: dict[str, object] = {}
        self.took_s = 0.0

    def start(self) -> Old:
        """Run the playbook's steps on old (PlaybookError if one fails)."""
        begun = time.monotonic()
        self.playbook.state_dir.mkdir(parents=True, exist_ok=True)
        with _logged(self.playbook.state_dir.with_suffix(".log")):
            self.playbook.run_old()
        self.footprint = footprint(self.db_url)
        self.took_s = time.monotonic() - begun
        return self

    @property
    def db_url(self) -> str:
        """Old's database URL."""
        assert self.playbook.old is not None
        return str(self.playbook.old.target["db_url"])

    def redump_if_changed(self) -> list[str]:
        """Dump old again when it changed since its last dump; what changed (empty: nothing)."""
        changed = _changes(self.footprint, now := footprint(self.db_url))
        if changed:
            self.playbook.dump_file = dump_old(
                client_bindir(), Server(self.db_url), self.playbook.state_dir
            )
            self.footprint = now
        return changed

    def stop(self) -> None:
        """Stop old."""
        self.playbook.stop()


def run_one(name: str, base: Path, old: Old | None) -> Outcome:
    """Migrate a fresh new with fault `name` (or none for a clean run) from `old`'s dump (from
    an old of its own when `old` is None) and run the whole gate on it."""
    outcome = Outcome(name)
    clean = name.startswith(CLEAN)
    before = name in BEFORE_THE_SWITCH
    state = base / name.replace(":", "-")
    state.mkdir(parents=True)
    fault = fault_named(None if clean else name)
    options = Options(state, fault=fault, rows=ROWS, users=USERS, before_switch=before)
    playbook = Playbook(options)
    if old is not None:
        playbook.old, playbook.dump_file = old.playbook.old, old.playbook.dump_file
    begun = time.monotonic()
    try:
        try:
            with _logged(state.with_suffix(".log")):
                playbook.migrate() if old is not None else playbook.run()
        except PlaybookError as exc:
            outcome.injection_failed = f"the playbook stopped: {_one_line(str(exc))}"
            return outcome
        finally:
            outcome.playbook_s = time.monotonic() - begun
        ran = [step for step, _ in playbook.timings]
        if not clean and fault.step not in ran:
            outcome.injection_failed = f"its step {fault.step} did not run (ran: {ran})"
            return outcome
        if old is not None and (changed := _changes(old.footprint, footprint(old.db_url))):
            outcome.injection_failed = (
                f"its playbook changed old ({changed[:3]}): needs its own old"
            )
            return outcome
        if dead := playbook.dead_stack():
            outcome.injection_failed = f"stack {dead} died before the gate ran"
            return outcome
        outcome.problem = _gate(outcome, playbook, state, before)
        if not outcome.injection_failed and (dead := playbook.dead_stack()):
            outcome.injection_failed = f"stack {dead} died while the gate ran"
    finally:
        playbook.stop_new() if old is not None else playbook.stop()
    return outcome


def _gate(outcome: Outcome, playbook: Playbook, state: Path, before: bool) -> str:
    """Run the gate on the playbook's new, fill in what it said; the problem ("" if none)."""
    import tomllib

    assert playbook.config_file is not None
    config = tomllib.loads(playbook.config_file.read_text())
    phase = ("--phase=pre-cutover",) if before else ()
    options = ("--target=new", "--compare-to=old", f"--pm-config={playbook.config_file}", *phase)
    begun = time.monotonic()
    try:
        run = run_suite(state / "report", *options)
    except (pytest.fail.Exception, AssertionError) as exc:
        outcome.gate_s = time.monotonic() - begun
        return f"the gate gave no verdict: {_one_line(str(exc))}"
    outcome.gate_s = run.took_s
    outcome.verdict = run.verdict
    outcome.not_passed = {k: v for k, v in run.statuses().items() if v not in PASSED}
    secrets = config_secrets(config)
    if outcome.name.startswith(CLEAN):
        return judge_clean(run, secrets)
    outcome.reason = str(run.item(FAULTS[outcome.name][0])["reason"])
    return judge_fault(outcome.name, run, str(config["targets"]["old"]["supabase_url"]), secrets)


def run_matrix(
    runs: Iterable[str],
    base: Path,
    reuse: bool,
    say: Say,
    written: Callable[[list[Outcome]], None],
) -> list[Outcome]:
    """Each of `runs` (clean runs and faults, in order, taken one at a time); with `reuse`,
    all on one old. After each run `written` gets the outcomes so far (the matrix is written
    as it grows)."""
    outcomes: list[Outcome] = []
    old = Old(base / "old-side") if reuse else None
    try:
        if old is not None:
            try:
                old.start()
            except PlaybookError as exc:
                say(f"old did not start: {exc}")
                return [Outcome(CLEAN, injection_failed=f"old did not start: {exc}")]
            say(f"old started, grown and dumped once, in {old.took_s:.1f}s")
        for name in runs:
            if old is not None and old.playbook.dead_stack():
                outcome = Outcome(name, injection_failed="old stopped: no run after it can start")
                outcomes.append(outcome)
                say(_progress(outcome))
                continue
            outcome = run_one(name, base, old)
            if old is not None and (changed := old.redump_if_changed()):
                outcome.notes.append(f"its gate run changed old ({', '.join(changed)}): re-dumped")
            outcomes.append(outcome)
            say(_progress(outcome))
            written(outcomes)
    finally:
        if old is not None:
            old.stop()
    return outcomes


def _progress(o: Outcome) -> str:
    why = o.injection_failed or o.problem
    notes = f" [{'; '.join(o.notes)}]" if o.notes else ""
    return (
        f"{o.name:<42} {o.result:<16} playbook {o.playbook_s:5.1f}s  gate {o.gate_s:5.1f}s"
        + (f"  {why}" if why else "")
        + notes
    )


def _cell(text: str) -> str:
    return _one_line(text).replace("|", "\\|")


def matrix_markdown(outcomes: list[Outcome], total_s: float, header: str) -> str:
    """The matrix as a Markdown table: fault × items not passed × reason × seconds."""
    lines = [
        "# Detection matrix",
        "",
        header,
        "",
        "| run | result | declared item | items not passed | reason of the declared item "
        "| playbook s | gate s |",
        "|---|---|---|---|---|---:|---:|",
    ]
    for o in outcomes:
        declared = "" if o.name.startswith(CLEAN) else FAULTS[o.name][0]
        not_passed = ", ".join(f"{k} ({v})" for k, v in o.not_passed.items())
        why = o.injection_failed or o.problem
        reason = o.reason + (f" — {why}" if why else "")
        reason += "".join(f" — {n}" for n in o.notes)
        lines.append(
            f"| `{o.name}` | {o.result} | {declared} | {_cell(not_passed)} | {_cell(reason)} "
            f"| {o.playbook_s:.1f} | {o.gate_s:.1f} |"
        )
    faults = [o for o in outcomes if not o.name.startswith(CLEAN)]
    each = [o.playbook_s + o.gate_s for o in faults]
    mean = sum(each) / len(each) if each else 0.0
    lines += [
        "",
        f"{sum(o.held for o in faults)} of {len(faults)} faults detected; "
        f"{sum(o.held for o in outcomes if o.name.startswith(CLEAN))} of "
        f"{sum(o.name.startswith(CLEAN) for o in outcomes)} clean runs GO; "
        f"{mean:.1f}s per fault (playbook + gate); {total_s:.0f}s in all.",
        "",
    ]
    return "\n".join(lines)


@dataclass
class FlakeRun:
    """One gate run of the flake check."""

    number: int
    workers: str
    took_s: float
    problem: str
    outcomes: dict[str, str]


def run_flake_check(runs: int, base: Path, say: Say) -> tuple[list[FlakeRun], list[str]]:
    """The gate `runs` times on one clean migration (first half serial, the rest `-n 2`); each
    run, and every test whose outcome changed between runs (named)."""
    state = base / "flake"
    state.mkdir(parents=True)
    playbook = Playbook(Options(state, rows=ROWS, users=USERS))
    done: list[FlakeRun] = []
    try:
        try:
            with _logged(state.with_suffix(".log")):
                playbook.run()
        except PlaybookError as exc:
            return done, [f"the clean playbook stopped: {exc}"]
        assert playbook.config_file is not None
        import tomllib

        secrets = config_secrets(tomllib.loads(playbook.config_file.read_text()))
        options = ("--target=new", "--compare-to=old", f"--pm-config={playbook.config_file}")
        for number in range(1, runs + 1):
            workers = "serial" if number <= runs // 2 else "-n 2"
            extra = () if workers == "serial" else ("-n", "2")
            try:
                run = run_suite(base / f"flake-report-{number}", *options, *extra)
            except (pytest.fail.Exception, AssertionError) as exc:
                done.append(FlakeRun(number, workers, 0.0, _one_line(str(exc)), {}))
                say(f"run {number:>2} ({workers}): no verdict: {_one_line(str(exc))}")
                continue
            problem = judge_clean(run, secrets)
            tests = {
                t["nodeid"]: t["outcome"] for item in run.summary["items"] for t in item["tests"]
            }
            done.append(FlakeRun(number, workers, run.took_s, problem, tests))
            say(f"run {number:>2} ({workers}): {run.verdict} in {run.took_s:.1f}s  {problem}")
    finally:
        playbook.stop()
    return done, flaky_tests(done)


def flaky_tests(runs: list[FlakeRun]) -> list[str]:
    """Each test whose outcome was not the same in every run (one that needed another try to
    pass: the suite never retries a test within a run), with its outcomes run by run."""
    answered = [r for r in runs if r.outcomes]  # a run with no verdict is named on its own
    names = sorted({n for r in answered for n in r.outcomes})
    found = []
    for name in names:
        seen = [r.outcomes.get(name, "absent") for r in answered]
        if len(set(seen)) > 1:
            found.append(f"{name}: {', '.join(seen)}")
    return found


def _shard(text: str) -> tuple[int, int]:
    index, _, count = text.partition("/")
    try:
        i, n = int(index), int(count)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not I/N (e.g. 1/2)") from None
    if not 1 <= i <= n:
        raise argparse.ArgumentTypeError(f"shard {text}: I must be between 1 and N")
    return i, n


def chosen_faults(faults: str | None, shard: tuple[int, int]) -> list[str]:
    """The faults to run: `faults` (comma-separated) or the whole catalogue, then shard I of N
    (every N-th, from the I-th). ValueError naming an unknown fault and listing the known ones."""
    names = [n.strip() for n in faults.split(",") if n.strip()] if faults else list(FAULTS)
    unknown = [n for n in names if n not in FAULTS]
    if unknown:
        raise ValueError(f"unknown fault {', '.join(unknown)}; known faults: {', '.join(FAULTS)}")
    index, count = shard
    return names[index - 1 :: count]


def shard_runs(names: list[str], shard: tuple[int, int], share: Path | None) -> Iterator[str]:
    """The faults shard I of N runs, in order. Without `share`: its own (every N-th of
    `names`, from the I-th). With `share`, a folder every shard of the catalogue names: each
    fault is claimed there before it runs (a file created only if absent), the shard's own
    first, then, once those are done, the other shards' not yet claimed, from their ends, so
    that a shard that finishes early takes over work instead of waiting: every fault runs
    exactly once across the shards."""
    index, count = shard
    own = names[index - 1 :: count]
    if share is None:
        yield from own
        return
    share.mkdir(parents=True, exist_ok=True)

    def claimed(name: str) -> bool:
        try:
            os.close(os.open(share / name.replace("/", "_"), os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        except FileExistsError:
            return False
        return True

    others = [n for n in reversed(names) if n not in own]
    yield from (name for name in [*own, *others] if claimed(name))


def share_options(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """Under xdist, ``--share`` with a folder of this session's own (under its base temp, named
    by the session's run uid, never one a former session left), so the shard files on the
    workers end together; serially, none (each shard runs its own faults)."""
    session = os.environ.get("PYTEST_XDIST_TESTRUNUID")
    if not session:
        return []
    return ["--share", str(tmp_path_factory.getbasetemp().parent / f"matrix-share-{session}")]


# CI's shard files (selftests/gate/test_matrix_shard_I.py), one per CI worker. Three on two
# cores: a serial gate run waits on its stacks, browser and inbox much of its time, so two shards
# side by side left the CPU 19 % idle (the catalogue alone took 1,168 s in two shards, 993 s and
# 1,129 s in three, on one day; README, "detection matrix").
SHARDS = 3


def run_shard(index: int, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Run shard `index` of SHARDS as CI does (sharing the session's folder under xdist):
    pytest.fail naming each fault not detected or not injected."""
    run_command("--shard", f"{index}/{SHARDS}", *share_options(tmp_path_factory))


def run_command(*args: str) -> str:
    """Run `python -m selftests.matrix *args` as CI does, bounded in time (a hang gets SIGTERM,
    so that it stops its stacks, then SIGKILL); its output, or pytest.fail with the output's
    tail (naming what failed) when it exits non-zero."""
    from selftests.gate.conftest import clean_env

    process = subprocess.Popen(
        [sys.executable, "-m", "selftests.matrix", *args],
        cwd=ROOT,
        env=clean_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    try:
        out, err = process.communicate(timeout=COMMAND_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.communicate(timeout=120)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        pytest.fail(f"selftests.matrix {' '.join(args)}: no answer after {COMMAND_TIMEOUT_S:.0f}s")
    print(out)
    if process.returncode != 0:
        pytest.fail(f"exit {process.returncode}:\n{err[-4000:]}\n{out[-4000:]}")
    return out


def _terminate(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    """Run the detection matrix (or the flake check); exit 0 when every check held."""
    parser = argparse.ArgumentParser(
        prog="python -m selftests.matrix",
        description="Every fault of the playbook's catalogue through the gate, or the flake check.",
    )
    parser.add_argument("--shard", type=_shard, default=(1, 1), help="I/N: every N-th fault")
    parser.add_argument(
        "--share",
        type=Path,
        default=None,
        help="a folder the shards of one run all name: a shard done with its own faults takes "
        "the others' not yet started",
    )
    parser.add_argument("--faults", default=None, help="comma-separated faults (default: all)")
    parser.add_argument("--out", type=Path, default=None, help=f"default {DEFAULT_OUT}")
    parser.add_argument("--no-reuse", action="store_true", help="an old of its own for each run")
    parser.add_argument("--flake-check", action="store_true", help="the clean gate, many runs")
    parser.add_argument("--runs", type=int, default=10, help="runs of the flake check")
    parser.add_argument("--state", type=Path, default=None, help="where stacks live (kept)")
    args = parser.parse_args(argv)
    try:
        names = chosen_faults(args.faults, (1, 1))
    except ValueError as exc:
        print(f"matrix: {exc}", file=sys.stderr)
        return 2
    if args.runs < 2:
        print(f"matrix: --runs must be at least 2, got {args.runs}", file=sys.stderr)
        return 2
    base = args.state or Path(tempfile.mkdtemp(prefix="pm-matrix-", dir="/tmp"))
    base.mkdir(parents=True, exist_ok=True)

    def say(line: str) -> None:
        print(line, flush=True)

    index, count = args.shard
    out = args.out or (
        DEFAULT_OUT.with_name(f"detection-matrix-{index}of{count}.md") if count > 1 else DEFAULT_OUT
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    shard = f"shard {index}/{count}, " if count > 1 else ""
    header = (
        f"{shard}{'one old per run' if args.no_reuse else 'old started and dumped once'}; "
        f"volume {ROWS} rows, {USERS} users; seconds measured on this machine."
    )
    signal.signal(signal.SIGTERM, _terminate)  # stacks are stopped on the way out
    begun = time.monotonic()

    def written(outcomes: list[Outcome]) -> None:
        out.write_text(matrix_markdown(outcomes, time.monotonic() - begun, header))

    if args.share is not None:
        header += f" Faults shared with the other shards through {args.share}."
    # The first clean run once (on the first shard); every shard ends with one on its old.
    faults = shard_runs(names, args.shard, args.share)
    runs = itertools.chain([CLEAN] if index == 1 else [], faults, [f"{CLEAN}-again"])
    try:
        if args.flake_check:
            return _flake_main(args.runs, base, say)
        outcomes = run_matrix(runs, base, not args.no_reuse, say, written)
    finally:
        if args.state is None:
            shutil.rmtree(base, ignore_errors=True)
    written(outcomes)
    print(out.read_text())
    failing = [o for o in outcomes if not o.held]
    for o in failing:
        print(f"matrix: {o.name}: {o.result}: {o.injection_failed or o.problem}", file=sys.stderr)
    return 1 if failing else 0


def _flake_main(runs: int, base: Path, say: Say) -> int:
    done, flaky = run_flake_check(runs, base, say)
    failing = [f"run {r.number} ({r.workers}): {r.problem}" for r in done if r.problem]
    failing += [f"needed another run: {name}" for name in flaky]
    if len(done) < runs and not failing:
        failing.append(f"only {len(done)} of {runs} runs")
    for line in failing:
        print(f"flake check: {line}", file=sys.stderr)
    if not failing:
        took = [r.took_s for r in done]
        say(f"flake check: GO {runs} times in a row ({', '.join(f'{t:.0f}s' for t in took)})")
    return 1 if failing else 0


if __name__ == "__main__":
    sys.exit(main())
