"""Benchmark: how fast the gate gives its verdict (issue 13, "Fast verdicts").

Starts its own playbook stacks (old -> new) once per latency (`--latency-ms` of the stand-in:
every answer of the gateway and the site waits N ms, a far target), then measures, in one run
against those same stacks, the median of `--repeat` runs (the suite runs round by round, so
that a machine slowing down for a while weighs on every case of a ratio alike) of:
  - the full suite, serial and under `-n 2`; the API-only subset (`not e2e`);
  - the slowest item of the serial run, alone (its tests by node id);
  - time to NO-GO when new refuses connections, accepts them but never answers, or only its
    auth is down (the gateway's `serve_auth` switch);
  - the peak memory of each run: the summed RSS of the gate's process tree (pytest, its xdist
    workers, Chromium), sampled every 0.1 s; and its CPU time (user + system of the tree), less
    sensitive than wall time to other work on the machine.
Prints one table per latency and the ratios of issue 13: at 40 ms `-n 2` / serial (target
<= 0.6), full run / slowest item (target <= 2), each down case / the connect timeout (10 s,
target <= 2). Exits 0 whatever the ratios: absolute times on a loaded machine are noisy.
First it caches pytest's rewritten modules (postmigration.precompile, as scripts/setup.sh
does): where PYTHONDONTWRITEBYTECODE is set, a source edited since setup would otherwise be
rewritten and compiled again by every gate process and xdist worker (0.1-0.2 s of CPU each
with every cache stale, by collect-only runs), which a suite as installed does not pay.

Usage: .venv/bin/python benchmarks/verdict.py [--repeat 3] [--latencies 0,40]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from reference.playbook.runner import PlaybookProcess  # noqa: E402
from reference.stack.dead_ports import refusing_port, silent_port  # noqa: E402

VOLUME = ("--rows", "3000", "--users", "1000")
CONNECT_TIMEOUT_S = 10.0
RUN_TIMEOUT_S = 600.0
_FOREIGN_ENV = ("POSTMIGRATION_", "PYTEST_ADDOPTS", "PYTEST_XDIST")


@dataclass
class Run:
    """One gate run: wall time, CPU time of its process tree, verdict, peak RSS, summary.json."""

    seconds: float
    cpu_s: float
    verdict: str
    peak_mb: float
    summary: dict = field(repr=False)


@dataclass
class Row:
    """One line of the table: the runs of one case."""

    name: str
    runs: list[Run]

    @property
    def seconds(self) -> float:
        """Median wall time."""
        return statistics.median(r.seconds for r in self.runs)

    @property
    def cpu_s(self) -> float:
        """Median CPU time (user + system) of the gate and everything it started."""
        return statistics.median(r.cpu_s for r in self.runs)

    @property
    def peak_mb(self) -> float:
        """Highest peak memory over the runs."""
        return max(r.peak_mb for r in self.runs)

    @property
    def verdicts(self) -> str:
        """The verdicts, deduplicated (one word when every run agreed)."""
        return "/".join(sorted({r.verdict for r in self.runs}))


def _clean_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(_FOREIGN_ENV)}
    return {**env, **(extra or {})}


class TreeMemory:
    """The summed RSS of a process and its descendants, read from /proc, cheaply enough to be
    sampled 10 times a second beside a CPU-bound run (the sampler's CPU is taken from the run it
    measures): each process's parent is read once, when it first appears, and after that only
    the run's own processes are read again, not every process on the machine.

    A process whose parent dies stays counted (it is still the run's); a pid that leaves /proc
    is forgotten, so a reused pid is read anew.
    """

    def __init__(self, root: int) -> None:
        self._root = root
        self._ours: dict[int, bool] = {}  # pid -> a descendant of root (or root itself)

    @staticmethod
    def _stat(pid: int) -> list[str] | None:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                return stat.read().rsplit(")", 1)[1].split()
        except OSError:
            return None

    def mb(self) -> float:
        """The tree's RSS now, in MB."""
        present = {int(e) for e in os.listdir("/proc") if e.isdigit()}
        for gone in self._ours.keys() - present:
            del self._ours[gone]
        new = {}
        for pid in present - self._ours.keys():
            fields = self._stat(pid)
            if fields is not None:
                new[pid] = int(fields[1])  # its parent
        # Parents first: a child that appeared with its parent in one sample finds it known.
        changed = True
        while changed:
            changed = False
            for pid, parent in list(new.items()):
                if pid == self._root or self._ours.get(parent):
                    self._ours[pid] = True
                elif parent in self._ours or parent not in new:
                    self._ours[pid] = False
                else:
                    continue
                del new[pid]
                changed = True
        pages = 0
        for pid in [p for p, ours in self._ours.items() if ours]:
            fields = self._stat(pid)
            if fields is not None:
                pages += int(fields[21])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def gate(report_dir: Path, options: tuple[str, ...], env: dict[str, str] | None = None) -> Run:
    """Run `pytest <options>` once, timing it and sampling its process tree's memory."""
    command = [sys.executable, "-m", "pytest", *options, f"--report-dir={report_dir}"]
    # A basetemp of its own: other pytest sessions on the machine prune the shared one.
    command.append(f"--basetemp={report_dir.with_name(report_dir.name + '-tmp')}")
    command += ["-q", "-p", "no:warnings", "-p", "no:randomly", "-p", "no:cacheprovider"]
    started = time.monotonic()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=_clean_env(env),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
    )
    peak, memory = 0.0, TreeMemory(process.pid)
    while process.poll() is None:
        peak = max(peak, memory.mb())
        if time.monotonic() - started > RUN_TIMEOUT_S:
            process.kill()
        time.sleep(0.1)
    took = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    path = report_dir / "summary.json"
    summary = json.loads(path.read_text()) if path.is_file() else {}
    verdict = str(summary.get("verdict", f"no summary (exit {process.returncode})"))
    return Run(took, cpu, verdict, peak, summary)


@contextlib.contextmanager
def auth_down(new_state: Path) -> Iterator[None]:
    """new's gateway answers 503 on /auth/v1 (its `serve_auth` switch); on again afterwards."""
    switches = new_state / "gateway.json"
    before = switches.read_text() if switches.exists() else None
    routes = json.loads(before) if before else {}
    switches.write_text(json.dumps({**routes, "serve_auth": False}))
    try:
        yield
    finally:
        if before is None:
            switches.unlink()
        else:
            switches.write_text(before)


def _elsewhere(db_url: str, port: int) -> dict[str, str]:
    """Environment overrides that move new's API, site and database to 127.0.0.1:`port`."""
    dead_db = db_url.rsplit("@", 1)[0] + f"@127.0.0.1:{port}/postgres"
    url = f"http://127.0.0.1:{port}"
    return {"NEW_SUPABASE_URL": url, "NEW_SITE_URL": url, "NEW_SUPABASE_DB_URL": dead_db}


def measure(state: Path, latency_ms: int, repeat: int) -> list[Row]:
    """Start the playbook at `latency_ms` and time every case `repeat` times against it."""
    playbook = PlaybookProcess(
        state / "state", (*VOLUME, f"--latency-ms={latency_ms}"), env=_clean_env()
    )
    playbook.start()
    try:
        config = state / "state" / "postmigration.toml"
        explicit = ("--target=new", "--compare-to=old", f"--pm-config={config}")
        full = ("-m", "postmigration", *explicit)
        db_url = str(playbook.config["targets"]["new"]["db_url"])
        counter = iter(range(10_000))

        def times(name: str, make: Callable[[], Run]) -> Row:
            row = Row(name, [make() for _ in range(repeat)])
            print(f"  {name}: {row.seconds:.1f}s {row.verdicts}", file=sys.stderr, flush=True)
            return row

        def report_dir() -> Path:
            return state / f"report-{next(counter)}"

        def down(port_of: Callable[[], contextlib.AbstractContextManager[int]]) -> Run:
            with port_of() as port:
                return gate(report_dir(), full, _elsewhere(db_url, port))

        def no_auth() -> Run:
            with auth_down(state / "state" / "new"):
                return gate(report_dir(), full)

        # The four suite runs go round by round (serial, -n 2, API only, slowest item, then
        # again), not case by case: a machine that slows down for a few minutes then slows
        # every case of the ratios alike instead of the cases measured in those minutes.
        api = ("-m", "postmigration and not e2e", *explicit)
        cases: dict[str, list[Run]] = {}
        slowest_nodeids: tuple[str, ...] = ()
        slowest_name = ""
        for round_ in range(repeat):
            cases.setdefault("full suite, serial", []).append(gate(report_dir(), full))
            if round_ == 0:
                first = cases["full suite, serial"][0].summary["items"]
                slowest = max(first, key=lambda item: item["duration_s"])
                slowest_nodeids = tuple(test["nodeid"] for test in slowest["tests"])
                slowest_name = f"slowest item alone ({slowest['id']})"
            parallel = (*full, "-n", "2")
            cases.setdefault("full suite, -n 2", []).append(gate(report_dir(), parallel))
            cases.setdefault("API only (not e2e)", []).append(gate(report_dir(), api))
            alone = (*full, *slowest_nodeids)
            cases.setdefault(slowest_name, []).append(gate(report_dir(), alone))
            print(f"  round {round_ + 1} of {repeat} done", file=sys.stderr, flush=True)
        rows = [Row(name, runs) for name, runs in cases.items()]
        for row in rows:
            print(f"  {row.name}: {row.seconds:.1f}s {row.verdicts}", file=sys.stderr, flush=True)
        rows.append(times("NO-GO: connection refused", lambda: down(refusing_port)))
        rows.append(times("NO-GO: accepts, never answers", lambda: down(silent_port)))
        rows.append(times("NO-GO: only auth down", no_auth))
        return rows
    finally:
        playbook.stop()


def table(latency_ms: int, rows: list[Row], repeat: int) -> str:
    """The rows and the ratios of issue 13 as plain text."""
    lines = [
        f"latency {latency_ms} ms (median of {repeat}; 2 cores shared with other work: noisy)",
        "  (a subset run is NO-GO by design: the items it leaves out are not verified)",
        f"  {'case':<44} {'seconds':>8} {'CPU s':>7} {'peak MB':>8}  verdict",
    ]
    lines += [
        f"  {r.name:<44} {r.seconds:>8.1f} {r.cpu_s:>7.1f} {r.peak_mb:>8.0f}  {r.verdicts}"
        for r in rows
    ]
    serial, parallel, _api, slowest, *down = rows
    lines.append(f"  ratio -n 2 / serial: {parallel.seconds / serial.seconds:.2f} (target <= 0.6)")
    full_ratio = serial.seconds / slowest.seconds
    lines.append(f"  ratio full run (serial) / slowest item: {full_ratio:.2f} (target <= 2)")
    parallel_ratio = parallel.seconds / slowest.seconds
    lines.append(f"  ratio full run (-n 2) / slowest item: {parallel_ratio:.2f} (target <= 2)")
    for row in down:
        ratio = row.seconds / CONNECT_TIMEOUT_S
        lines.append(f"  ratio {row.name} / connect timeout: {ratio:.2f} (target <= 2)")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per case (median)")
    parser.add_argument("--latencies", default="0,40", help="stand-in latencies in ms")
    args = parser.parse_args()
    latencies = [int(part) for part in args.latencies.split(",")]
    cached = subprocess.run([sys.executable, "-m", "postmigration.precompile", "tests"], cwd=ROOT)
    if cached.returncode != 0:
        print(
            "(the rewritten modules could not be cached: each run rewrites them)", file=sys.stderr
        )
    tables = []
    with tempfile.TemporaryDirectory(prefix="verdict-") as scratch:
        for latency in latencies:
            print(f"latency {latency} ms: starting the playbook", file=sys.stderr, flush=True)
            rows = measure(Path(scratch) / f"at-{latency}", latency, args.repeat)
            tables.append(table(latency, rows, args.repeat))
    print("\n\n".join(tables))
    return 0


if __name__ == "__main__":
    sys.exit(main())
