"""repo-ready and app-build on the shared playbook run, before the DNS switch: the app's
repository left dirty and ahead of its upstream, and new serving the previous release's build,
are NO-GO naming the files, the commit and both builds; put back, the repository part passes
(the CI part is not verified: no GitHub here) and app-build passes. The playbook's own faults
(dirty-repo, stale-build) do the same damage; selftests/playbook/test_app_deploy.py shows it."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from selftests.gate.conftest import ServingPlaybook, gate_on, item_files

FILES = (*item_files("repo-ready"), *item_files("app-build"))
# A token of the right shape; with the playbook's repo (its origin a local path, not GitHub)
# no request leaves this machine, and the token must appear in no report.
FAKE_TOKEN = "ghp_" + "x1Y2z3" * 6


def _git(repo: Path, *args: str) -> None:
    author = ("-c", "user.name=Operator", "-c", "user.email=op@lms.test")
    subprocess.run(["git", *author, "-C", str(repo), *args], check=True, capture_output=True)


def test_dirty_repo_and_stale_build_are_no_go_and_clean_passes(
    breakable: ServingPlaybook, tmp_path: Path
) -> None:
    repo = Path(str(breakable.target("new")["app_repo"]))
    served = breakable.state_dir / "new" / "web-build.json"
    release = served.read_text()
    previous = (breakable.state_dir / "old" / "web-build.json").read_text()
    try:
        (repo / "hotfix.js").write_text("// committed on the build machine, never pushed\n")
        _git(repo, "add", "hotfix.js")
        _git(repo, "commit", "--quiet", "-m", "hotfix")
        with (repo / ".env.production").open("a") as env_file:
            env_file.write("DEBUG=true\n")
        (repo / "notes.txt").write_text("todo\n")
        served.write_text(previous)
        broken = gate_on(breakable, tmp_path / "broken", *FILES, "--phase=pre-cutover")
    finally:
        _git(repo, "reset", "--quiet", "--hard", "@{upstream}")
        (repo / "notes.txt").unlink(missing_ok=True)
        served.write_text(release)
    assert broken.verdict == "NO-GO", broken.digest()
    ready = broken.item("repo-ready")
    assert ready["status"] == "failed", broken.digest()
    assert (
        f"the work tree of {repo} is not clean: .env.production modified, notes.txt untracked"
        in ready["reason"]
    ), ready["reason"]
    # The list under the first line (in the terminal output) names the unpushed commit too.
    assert "1 commit(s) ahead of origin/main: not pushed" in broken.output, broken.output[-3000:]
    build = broken.item("app-build")
    assert build["status"] == "failed", broken.digest()
    old_id, new_id = previous.split('"')[3], release.split('"')[3]
    assert f"the site serves build {old_id}, not the expected build {new_id}" in build["reason"]
    assert "a stale deploy" in build["reason"]

    clean = gate_on(
        breakable,
        tmp_path / "clean",
        *FILES,
        "--phase=pre-cutover",
        env={"GITHUB_TOKEN": FAKE_TOKEN},
    )
    assert clean.item("app-build")["status"] == "passed", clean.digest()
    ready = clean.item("repo-ready")
    outcomes = {t["nodeid"].rsplit("::", 1)[1]: t["outcome"] for t in ready["tests"]}
    assert outcomes == {
        "test_work_tree_clean_and_head_on_its_upstream": "passed",
        "test_ci_checks_green_on_head": "skipped",
    }, clean.digest()
    assert ready["status"] == "not_verified"
    assert "CI not verified" in ready["reason"] and "is not on github.com" in ready["reason"]
    assert FAKE_TOKEN not in clean.report_texts()


def test_a_release_committed_but_never_built_is_no_go_though_the_site_serves_its_manifest(
    breakable: ServingPlaybook, tmp_path: Path
) -> None:
    """The `release-not-built` fault's state: the repository's dist/ still holds the previous
    build's manifest, and new serves that build. The site and the manifest agree, and
    app-build is NO-GO naming the commit built, HEAD and the file changed since."""
    repo = Path(str(breakable.target("new")["app_repo"]))
    served = breakable.state_dir / "new" / "web-build.json"
    manifest = repo / "dist" / "build.json"
    release, built = served.read_text(), manifest.read_text()
    previous = (breakable.state_dir / "old" / "web-build.json").read_text()
    try:
        manifest.write_text(previous)
        served.write_text(previous)
        broken = gate_on(breakable, tmp_path / "broken", *item_files("app-build"))
    finally:
        manifest.write_text(built)
        served.write_text(release)
    build = broken.item("app-build")
    assert build["status"] == "failed", broken.digest()
    old_id, new_id = previous.split('"')[3], release.split('"')[3]
    assert build["reason"] == (
        f"dist/build.json was built from {old_id[:12]}, but HEAD is {new_id[:12]} and the app "
        "changed since (.env.production): the release was never built (build it, or set "
        "app_build)"
    ), build["reason"]


def test_a_release_built_on_a_node_package_json_does_not_allow_is_no_go(
    breakable: ServingPlaybook, tmp_path: Path
) -> None:
    """The `built-on-old-node` fault's manifest (the release built on Node 18, the app's
    package.json asking for >=20), before the switch: app-build is NO-GO naming both; the build
    served is the right one."""
    repo = Path(str(breakable.target("new")["app_repo"]))
    manifest = repo / "dist" / "build.json"
    built = manifest.read_text()
    try:
        manifest.write_text(json.dumps({**json.loads(built), "node": "v18.19.0"}))
        broken = gate_on(
            breakable, tmp_path / "broken", *item_files("app-build"), "--phase=pre-cutover"
        )
    finally:
        manifest.write_text(built)
    build = broken.item("app-build")
    assert build["status"] == "failed", broken.digest()
    assert build["reason"] == (
        f'the app was built on Node v18.19.0 (the "node" field of {manifest}), which '
        "package.json's engines.node (>=20) does not allow: build it on a Node that it allows"
    ), build["reason"]
    tests = {t["nodeid"].rsplit("::", 1)[1]: t["outcome"] for t in build["tests"]}
    assert tests["test_site_serves_the_expected_build"] == "passed", tests
