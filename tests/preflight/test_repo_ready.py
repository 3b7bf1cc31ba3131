"""Repo clean, CI green: what is released is committed, pushed, and green in CI."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from postmigration.config import Target
from postmigration.evidence import Evidence
from postmigration.findings import fail_on
from postmigration.repo import (
    ChecksUnknown,
    github_slug,
    head_check_runs,
    upstream_of,
    work_tree_changes,
)
from postmigration.session import CI_TOKEN, RunConfig

pytestmark = [pytest.mark.postmigration, pytest.mark.preflight, pytest.mark.item("repo-ready")]


def _app_repo(pm_config: RunConfig, target: Target) -> Path:
    if pm_config.app_repo is None:
        target.require("app_repo")
    assert pm_config.app_repo is not None
    return pm_config.app_repo


def test_work_tree_clean_and_head_on_its_upstream(
    pm_config: RunConfig, target: Target, evidence: Evidence
) -> None:
    """The app's work tree has no modified, staged or untracked file (`git status --porcelain`),
    and HEAD is on a branch whose upstream (as last fetched: the gate does not fetch) is the
    same commit."""
    repo = _app_repo(pm_config, target)
    changes = work_tree_changes(repo)
    upstream = upstream_of(repo)
    evidence.text(
        "app repository",
        f"{repo}\nHEAD {upstream.head} on {upstream.branch or '(detached)'}, "
        f"upstream {upstream.upstream or '(none)'}\n"
        + ("\n".join(changes) if changes else "work tree clean"),
    )
    problems = [f"the work tree of {repo} is not clean: {', '.join(changes)}"] if changes else []
    if upstream.problem:
        problems.append(upstream.problem)
    fail_on(problems, "the app's repository is not ready to release")


def test_ci_checks_green_on_head(
    pm_config: RunConfig, target: Target, http: httpx.Client, evidence: Evidence
) -> None:
    """Every check run GitHub's checks API has for HEAD completed as success, neutral or
    skipped (the gate's own workflow run, GITHUB_RUN_ID, left out). Without a token (GITHUB_TOKEN) or a GitHub repository (github_repo, or a
    github.com remote), or when GitHub cannot say, not verified with the reason."""
    repo = _app_repo(pm_config, target)
    if not pm_config.ci_token:
        pytest.skip(f"CI not verified: no CI token (set {CI_TOKEN} to read GitHub's checks)")
    slug = github_slug(repo, target.github_repo)
    if slug is None:
        pytest.skip(
            f"CI not verified: {repo}'s remote is not on github.com "
            f'(set github_repo = "owner/name" in [targets.{target.name}])'
        )
    head = upstream_of(repo).head
    try:
        checks = head_check_runs(http, slug, head, pm_config.ci_token, pm_config.ci_run_id)
    except ChecksUnknown as exc:
        pytest.skip(f"CI not verified: {exc}")
    left_out = f"\n(this gate's own run, left out: {', '.join(checks.own)})" if checks.own else ""
    evidence.text(
        f"check runs of {slug}@{head[:12]}", ("\n".join(checks.runs) or "none") + left_out
    )
    if not checks.runs:
        pytest.skip(f"CI not verified: no check ran on HEAD {head[:12]} of {slug}")
    fail_on(checks.not_green, f"CI is not green on HEAD {head[:12]} of {slug}")
