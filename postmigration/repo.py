"""The app's repository, for "Repo clean, CI green": its work tree, its upstream, HEAD's checks.

Git is read, never changed: no fetch, so "on its upstream" means as of the last fetch. HEAD's
checks come from GitHub's checks API (``GET /repos/{owner}/{repo}/commits/{sha}/check-runs``)
with the token from ``GITHUB_TOKEN``; the token goes in a header and nowhere else.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import httpx

from postmigration.errors import ConfigError
from postmigration.redact import excerpt

__all__ = [
    "GITHUB_API",
    "CheckRuns",
    "ChecksUnknown",
    "Upstream",
    "app_repo_at",
    "git_output",
    "github_slug",
    "head_check_runs",
    "is_slug",
    "upstream_of",
    "work_tree_changes",
]

GITHUB_API = "https://api.github.com"
# A check whose conclusion is one of these lets the release through.
GREEN_CONCLUSIONS = ("success", "neutral", "skipped")
_SLUG = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
# git@github.com:owner/name.git, ssh://git@github.com/owner/name, https://github.com/owner/name.git
_GITHUB_REMOTE = re.compile(r"github\.com[:/]([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+?)(?:\.git)?/?$")
# porcelain v1 status letters, in the user's words
_STATUS_WORDS = {
    "M": "modified",
    "A": "added",
    "D": "deleted",
    "R": "renamed",
    "C": "copied",
    "U": "unmerged",
    "T": "type changed",
}


def _git(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=False, timeout=60
    )


def git_output(repo: Path, *args: str) -> str | None:
    """git's output in `repo`, stripped; None when the command fails (or git is missing)."""
    try:
        done = _git(repo, *args)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def app_repo_at(setting: str, where: str, cwd: Path) -> Path:
    """The top of the git work tree at ``setting`` (relative to ``cwd``); ConfigError naming
    ``where`` when it is not a git repository (or git is not installed)."""
    path = (cwd / setting).resolve()
    try:
        found = _git(path, "rev-parse", "--show-toplevel")
    except FileNotFoundError:
        raise ConfigError(f"{where}: app_repo needs git, which is not installed") from None
    if found.returncode != 0 or not found.stdout.strip():
        raise ConfigError(
            f"{where}: app_repo {str(path)!r} is not a git repository "
            '(point it at the app\'s checkout, e.g. app_repo = ".")'
        )
    return Path(found.stdout.strip())


def work_tree_changes(repo: Path) -> list[str]:
    """Each uncommitted change of the work tree (``git status --porcelain``), in words:
    ``.env.production modified``, ``notes.txt untracked``."""
    status = _git(repo, "status", "--porcelain", "--untracked-files=all")
    if status.returncode != 0:
        return [f"git status failed: {status.stderr.strip() or status.returncode}"]
    changes = []
    for line in status.stdout.splitlines():
        code, path = line[:2], line[3:]
        if code == "??":
            changes.append(f"{path} untracked")
            continue
        words = [_STATUS_WORDS.get(letter, letter) for letter in code.strip()]
        staged = " (staged)" if code[0] != " " and code[1] == " " else ""
        changes.append(f"{path} {' and '.join(dict.fromkeys(words))}{staged}")
    return changes


@dataclass(frozen=True)
class Upstream:
    """Where HEAD stands against its upstream, as last fetched."""

    head: str
    branch: str | None
    upstream: str | None
    ahead: int = 0
    behind: int = 0

    @property
    def problem(self) -> str | None:
        """Why HEAD is not known to be what its upstream holds, in words; None when it is."""
        short = self.head[:12]
        if not self.head:
            return "the repository has no commit: nothing to release"
        if self.branch is None:
            return f"HEAD {short} is detached (no branch): it has no upstream to be on"
        if self.upstream is None:
            return (
                f"branch {self.branch} has no upstream: HEAD {short} is not known to be pushed "
                f"(git push --set-upstream origin {self.branch})"
            )
        if self.ahead and self.behind:
            return (
                f"HEAD {short} of {self.branch} has diverged from {self.upstream} "
                f"({self.ahead} commit(s) not pushed, {self.behind} not pulled; as last fetched)"
            )
        if self.ahead:
            return f"HEAD {short} of {self.branch} is {self.ahead} commit(s) ahead of {self.upstream}: not pushed"
        if self.behind:
            return (
                f"HEAD {short} of {self.branch} is {self.behind} commit(s) behind {self.upstream} "
                "(as last fetched): not the upstream's latest"
            )
        return None


def _branch(repo: Path) -> str | None:
    """HEAD's branch; None when HEAD is detached."""
    return _git(repo, "symbolic-ref", "--quiet", "--short", "HEAD").stdout.strip() or None


def upstream_of(repo: Path) -> Upstream:
    """HEAD, its branch, the branch's upstream and how far apart they are."""
    head = _git(repo, "rev-parse", "HEAD").stdout.strip()
    branch = _branch(repo)
    found = _git(repo, "rev-parse", "--abbrev-ref", "--symbolic-full-name", "@{upstream}")
    upstream = found.stdout.strip() if found.returncode == 0 and branch else None
    if upstream is None:
        return Upstream(head, branch, None)
    counts = _git(repo, "rev-list", "--left-right", "--count", "HEAD...@{upstream}").stdout.split()
    ahead, behind = (int(counts[0]), int(counts[1])) if len(counts) == 2 else (0, 0)
    return Upstream(head, branch, upstream, ahead, behind)


def github_slug(repo: Path, configured: str | None) -> str | None:
    """``owner/name`` of the app on GitHub: the configured one, else read from the upstream's
    remote (or ``origin``) when it is on github.com; None when neither says."""
    if configured:
        return configured
    branch = _branch(repo)
    remote = branch and _git(repo, "config", "--get", f"branch.{branch}.remote").stdout.strip()
    remote = remote or "origin"
    url = _git(repo, "remote", "get-url", remote).stdout.strip()
    match = _GITHUB_REMOTE.search(url)
    return f"{match.group(1)}/{match.group(2)}" if match else None


def is_slug(value: str) -> bool:
    """Whether ``value`` reads as a GitHub ``owner/name``."""
    return bool(_SLUG.match(value))


@dataclass(frozen=True)
class CheckRuns:
    """HEAD's check runs on GitHub: each as ``name: status/conclusion``, the ones not green, and
    the gate's own (left out)."""

    runs: tuple[str, ...]
    not_green: tuple[str, ...]
    own: tuple[str, ...] = ()


class ChecksUnknown(Exception):
    """GitHub could not tell HEAD's checks (unreachable, token refused, no such commit)."""


def head_check_runs(
    client: httpx.Client, slug: str, sha: str, token: str, own_run_id: str | None = None
) -> CheckRuns:
    """Every check run GitHub has for ``sha`` (all pages), but those of the workflow run
    ``own_run_id`` (the gate's own job, running while it asks); ChecksUnknown when GitHub
    cannot say."""
    headers = {
        "Authorization": f"Bearer {token}",
        "Accept": "application/vnd.github+json",
        "X-GitHub-Api-Version": "2022-11-28",
    }
    url: str | None = f"{GITHUB_API}/repos/{slug}/commits/{sha}/check-runs?per_page=100"
    runs: list[str] = []
    not_green: list[str] = []
    own: list[str] = []
    while url:
        try:
            answer = client.get(url, headers=headers)
        except httpx.HTTPError as exc:
            raise ChecksUnknown(f"GitHub did not answer ({type(exc).__name__}: {exc})") from None
        if answer.status_code != 200:
            message = _message_of(answer)
            raise ChecksUnknown(
                f"GitHub answered {answer.status_code} for {slug}@{sha[:12]}'s check runs"
                + (f": {message}" if message else "")
            )
        for run in answer.json().get("check_runs", []):
            name, status, conclusion = run.get("name"), run.get("status"), run.get("conclusion")
            if own_run_id and f"/actions/runs/{own_run_id}/" in str(run.get("details_url", "")):
                own.append(str(name))
                continue
            if status != "completed":
                state = f"still running ({status})"
            else:
                state = f"concluded {conclusion}"
            runs.append(f"{name}: {state}")
            if status != "completed" or conclusion not in GREEN_CONCLUSIONS:
                not_green.append(f'check "{name}" {state}')
        url = answer.links.get("next", {}).get("url")
    return CheckRuns(tuple(runs), tuple(not_green), tuple(own))


def _message_of(answer: httpx.Response) -> str:
    try:
        return excerpt(str(answer.json().get("message", "")), 200)
    except ValueError:
        return ""
