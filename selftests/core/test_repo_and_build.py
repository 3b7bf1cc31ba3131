"""repo-ready and app-build, our own logic: the git readers on real throwaway repositories,
GitHub's checks API through httpx.MockTransport (no network here: the only way the CI part is
exercised in this project), the build comparison, and a repo path that is not a git
repository as one line, exit 4."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import httpx
import pytest

from postmigration.app_profile import DEFAULT_NOT_BUILT
from postmigration.build import expected_build, manifest_age, same_build, served_build
from postmigration.repo import (
    ChecksUnknown,
    github_slug,
    head_check_runs,
    upstream_of,
    work_tree_changes,
)
from selftests.core.conftest import FakeSupabase, passing_suite, run, write_config

TOKEN = "ghp_secretTOKENvalue0123456789"
SHA = "0123456789abcdef0123456789abcdef01234567"


def _git(repo: Path, *args: str) -> str:
    author = ("-c", "user.name=T", "-c", "user.email=t@example.com")
    done = subprocess.run(["git", *author, "-C", str(repo), *args], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.fixture
def pushed(tmp_path: Path) -> Path:
    """A clone with one commit pushed to its bare origin (HEAD on origin/main)."""
    origin, repo = tmp_path / "origin.git", tmp_path / "app"
    _git(tmp_path, "init", "--quiet", "--bare", str(origin))
    _git(tmp_path, "init", "--quiet", "--initial-branch=main", str(repo))
    _git(repo, "remote", "add", "origin", "git@github.com:acme/lms-web.git")
    _git(repo, "remote", "set-url", "--push", "origin", str(origin))
    (repo / "app.js").write_text("export {};\n")
    _git(repo, "add", "app.js")
    _git(repo, "commit", "--quiet", "-m", "first")
    _git(repo, "push", "--quiet", str(origin), "main")
    _git(repo, "fetch", "--quiet", str(origin), "main:refs/remotes/origin/main")
    _git(repo, "branch", "--quiet", "--set-upstream-to=origin/main")
    return repo


def test_work_tree_changes_and_upstream_in_words(pushed: Path) -> None:
    """Clean and on origin/main; then each kind of change named by file; a local commit is
    'ahead ... not pushed'; a detached HEAD and a branch without upstream say so."""
    assert work_tree_changes(pushed) == []
    assert upstream_of(pushed).problem is None
    (pushed / "app.js").write_text("changed\n")
    (pushed / "notes.txt").write_text("x\n")
    (pushed / "new.js").write_text("x\n")
    _git(pushed, "add", "new.js")
    assert sorted(work_tree_changes(pushed)) == [
        "app.js modified",
        "new.js added (staged)",
        "notes.txt untracked",
    ]
    _git(pushed, "commit", "--quiet", "-am", "local only")
    (pushed / "notes.txt").unlink()
    problem = upstream_of(pushed).problem or ""
    assert "is 1 commit(s) ahead of origin/main: not pushed" in problem, problem
    _git(pushed, "checkout", "--quiet", "-b", "hotfix")
    assert "branch hotfix has no upstream" in (upstream_of(pushed).problem or "")
    _git(pushed, "checkout", "--quiet", "--detach")
    assert "is detached" in (upstream_of(pushed).problem or "")


def test_github_slug_from_the_remote_or_the_setting(pushed: Path) -> None:
    assert github_slug(pushed, None) == "acme/lms-web"
    assert github_slug(pushed, "other/name") == "other/name"
    _git(pushed, "remote", "set-url", "origin", "https://github.com/acme/lms.web.git")
    assert github_slug(pushed, None) == "acme/lms.web"
    _git(pushed, "remote", "set-url", "origin", "https://gitlab.example.com/acme/lms-web.git")
    assert github_slug(pushed, None) is None


def _github(pages: list[list[dict[str, str | None]]], seen: list[httpx.Request]) -> httpx.Client:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        page = int(request.url.params.get("page", "1"))
        headers = {}
        if page < len(pages):
            headers["link"] = f'<{request.url.copy_set_param("page", str(page + 1))}>; rel="next"'
        return httpx.Response(200, json={"check_runs": pages[page - 1]}, headers=headers)

    return httpx.Client(transport=httpx.MockTransport(handler))


def test_check_runs_all_pages_and_every_not_green_one_named() -> None:
    """Success, neutral and skipped are green; a failure and a run still going are named; the
    second page is read; the token goes in the Authorization header only."""
    seen: list[httpx.Request] = []
    client = _github(
        [
            [
                {"name": "lint", "status": "completed", "conclusion": "success"},
                {"name": "docs", "status": "completed", "conclusion": "skipped"},
            ],
            [
                {"name": "tests", "status": "completed", "conclusion": "failure"},
                {"name": "e2e", "status": "in_progress", "conclusion": None},
                {"name": "audit", "status": "completed", "conclusion": "neutral"},
            ],
        ],
        seen,
    )
    checks = head_check_runs(client, "acme/lms-web", SHA, TOKEN)
    assert checks.not_green == (
        'check "tests" concluded failure',
        'check "e2e" still running (in_progress)',
    )
    assert len(checks.runs) == 5
    assert seen[0].url.path == f"/repos/acme/lms-web/commits/{SHA}/check-runs"
    assert seen[0].headers["authorization"] == f"Bearer {TOKEN}"
    assert len(seen) == 2 and all(TOKEN not in str(r.url) for r in seen)
    green = head_check_runs(
        _github([[{"name": "ci", "status": "completed", "conclusion": "success"}]], []),
        "acme/lms-web",
        SHA,
        TOKEN,
    )
    assert green.not_green == () and green.runs == ("ci: concluded success",)
    # The gate's own job, running while it asks, is left out (GitHub Actions' GITHUB_RUN_ID).
    own = "https://github.com/acme/lms-web/actions/runs/77/job/1"
    itself = head_check_runs(
        _github([[{"name": "gate", "status": "in_progress", "details_url": own}]], []),
        "acme/lms-web",
        SHA,
        TOKEN,
        own_run_id="77",
    )
    assert (itself.runs, itself.not_green, itself.own) == ((), (), ("gate",))


def test_github_refusing_or_unreachable_is_unknown_never_green() -> None:
    refused = httpx.Client(
        transport=httpx.MockTransport(
            lambda r: httpx.Response(401, json={"message": "Bad credentials"})
        )
    )
    with pytest.raises(ChecksUnknown, match="GitHub answered 401 .*: Bad credentials") as exc:
        head_check_runs(refused, "acme/lms-web", SHA, TOKEN)
    assert TOKEN not in str(exc.value)

    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("no route to host")

    offline = httpx.Client(transport=httpx.MockTransport(down))
    with pytest.raises(ChecksUnknown, match="GitHub did not answer"):
        head_check_runs(offline, "acme/lms-web", SHA, TOKEN)


def test_expected_build_from_the_setting_else_the_built_manifest(tmp_path: Path) -> None:
    assert expected_build("b-42", tmp_path, "dist/build.json").id == "b-42"  # type: ignore[union-attr]
    assert "no expected build: set app_build" in str(expected_build(None, None, "dist/build.json"))
    assert "does not exist" in str(expected_build(None, tmp_path, "dist/build.json"))
    (tmp_path / "dist").mkdir()
    (tmp_path / "dist" / "build.json").write_text(json.dumps({"build": SHA}))
    found = expected_build(None, tmp_path, "dist/build.json")
    assert (found.id, found.source) == (SHA, str(tmp_path / "dist" / "build.json"))  # type: ignore[union-attr]


def test_a_manifest_built_before_head_changed_the_app_is_stale_never_after_docs_only(
    pushed: Path,
) -> None:
    """manifest_age on a real repository: HEAD's own build passes; commits touching only files
    the build does not read (docs, README, workflows) still pass; one touching the app fails
    naming the files; a build id that is no commit, or a commit the repo lacks, is not judged."""
    built = _git(pushed, "rev-parse", "HEAD")
    age = manifest_age(pushed, built[:7], "dist/build.json", DEFAULT_NOT_BUILT)
    assert (age.problem, age.seen) == (None, f"dist/build.json was built from HEAD {built[:12]}")

    (pushed / "docs").mkdir()
    (pushed / "docs" / "runbook.txt").write_text("cutover steps\n")
    (pushed / "README.md").write_text("# app\n")
    _git(pushed, "add", "--all")
    _git(pushed, "commit", "--quiet", "-m", "docs")
    age = manifest_age(pushed, built, "dist/build.json", DEFAULT_NOT_BUILT)
    assert age.problem is None and "changed only files the build does not read" in age.seen

    (pushed / "app.js").write_text("export const x = 1;\n")
    _git(pushed, "commit", "--quiet", "-am", "feature")
    head = _git(pushed, "rev-parse", "HEAD")
    age = manifest_age(pushed, built, "dist/build.json", DEFAULT_NOT_BUILT)
    assert age.problem == (
        f"dist/build.json was built from {built[:12]}, but HEAD is {head[:12]} and the app "
        "changed since (app.js): the release was never built (build it, or set app_build)"
    )
    assert manifest_age(pushed, built, "m", ("app.js", *DEFAULT_NOT_BUILT)).problem is None

    assert "not a commit: not compared" in manifest_age(pushed, "2026.11.30-3", "m", ()).seen
    unknown = manifest_age(pushed, SHA, "m", ())
    assert unknown.problem is None and "not a commit of" in unknown.seen


def test_same_build_and_what_the_site_serves() -> None:
    assert same_build(SHA[:7], SHA) and same_build(SHA.upper(), SHA)
    assert not same_build(SHA[:6], SHA) and not same_build("build-1", "build-12")

    def site(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/build.json":
            return httpx.Response(200, json={"build": SHA})
        return httpx.Response(200, text="<!doctype html>", headers={"content-type": "text/html"})

    client = httpx.Client(transport=httpx.MockTransport(site))
    assert served_build(client, "http://site.test/build.json").id == SHA
    # A single-page app answers every path with its index.html: no build id, said so.
    spa = served_build(client, "http://site.test/version.json")
    assert spa.id is None and 'a text/html answer without a "build" field' in str(spa.problem)


def test_app_repo_not_a_git_repository_is_one_line_exit_4(
    pytester: pytest.Pytester, fake_supabase: FakeSupabase, tmp_path: Path
) -> None:
    plain = tmp_path / "not-a-repo"
    plain.mkdir()
    config = write_config(pytester, fake_supabase.url)
    text = config.read_text().replace("[targets.new]\n", f'[targets.new]\napp_repo = "{plain}"\n')
    config.write_text(text)
    pytester.makepyfile(test_suite=passing_suite())
    result = run(pytester, "--target=new")
    assert result.ret == pytest.ExitCode.USAGE_ERROR, result.stdout.str()
    errors = [line for line in result.stderr.lines if line.strip()]
    assert errors == [
        f"ERROR: target 'new': app_repo '{plain}' is not a git repository (point it at the "
        'app\'s checkout, e.g. app_repo = ".")'
    ], errors
