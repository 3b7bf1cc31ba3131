"""Damage on a running new target that the storage, private-images and stored-URL checks must see.

Two gate runs on the shared `breakable` playbook, each on the relevant test files only:

- First run, new damaged four ways at once: one chat image's content-type lost
  (metadata->>'mimetype', which Storage serves, set to application/octet-stream); one avatar's
  bytes overwritten on disk (same size, so only its hash tells); a SELECT policy letting any
  signed-in user read chat-images; one profile's avatar_url, past row 1,000 in the table's
  scan order, put back on old's origin. storage-parity (its sample set to every object, so the
  overwritten avatar is downloaded) must name both objects, upload the other signed-in
  account, app-deploy the table, column and count (scanned in the database).
- Second run: reading chat images as "invitee" breaks inside Postgres (HTTP 500), and the
  stale avatar_url again, with new's db_url left out so the URLs are paged through the API.
  upload must fail naming the 500, app-deploy the table, column and count.

Each run repairs new exactly (the original metadata, bytes and URL; the policy dropped).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from reference.stack.state import StateDir
from selftests.gate.conftest import (
    ServingPlaybook,
    SuiteRun,
    damaged,
    gate_on,
    query_one,
    sql_literal,
    without_new_db_url,
)
from selftests.gate.test_strength_storage_sample import with_storage_sample

STORAGE_PARITY = "tests/parity/test_storage_parity.py"
PRIVATE_IMAGES = "tests/smoke/test_private_images.py"
APP_DEPLOY = "tests/e2e/test_app_deploy.py"
LEAKY_POLICY = "pm damage: any signed-in user reads chat images"
BROKEN_POLICY = "pm damage: reading chat images breaks for the invitee"
EVERY_OBJECT = 100_000  # a storage_sample larger than any bucket of the playbook


@dataclass(frozen=True)
class StaleAvatar:
    """A profile row far past the first 1,000 whose avatar_url is put on old's origin."""

    id: str
    url: str
    stale_url: str


@contextlib.contextmanager
def stale_avatar(playbook: ServingPlaybook) -> Iterator[StaleAvatar]:
    """The last profile in the heap with an avatar: its avatar_url on old's origin for the
    block (triggers off, so nothing else changes), then the exact value back."""
    new_origin = str(playbook.target("new")["supabase_url"])
    old_origin = str(playbook.target("old")["supabase_url"])
    row_id, url = query_one(
        playbook,
        "new",
        "select id::text, avatar_url from public.profiles where starts_with(avatar_url, %s) "
        "order by ctid desc limit 1",
        new_origin + "/",
    )
    avatar = StaleAvatar(str(row_id), str(url), str(url).replace(new_origin, old_origin, 1))

    def setting(value: str) -> list[str]:
        return [
            "set session_replication_role = replica",
            f"update public.profiles set avatar_url = {sql_literal(value)} where id = {sql_literal(avatar.id)}",
        ]

    with damaged(playbook, "new", setting(avatar.stale_url), setting(avatar.url)):
        (before,) = query_one(
            playbook,
            "new",
            "select count(*) from public.profiles "
            "where ctid < (select ctid from public.profiles where id = %s::uuid)",
            avatar.id,
        )
        # The first page of 1,000 (the API's Max rows) in scan order does not reach it.
        assert int(str(before)) >= 1000, f"only {before} profiles come before the damaged row"
        yield avatar


@dataclass(frozen=True)
class BrokenObjects:
    """One chat image whose content-type was lost, one avatar whose bytes were overwritten."""

    retyped: str
    overwritten: str


@contextlib.contextmanager
def broken_objects(playbook: ServingPlaybook) -> Iterator[BrokenObjects]:
    """A chat image served as application/octet-stream and an avatar's bytes changed on disk
    (same size), both put back exactly afterwards."""
    name, metadata = query_one(
        playbook,
        "new",
        "select name, metadata::text from storage.objects where bucket_id = 'chat-images' "
        "and metadata->>'mimetype' = 'image/png' order by name limit 1",
    )
    (avatar,) = query_one(
        playbook,
        "new",
        "select name from storage.objects where bucket_id = 'avatars' order by name limit 1",
    )
    where = f"bucket_id = 'chat-images' and name = {sql_literal(str(name))}"
    retype = (
        "update storage.objects set metadata = "
        "jsonb_set(metadata, '{mimetype}', '\"application/octet-stream\"') where " + where
    )
    restore = (
        f"update storage.objects set metadata = {sql_literal(str(metadata))}::jsonb where {where}"
    )
    on_disk = StateDir(playbook.state_dir / "new").storage / "avatars" / str(avatar)
    original = on_disk.read_bytes()
    changed = bytearray(original)
    changed[len(changed) // 2] ^= 0xFF
    with damaged(playbook, "new", [retype], [restore]):
        try:
            on_disk.write_bytes(bytes(changed))
            yield BrokenObjects(f"chat-images/{name}", f"avatars/{avatar}")
        finally:
            on_disk.write_bytes(original)


def _messages(run: SuiteRun, item: str) -> str:
    """Every test message of one item, one per line (each test's first line)."""
    found = run.item(item)
    assert found["status"] == "failed", run.digest()
    return "\n".join(str(t["message"]) for t in found["tests"])


@dataclass(frozen=True)
class FirstRun:
    """The gate's answer to the four damages of the first run."""

    run: SuiteRun
    objects: BrokenObjects
    avatar: StaleAvatar


@pytest.fixture(scope="module")
def first_run(breakable: ServingPlaybook, tmp_path_factory: pytest.TempPathFactory) -> FirstRun:
    """Lost content-type, overwritten bytes, a leaky chat-images policy and a stale avatar URL
    past row 1,000, all on new; the gate on their three files; new repaired."""
    leak = (
        f'create policy "{LEAKY_POLICY}" on storage.objects for select to authenticated '
        "using (bucket_id = 'chat-images')"
    )
    unleak = f'drop policy if exists "{LEAKY_POLICY}" on storage.objects'
    report = tmp_path_factory.mktemp("strength-storage-1")
    config = with_storage_sample(breakable, report.parent / "sample-all.toml", EVERY_OBJECT)
    with (
        broken_objects(breakable) as objects,
        stale_avatar(breakable) as avatar,
        damaged(breakable, "new", [leak], [unleak]),
    ):
        run = gate_on(breakable, report, STORAGE_PARITY, PRIVATE_IMAGES, APP_DEPLOY, config=config)
    return FirstRun(run, objects, avatar)


def test_a_lost_content_type_fails_storage_parity_naming_the_object(first_run: FirstRun) -> None:
    messages = _messages(first_run.run, "storage-parity")
    lost = (
        f"{first_run.objects.retyped}: content-type is application/octet-stream on new "
        "but image/png on old"
    )
    assert lost in messages, first_run.run.digest()


def test_overwritten_bytes_fail_storage_parity_naming_the_object(first_run: FirstRun) -> None:
    messages = _messages(first_run.run, "storage-parity")
    assert "2 objects on new differ from old; first: " in messages, first_run.run.digest()
    assert f"{first_run.objects.overwritten}: bytes differ from old (sha256 " in messages, (
        first_run.run.digest()
    )


def test_a_chat_image_readable_by_another_user_fails_upload_naming_them(
    first_run: FirstRun,
) -> None:
    messages = _messages(first_run.run, "upload")
    assert 'is readable by signed-in "invitee"' in messages, first_run.run.digest()
    assert 'bucket "chat-images" is not shown to be readable by the owner only' in messages


def test_a_stale_url_past_row_1000_fails_app_deploy_from_the_database(
    first_run: FirstRun,
) -> None:
    messages = _messages(first_run.run, "app-deploy")
    expected = (
        f"profiles.avatar_url: 1 row still points at an old origin (id {first_run.avatar.id})"
    )
    assert expected in messages, first_run.run.digest()


@pytest.fixture(scope="module")
def second_run(
    breakable: ServingPlaybook, tmp_path_factory: pytest.TempPathFactory
) -> tuple[SuiteRun, StaleAvatar]:
    """Chat images break with a 500 for the invitee, and the stale avatar URL again, with the
    gate reading new through its APIs only; new repaired."""
    invitee = sql_literal(str(breakable.config["accounts"]["invitee"]["email"]))
    # Division by zero inside the policy, for the invitee only: Storage answers HTTP 500.
    breaks = (
        f'create policy "{BROKEN_POLICY}" on storage.objects for select to authenticated '
        f"using (bucket_id = 'chat-images' and 1 / (case when auth.email() = {invitee} "
        "then 0 else 1 end) = 0)"
    )
    repair = f'drop policy if exists "{BROKEN_POLICY}" on storage.objects'
    report = tmp_path_factory.mktemp("strength-storage-2")
    config = without_new_db_url(breakable, report.parent / "no-db-url.toml")
    with stale_avatar(breakable) as avatar, damaged(breakable, "new", [breaks], [repair]):
        run = gate_on(breakable, report, PRIVATE_IMAGES, APP_DEPLOY, config=config)
    return run, avatar


def test_a_500_for_another_user_fails_upload_naming_the_status(
    second_run: tuple[SuiteRun, StaleAvatar],
) -> None:
    run, _ = second_run
    messages = _messages(run, "upload")
    assert 'answered signed-in "invitee"' in messages, run.digest()
    assert "HTTP 500 (statusCode 500" in messages, run.digest()


def test_a_stale_url_past_row_1000_fails_app_deploy_through_the_api(
    second_run: tuple[SuiteRun, StaleAvatar],
) -> None:
    run, avatar = second_run
    messages = _messages(run, "app-deploy")
    expected = f"profiles.avatar_url: 1 row still points at an old origin (e.g. {avatar.stale_url})"
    assert expected in messages, run.digest()


def test_new_is_repaired(
    breakable: ServingPlaybook, first_run: FirstRun, second_run: tuple[SuiteRun, StaleAvatar]
) -> None:
    """After both runs: no damage policy left, the content-type, bytes and URL as migrated."""
    (policies,) = query_one(
        breakable,
        "new",
        "select count(*) from pg_policies where schemaname = 'storage' and policyname = any(%s)",
        [LEAKY_POLICY, BROKEN_POLICY],
    )
    assert policies == 0
    (url,) = query_one(
        breakable,
        "new",
        "select avatar_url from public.profiles where id = %s::uuid",
        first_run.avatar.id,
    )
    assert url == first_run.avatar.url
    (mimetype,) = query_one(
        breakable,
        "new",
        "select metadata->>'mimetype' from storage.objects where bucket_id = 'chat-images' "
        "and name = %s",
        first_run.objects.retyped.split("/", 1)[1],
    )
    assert mimetype == "image/png"
    new, old = (StateDir(breakable.state_dir / side).storage for side in ("new", "old"))
    avatar = first_run.objects.overwritten
    assert (new / avatar).read_bytes() == (old / avatar).read_bytes()
