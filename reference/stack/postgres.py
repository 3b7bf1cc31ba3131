"""A throwaway PostgreSQL cluster made from the system's binaries (Debian's postgresql + contrib)."""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path

from .errors import StackError

UNPRIVILEGED_USER = "postgres"
FALLBACK_USER = "pmstack"


def find_bindir() -> Path:
    """Return the directory holding initdb/pg_ctl/pg_dump, newest version first."""
    candidates = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
        reverse=True,
    )
    pg_config = shutil.which("pg_config")
    if pg_config:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            out = subprocess.run(
                [pg_config, "--bindir"], capture_output=True, text=True, timeout=10
            ).stdout.strip()
            if out:
                candidates.append(Path(out))
    for bindir in candidates:
        if (bindir / "initdb").exists() and (bindir / "pg_ctl").exists():
            return bindir
    raise StackError(
        "no PostgreSQL server binaries found (initdb, pg_ctl): "
        "install them with `apt-get install postgresql postgresql-contrib`"
    )


def require_contrib(bindir: Path) -> None:
    """Fail clearly when pgcrypto or uuid-ossp are not installed next to the server."""
    sharedir = (
        subprocess.run(
            [str(bindir / "pg_config"), "--sharedir"], capture_output=True, text=True
        ).stdout.strip()
        if (bindir / "pg_config").exists()
        else ""
    )
    roots = [Path(sharedir)] if sharedir else []
    roots.append(Path("/usr/share/postgresql") / bindir.parent.name)
    for ext in ("pgcrypto", "uuid-ossp"):
        if not any((root / "extension" / f"{ext}.control").exists() for root in roots):
            raise StackError(
                f"PostgreSQL extension {ext} is not installed: "
                "install it with `apt-get install postgresql-contrib`"
            )


def pg_cron_installed(bindir: Path) -> bool:
    """True when Debian's postgresql-<version>-cron is installed for this server."""
    return (
        Path("/usr/share/postgresql") / bindir.parent.name / "extension" / "pg_cron.control"
    ).exists()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def reserve_port(port: int = 0) -> socket.socket:
    """Hold 127.0.0.1:port (any free port for 0) until the socket is closed. It is bound with
    SO_REUSEADDR and not listening: a plain bind (`free_port`, most clients) or an outgoing
    connection cannot take the port, and uvicorn can serve on the socket itself. Any socket
    bound with SO_REUSEADDR still can (so that PostgreSQL can), which includes another server
    and another reserve_port of the same port: once one of those listens, this one cannot.
    Raises OSError when the port is taken."""
    held = socket.socket()
    try:
        held.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        held.bind(("127.0.0.1", port))
    except OSError:
        held.close()
        raise
    return held


def port_is_free(port: int) -> bool:
    """True when nothing can be listening on 127.0.0.1:port (TIME_WAIT does not count: servers
    bind with SO_REUSEADDR)."""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def server_user() -> pwd.struct_passwd | None:
    """The OS user to run the server as (None when we are not root: it runs as us)."""
    if os.geteuid() != 0:
        return None
    for name in (UNPRIVILEGED_USER, FALLBACK_USER):
        with contextlib.suppress(KeyError):
            return pwd.getpwnam(name)
    subprocess.run(
        ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", FALLBACK_USER],
        check=True,
        capture_output=True,
    )
    return pwd.getpwnam(FALLBACK_USER)


def running_server(data_dir: Path) -> int | None:
    """The pid of the PostgreSQL server running on `data_dir`; None when none does (no pid
    file, or a stale one a killed server left)."""
    try:
        pid = int((data_dir / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass  # alive, another user's
    return pid


@dataclass
class Cluster:
    """One PostgreSQL cluster living in `data_dir`, listening on 127.0.0.1:`port` only."""

    data_dir: Path
    port: int
    bindir: Path

    @property
    def log_file(self) -> Path:
        """Where the server writes its log."""
        return self.data_dir.parent / "logs" / "postgres.log"

    def _run(self, args: list[str], **kw: object) -> subprocess.CompletedProcess[str]:
        user = server_user()
        extra: dict[str, object] = {}
        if user is not None:
            extra = {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}
        return subprocess.run(
            args,
            capture_output=True,
            text=True,
            cwd="/",
            **extra,
            **kw,  # type: ignore[arg-type]
        )

    def _give_to_server_user(self, path: Path) -> None:
        user = server_user()
        if user is None:
            return
        os.chown(path, user.pw_uid, user.pw_gid)
        for root, dirs, files in os.walk(path):
            os.chown(root, user.pw_uid, user.pw_gid)
            for name in dirs + files:
                os.chown(os.path.join(root, name), user.pw_uid, user.pw_gid)
        # The server user must be able to reach the data dir through its parents.
        for parent in path.parents:
            mode = parent.stat().st_mode
            if not mode & 0o001:
                with contextlib.suppress(PermissionError):
                    parent.chmod(mode | 0o001)

    @property
    def initialised(self) -> bool:
        """True once initdb has made the cluster."""
        return (self.data_dir / "PG_VERSION").exists()

    def init(self, superuser_password: str) -> None:
        """Make the cluster: superuser `postgres` with a password, TCP only, tuned for a throwaway."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        pwfile = self.data_dir.parent / ".pwfile"
        pwfile.write_text(superuser_password + "\n")
        pwfile.chmod(0o600)
        self._give_to_server_user(self.data_dir)
        self._give_to_server_user(pwfile)
        try:
            done = self._run(
                [
                    str(self.bindir / "initdb"),
                    "-D",
                    str(self.data_dir),
                    "-U",
                    "postgres",
                    "--pwfile",
                    str(pwfile),
                    "--auth-local=scram-sha-256",
                    "--auth-host=scram-sha-256",
                    "-E",
                    "UTF8",
                    "--locale=C.UTF-8",
                    "--no-sync",
                ]
            )
        finally:
            pwfile.unlink(missing_ok=True)
        if done.returncode != 0:
            raise StackError(f"initdb failed: {done.stderr.strip().splitlines()[-1:]}")
        with (self.data_dir / "postgresql.conf").open("a") as conf:
            conf.write(
                "\n# throwaway stand-in: fast, TCP on loopback only\n"
                "listen_addresses = '127.0.0.1'\n"
                "unix_socket_directories = ''\n"
                "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
                "max_connections = 200\n"
                "shared_buffers = 256MB\n"
                "work_mem = 16MB\n"
                "maintenance_work_mem = 128MB\n"
            )
            if pg_cron_installed(self.bindir):
                # pg_cron runs its jobs in background workers: the cluster has no socket and
                # no trust auth for a libpq connection of its own.
                conf.write(
                    "shared_preload_libraries = 'pg_cron'\n"
                    "cron.database_name = 'postgres'\n"
                    "cron.use_background_workers = on\n"
                    "max_worker_processes = 20\n"
                )

    def stop_leftover(self) -> None:
        """Stop a server that an earlier run left on this data dir (crashed, or killed)."""
        if not (self.data_dir / "postmaster.pid").exists():
            return
        self.stop()
        pid = running_server(self.data_dir)
        if pid is None:
            return  # gone, or a stale pid file: the server removes it itself
        raise StackError(
            f"a PostgreSQL server (pid {pid}) still runs on {self.data_dir} and did not stop: "
            f"stop it (kill {pid}) and try again"
        )

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        self.stop_leftover()
        if not port_is_free(self.port):
            raise StackError(
                f"port {self.port} for PostgreSQL is taken: stop what listens there or pick another"
            )
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        self._give_to_server_user(self.log_file.parent)
        done = self._run(
            [
                str(self.bindir / "pg_ctl"),
                "-D",
                str(self.data_dir),
                "-l",
                str(self.log_file),
                "-o",
                f"-p {self.port}",
                "-w",
                "-t",
                "60",
                "start",
            ]
        )
        if done.returncode != 0:
            tail = self.log_file.read_text(errors="replace").strip().splitlines()[-3:]
            raise StackError(f"PostgreSQL did not start: {' | '.join(tail) or done.stderr.strip()}")

    def stop(self) -> None:
        """Stop the server (fast shutdown), if it runs."""
        self._run(
            [str(self.bindir / "pg_ctl"), "-D", str(self.data_dir), "-m", "fast", "-w", "stop"]
        )
