"""Edge functions served by a real Deno, one process per function.

Each directory of the functions dir whose name does not start with `_` is a function; its
`index.ts` runs unmodified under `deno_host.ts`, which makes its `Deno.serve(...)` listen on a
free 127.0.0.1 port and reports that port in a ready file. The environment of a worker is
exactly the function secrets (plus DENO_DIR and the machine's trust and proxy variables), so a
secret missing from `functions.env` is missing in the function too.

`DenoSupervisor` is what the gateway's lifespan starts and stops; `cache_functions()`
pre-fetches the functions' npm dependencies into the shared Deno cache. Like Supabase after
`supabase secrets set` or `supabase functions deploy`, a change of the secrets or of the
functions' code reaches the next invocation without restarting anything else: the router asks
`redeploy_if_changed()` first, which boots new workers (requests wait for them) and retires the
old ones once the requests they are serving are answered.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import IO, Any

import httpx

from .errors import StackError
from .settings import file_stamp
from .trust import trust_environment

HOST_SCRIPT = Path(__file__).with_name("deno_host.ts")
log = logging.getLogger("reference.stack.deno")

DEFAULT_BOOT_TIMEOUT = 30.0
# Supabase's wall-clock limit for a request (free plan); the CLI allows 400 s.
REQUEST_TIMEOUT = 150.0


class DenoNotFound(StackError):
    """No Deno executable: install the `deno` PyPI package into the virtualenv."""


def deno_executable() -> str:
    """The Deno to run: the virtualenv's (`pip install deno`) first, then `deno` on PATH."""
    beside_python = Path(sys.executable).with_name("deno")
    if beside_python.is_file():
        return str(beside_python)
    found = shutil.which("deno")
    if found:
        return found
    raise DenoNotFound("deno not found: run `.venv/bin/pip install deno` (or put deno on PATH)")


def default_deno_dir() -> Path:
    """The shared Deno cache (DENO_DIR), so npm packages are fetched once per machine."""
    env = os.environ.get("DENO_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "deno"


def discover_functions(functions_dir: Path) -> dict[str, Path]:
    """Function name -> its index.ts, for every directory not starting with `_`."""
    if not functions_dir.is_dir():
        return {}
    return {
        child.name: child / "index.ts"
        for child in sorted(functions_dir.iterdir())
        if not child.name.startswith((".", "_")) and (child / "index.ts").is_file()
    }


def cache_functions(
    functions_dir: Path, deno_dir: Path | None = None, timeout: float = 300
) -> None:
    """Fetch every function's dependencies (npm packages) into DENO_DIR ahead of `up`.

    Raises RuntimeError naming the function whose dependencies could not be fetched.
    """
    deno_dir = deno_dir or default_deno_dir()
    deno_dir.mkdir(parents=True, exist_ok=True)
    env = {"DENO_DIR": str(deno_dir), "NO_COLOR": "1", "PATH": os.environ.get("PATH", "")}
    env.update(trust_environment())
    for name, entry in discover_functions(functions_dir).items():
        done = subprocess.run(
            [deno_executable(), "cache", "--no-config", "--no-lock", str(HOST_SCRIPT), str(entry)],
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if done.returncode != 0:
            raise RuntimeError(
                f"could not fetch the dependencies of function {name!r}: {_first_error(done.stderr)}"
                " (if outbound HTTPS goes through a proxy, set SSL_CERT_FILE or"
                " NODE_EXTRA_CA_CERTS to its CA bundle, and HTTPS_PROXY)"
            )


def _first_error(stderr: str) -> str:
    """Deno's own error line (`error: ...`), not the stack frame printed after it."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    for line in lines:
        if line.lower().startswith("error"):
            return line
    return lines[0] if lines else "(no output)"


class WorkerState(StrEnum):
    """Where a worker is in its life."""

    BOOTING = "booting"
    READY = "ready"
    BOOT_ERROR = "boot_error"  # exited or timed out before listening
    EXITED = "exited"  # was ready, then the process ended (a crash)
    STOPPED = "stopped"


@dataclass
class FunctionWorker:
    """One function's Deno process and what the gateway needs to reach it."""

    name: str
    entrypoint: Path
    log_path: Path
    ready_file: Path
    process: subprocess.Popen[bytes] | None = None
    port: int | None = None
    state: WorkerState = WorkerState.BOOTING
    boot_seconds: float | None = None
    # Requests proxied to this worker and not yet answered in full (a retired worker waits).
    in_flight: int = 0
    _log: IO[bytes] | None = field(default=None, repr=False)

    @property
    def base_url(self) -> str:
        """http://127.0.0.1:PORT of the running worker."""
        return f"http://127.0.0.1:{self.port}"

    def refresh(self) -> WorkerState:
        """Update and return the state from the process (a ready worker that exited crashed)."""
        if self.process is not None and self.process.poll() is not None:
            if self.state is WorkerState.READY:
                self.state = WorkerState.EXITED
            elif self.state is WorkerState.BOOTING:
                self.state = WorkerState.BOOT_ERROR
        return self.state


@dataclass(frozen=True)
class Deployment:
    """What the workers run: the functions' code (each file's mtime and size) and secrets."""

    code: tuple[tuple[str, tuple[int, int] | None], ...]
    secrets: Mapping[str, str]


class DenoSupervisor:
    """Starts one Deno worker per edge function, redeploys them, and stops them all.

    The gateway's lifespan calls `await supervisor.start()` then `await supervisor.stop()`;
    the `/functions/v1` routes call `await supervisor.redeploy_if_changed()`, then look
    workers up with `supervisor.worker(name)`.
    """

    def __init__(
        self,
        functions_dir: Path,
        secrets: Mapping[str, str],
        logs_dir: Path,
        *,
        deno_dir: Path | None = None,
        boot_timeout: float = DEFAULT_BOOT_TIMEOUT,
    ) -> None:
        self.functions_dir = functions_dir.resolve()
        self.secrets = dict(secrets)
        self.logs_dir = logs_dir
        self.deno_dir = (deno_dir or default_deno_dir()).resolve()
        self.boot_timeout = boot_timeout
        self.workers: dict[str, FunctionWorker] = {}
        self.executable = deno_executable()  # fail early, in one line, when Deno is missing
        self.http = self._new_client()
        self._run_dir: Path | None = None
        self._deployed: Deployment | None = None
        self._deploying = asyncio.Lock()
        self._generation = 0
        self._retired: list[FunctionWorker] = []
        self._retiring: set[asyncio.Task[None]] = set()

    @staticmethod
    def _new_client() -> httpx.AsyncClient:
        # trust_env=False: a proxy from the environment must never sit between us and 127.0.0.1
        return httpx.AsyncClient(
            timeout=httpx.Timeout(REQUEST_TIMEOUT, connect=5.0), trust_env=False
        )

    def worker(self, name: str) -> FunctionWorker | None:
        """The worker serving function `name`, or None when there is no such function."""
        return self.workers.get(name)

    def current_secrets(self) -> dict[str, str]:
        """The secrets a worker starting now gets (fixed here; FunctionWorkers reads the file)."""
        return dict(self.secrets)

    def _deployment(self) -> Deployment:
        files = sorted(path for path in self.functions_dir.rglob("*") if path.is_file())
        code = tuple((str(path), file_stamp(path)) for path in files)
        return Deployment(code, self.current_secrets())

    async def start(self) -> None:
        """Start every function's worker in parallel and wait until each listens or failed.

        A worker that fails to boot is kept in state BOOT_ERROR (the gateway answers 503);
        its log in `logs/functions-<name>.log` says why.
        """
        self.logs_dir.mkdir(parents=True, exist_ok=True)
        self.deno_dir.mkdir(parents=True, exist_ok=True)
        if self.http.is_closed:
            self.http = self._new_client()
        self._run_dir = Path(tempfile.mkdtemp(prefix="edge-functions-"))
        self._deployed = self._deployment()
        self.workers = await self._boot(self._deployed.secrets)

    async def _boot(self, secrets: Mapping[str, str]) -> dict[str, FunctionWorker]:
        assert self._run_dir is not None, "start() first"
        self._generation += 1
        workers: dict[str, FunctionWorker] = {}
        for name, entry in discover_functions(self.functions_dir).items():
            worker = FunctionWorker(
                name=name,
                entrypoint=entry,
                log_path=self.logs_dir / f"functions-{name}.log",
                ready_file=self._run_dir / f"{name}-{self._generation}.json",
            )
            workers[name] = worker
            self._spawn(self.executable, worker, secrets)
        await asyncio.gather(*(self._wait_ready(w) for w in workers.values()))
        return workers

    async def redeploy_if_changed(self) -> None:
        """Redeploy when the secrets or the functions' code changed since the workers started.

        New workers boot with the current secrets and code; a request arriving meanwhile
        waits for them (this call holds it). The old workers stop once every request they are
        serving has been answered (or after the request time limit).
        """
        if self._deployed is None or self._deployment() == self._deployed:
            return
        async with self._deploying:
            deployment = self._deployment()
            if deployment == self._deployed:
                return  # another request redeployed while this one waited
            fresh = await self._boot(deployment.secrets)
            retired, self.workers = list(self.workers.values()), fresh
            self.secrets, self._deployed = dict(deployment.secrets), deployment
        self._retired.extend(retired)
        task = asyncio.create_task(self._retire(retired))
        self._retiring.add(task)
        task.add_done_callback(self._retiring.discard)

    async def _retire(self, workers: Iterable[FunctionWorker]) -> None:
        deadline = time.monotonic() + REQUEST_TIMEOUT
        for worker in workers:
            while worker.in_flight > 0 and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            _note(worker, "redeployed: stopped")
            await asyncio.to_thread(_terminate, worker)
            worker.state = WorkerState.STOPPED

    def _spawn(self, executable: str, worker: FunctionWorker, secrets: Mapping[str, str]) -> None:
        env = {
            **secrets,
            "DENO_DIR": str(self.deno_dir),
            "NO_COLOR": "1",
            "EDGE_HOST_ENTRYPOINT": str(worker.entrypoint),
            "EDGE_HOST_READY_FILE": str(worker.ready_file),
        }
        env.update(trust_environment())
        command = [
            executable,
            "run",
            # never pick up a deno.json/package.json of the repo, never write a lockfile
            "--no-config",
            "--no-lock",
            f"--allow-read={self.functions_dir},{self.deno_dir}",
            "--allow-env",
            "--allow-net",
            f"--allow-write={worker.ready_file.parent}",
            "--no-prompt",
            str(HOST_SCRIPT),
        ]
        worker._log = worker.log_path.open("ab")
        worker._log.write(f"--- starting {worker.name} at {time.strftime('%FT%T%z')}\n".encode())
        worker._log.flush()
        worker.process = subprocess.Popen(
            command,
            cwd=worker.entrypoint.parent,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=worker._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # our own process group: stopped without touching others
            preexec_fn=_die_with_parent,
        )

    async def _wait_ready(self, worker: FunctionWorker) -> None:
        started = time.monotonic()
        delay = 0.01
        while True:
            port = _read_port(worker.ready_file)
            if port is not None:
                worker.port = port
                worker.state = WorkerState.READY
                worker.boot_seconds = time.monotonic() - started
                return
            if worker.refresh() is WorkerState.BOOT_ERROR:
                log.warning("edge function %s failed to boot: see %s", worker.name, worker.log_path)
                return
            if time.monotonic() - started > self.boot_timeout:
                worker.state = WorkerState.BOOT_ERROR
                _note(worker, f"did not listen within {self.boot_timeout:.0f}s: stopped")
                log.warning(
                    "edge function %s did not listen in time: see %s", worker.name, worker.log_path
                )
                _terminate(worker)
                return
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.2)

    async def stop(self) -> None:
        """Stop every worker, retired ones too (SIGTERM, then SIGKILL after 5 s), and remove
        the ready files."""
        for task in list(self._retiring):
            task.cancel()
        await self.http.aclose()
        everyone = [*self.workers.values(), *self._retired]
        await asyncio.gather(*(asyncio.to_thread(_terminate, w) for w in everyone))
        for worker in everyone:
            worker.state = WorkerState.STOPPED
        self._retired.clear()
        if self._run_dir is not None:
            shutil.rmtree(self._run_dir, ignore_errors=True)
            self._run_dir = None


class FunctionWorkers(DenoSupervisor):
    """The supervisor for the stack described by `StackSettings` (what the gateway starts).

    Workers log to `<state>/logs/functions-<name>.log`; their environment is
    `settings.current_function_secrets()` (the contents of `functions.env` as set now, with
    the platform's SUPABASE_* values).
    """

    def __init__(self, settings: Any, *, boot_timeout: float = DEFAULT_BOOT_TIMEOUT) -> None:
        super().__init__(
            Path(settings.functions_dir),
            settings.function_secrets,
            Path(settings.state_dir) / "logs",
            boot_timeout=boot_timeout,
        )
        self.settings = settings

    def current_secrets(self) -> dict[str, str]:
        """The secrets as `functions.env` says now (re-read only when the file changed)."""
        return self.settings.current_function_secrets()


def _die_with_parent() -> None:
    # Runs in the child before exec: if the gateway dies without stopping us (SIGKILL, a
    # crash), the kernel sends the worker SIGTERM instead of leaving it orphaned. (Linux ties
    # this to the thread that spawned the worker: start() runs on the event loop's thread.)
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def _read_port(ready_file: Path) -> int | None:
    # The host writes one line; a file caught half-written reads as "not yet".
    try:
        text = ready_file.read_text()
    except FileNotFoundError:
        return None
    if not text.endswith("\n"):
        return None
    return int(json.loads(text)["port"])


def _note(worker: FunctionWorker, message: str) -> None:
    if worker._log is not None and not worker._log.closed:
        worker._log.write(f"--- {message}\n".encode())
        worker._log.flush()


def _terminate(worker: FunctionWorker, grace: float = 5.0) -> None:
    process = worker.process
    if process is not None and process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    if worker._log is not None and not worker._log.closed:
        worker._log.close()


def main(argv: list[str] | None = None) -> int:
    """`python -m reference.stack.deno cache [--functions DIR]`: pre-fetch the functions' deps."""
    import argparse

    from .settings import FUNCTIONS_DIR

    parser = argparse.ArgumentParser(prog="python -m reference.stack.deno")
    parser.add_argument("command", choices=["cache"])
    parser.add_argument("--functions", type=Path, default=FUNCTIONS_DIR, help="functions dir")
    args = parser.parse_args(argv)
    if not args.functions.is_dir():
        print(f"edge functions: no functions dir at {args.functions}", file=sys.stderr)
        return 2
    try:
        cache_functions(args.functions)
    except (DenoNotFound, RuntimeError, subprocess.TimeoutExpired) as exc:
        print(f"edge functions: {exc}", file=sys.stderr)
        return 2
    names = ", ".join(discover_functions(args.functions)) or "none"
    print(f"cached the dependencies of: {names}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
