"""App deploy: the app's repository, its production build, and the build each site serves.

The playbook's "App deploy" (`npm ci`, `npm run build:prod`, deploy) on the reference app.
Its sources live in a git repository in the state dir (`app/`, pushed to a bare
`app-origin.git` as `origin`): the release old serves, then the release commit that points
the app at new's project. The reference app has no bundler, so its build writes only the
build manifest `dist/build.json` (`{"build": <the commit built>}`; `dist/` is ignored by git),
with the Node.js it ran on (`"node": "v20.11.1"`, as `node -v` says here), and deploying a
build puts that manifest in the stack's state dir, where the site serves it at
`/build.json`.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reference.stack.settings import WEB_DIR

from .errors import PlaybookError
from .faults import Fault

STEP = "app-deploy"
REPO_DIR = "app"
ORIGIN_DIR = "app-origin.git"
MANIFEST = Path("dist") / "build.json"
# Where a stack serves the manifest of the build deployed on it (read by its gateway).
DEPLOYED_MANIFEST = "web-build.json"
# What a stack's /config.js serves over its own settings: the build's environment (its key).
DEPLOYED_CONFIG = "web-config.json"
ENV_FILE = ".env.production"
# The operator running the build; a repo of its own, so the machine's git identity is not needed.
_AUTHOR = ("-c", "user.name=Release Manager", "-c", "user.email=release@lms.test")


@dataclass(frozen=True)
class Deployed:
    """What the step left: the repository and the build each site serves."""

    repo: Path
    built: str
    on_old: str
    on_new: str

    def summary(self) -> str:
        """One line for the playbook's output."""
        note = "" if self.on_new == self.built else f" (NOT the release build {self.built[:12]})"
        return (
            f"{REPO_DIR}/ on origin/main; old serves build {self.on_old[:12]}, "
            f"new serves build {self.on_new[:12]}{note}"
        )


def git(repo: Path, *args: str) -> str:
    """Run git in `repo`; its output, or PlaybookError with git's first line of complaint."""
    done = subprocess.run(
        ["git", *_AUTHOR, "-C", str(repo), *args], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        first = (done.stderr.strip().splitlines() or [f"exit {done.returncode}"])[0]
        raise PlaybookError(STEP, f"git {args[0]}: {first}")
    return done.stdout.strip()


def node_version() -> str | None:
    """`node -v` of this machine (the build's Node), None when node is not installed."""
    node = shutil.which("node")
    if node is None:
        return None
    done = subprocess.run([node, "-v"], capture_output=True, text=True, check=False)
    return (done.stdout.strip() or None) if done.returncode == 0 else None


def _release(
    repo: Path, supabase_url: str, message: str, node: str | None, build: bool = True
) -> str:
    """Commit the app pointed at `supabase_url`, push it, build it on Node `node` (recorded in
    the manifest when known; unless not `build`: the manifest of the build before stays); the
    release's commit."""
    (repo / ENV_FILE).write_text(f"SUPABASE_URL={supabase_url}\n")
    git(repo, "add", "--all")
    git(repo, "commit", "--quiet", "-m", message)
    git(repo, "push", "--quiet", "--set-upstream", "origin", "main")
    commit = git(repo, "rev-parse", "HEAD")
    if build:
        (repo / MANIFEST).parent.mkdir(exist_ok=True)
        built = {"build": commit, **({"node": node} if node else {})}
        (repo / MANIFEST).write_text(json.dumps(built) + "\n")
    return commit


def deploy_app(
    state_dir: Path, old: tuple[Path, str], new: tuple[Path, str], fault: Fault
) -> Deployed:
    """Make the app's repository, release and deploy the build old serves, then the release for
    new (each given as its stack's state dir and URL); the fault may leave the work tree dirty,
    deploy the previous build on new, or skip the release's build (its dist/ then still holds
    the previous build's manifest, which is what gets deployed)."""
    repo, origin = state_dir / REPO_DIR, state_dir / ORIGIN_DIR
    for path in (repo, origin):
        shutil.rmtree(path, ignore_errors=True)
    shutil.copytree(WEB_DIR, repo, ignore=shutil.ignore_patterns("node_modules"))
    (repo / ".gitignore").write_text("node_modules/\ndist/\n")
    git(state_dir, "init", "--quiet", "--bare", str(origin))
    git(repo, "init", "--quiet", "--initial-branch=main")
    git(repo, "remote", "add", "origin", str(origin))
    here = node_version()
    on_old = _release(repo, old[1], "The app as old serves it", here)
    (old[0] / DEPLOYED_MANIFEST).write_text((repo / MANIFEST).read_text())
    built = _release(
        repo,
        new[1],
        "Point the app at the new project",
        fault.build_node(here),
        build=fault.builds_release(),
    )
    manifest = (repo / MANIFEST).read_text() if fault.deploys_release_build() else None
    (new[0] / DEPLOYED_MANIFEST).write_text(manifest or (old[0] / DEPLOYED_MANIFEST).read_text())
    for path, text in fault.left_in_work_tree().items():
        with (repo / path).open("a") as edited:
            edited.write(text)
    on_new = json.loads((new[0] / DEPLOYED_MANIFEST).read_text())["build"]
    return Deployed(repo, built, on_old, on_new)


def public_key(target: Mapping[str, Any]) -> str:
    """The key a project's web app ships: its publishable key, else its legacy anon key."""
    return str(target.get("publishable_key") or target["anon_key"])


def deploy_public_key(new_dir: Path, new_key: str, old_key: str, fault: Fault) -> str:
    """The build deployed on new carries new's public key (the stack serves it by default);
    the fault may deploy it with old's, recorded as the build's environment. Summary suffix."""
    carried = fault.app_public_key(new_key, old_key)
    (new_dir / DEPLOYED_CONFIG).unlink(missing_ok=True)
    if carried == new_key:
        return ""
    (new_dir / DEPLOYED_CONFIG).write_text(json.dumps({"anonKey": carried}))
    return f"; the build carries old's public key (fault {fault.name})"
