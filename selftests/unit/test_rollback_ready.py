"""rollback-ready's own logic: the verdict folds rollback-dump's outcome into it, and the storage
comparison's words."""

from __future__ import annotations

from postmigration import verdict
from postmigration.checklist import CHECKLIST, ITEMS
from postmigration.rollback import missing_objects, objects_not_on_old
from postmigration.storage import StoredObject


def _verdict(
    dump_outcome: str, dump_message: str = "", waived: bool = False
) -> dict[str, tuple[str, str]]:
    tests = [
        verdict.TestResult(f"t::{item.id}", item.id, "passed", 0.0, "")
        for item in CHECKLIST
        if item.id != "rollback-dump"
    ]
    tests.append(verdict.TestResult("t::dump", "rollback-dump", dump_outcome, 0.0, dump_message))  # type: ignore[arg-type]
    severities = {item.id: item.severity for item in CHECKLIST}
    if waived:
        severities["rollback-dump"] = "warning"
    decided = verdict.decide(tests, severities)
    return {r.item.id: (r.status, r.reason) for r in decided.items}


def test_every_needed_item_exists() -> None:
    assert all(needed in ITEMS for item in CHECKLIST for needed, _ in item.needs)


def test_rollback_ready_passes_only_with_the_dump_restored() -> None:
    passed = _verdict("passed")["rollback-ready"]
    assert passed == ("passed", "1 test passed; the last dump restores (rollback-dump passed)")
    failed = _verdict("failed", "pg_restore could not restore x.dump: boom")["rollback-ready"]
    assert failed == (
        "failed",
        "not proved that the last dump restores: rollback-dump failed: "
        "pg_restore could not restore x.dump: boom",
    )
    skipped = _verdict("skipped", "skipped: not verified: no rollback dump given")
    assert skipped["rollback-ready"][0] == "not_verified"
    assert skipped["rollback-ready"][1].startswith(
        "not proved that the last dump restores: rollback-dump not verified: skipped: "
    )
    waived = _verdict("failed", "no dump newer than 24h", waived=True)["rollback-ready"]
    assert waived == (
        "passed",
        "1 test passed; not proved that the last dump restores "
        "(rollback-dump waived: no dump newer than 24h)",
    )
    blocked = _verdict("blocked", "blocked by: database unreachable (refused)")["rollback-ready"]
    assert blocked[0] == "blocked", blocked


def test_missing_objects_in_the_users_words() -> None:
    new = {n: StoredObject(n, 1, "image/png") for n in ("a.png", "b.png", "c.png", "d.png", "e")}
    assert missing_objects("avatars", new, dict(new)) is None
    assert missing_objects("avatars", new, {}, excused={"e"}) == (
        'bucket "avatars" on old lists 0 of the 4 objects new holds from the move '
        "(missing: avatars/a.png and 3 more)"
    )
    assert missing_objects("media", new, None) == (
        'bucket "media" is gone from old (new holds 5 objects from the move)'
    )


def test_objects_not_on_old_from_the_databases_names_what_it_examined_and_its_bounds() -> None:
    """In the databases only the differing partitions' objects are named: when not all were
    examined, the count is a bound (exact when old holds none); old's own total bounds it."""
    assert objects_not_on_old("avatars", 10, []) is None
    assert objects_not_on_old("avatars", 10, [], at_least=True, old_total=12) is None
    assert objects_not_on_old("avatars", 10, ["u1/a.png"]) == (
        'bucket "avatars" on old holds 9 of the 10 objects new holds from the move '
        "(missing: avatars/u1/a.png)"
    )
    assert objects_not_on_old("avatars", 10, ["u1/a.png", "u2/b.png"], at_least=True) == (
        'bucket "avatars" on old holds at most 8 of the 10 objects new holds from the move '
        "(missing: avatars/u1/a.png and 1 more; not every differing object was examined, "
        "more may be missing)"
    )
    assert objects_not_on_old("avatars", 10, [], at_least=True, old_total=7) == (
        'bucket "avatars" on old holds at most 7 of the 10 objects new holds from the move '
        "(missing: none of them among the objects examined; not every differing object was "
        "examined, more may be missing)"
    )
    assert objects_not_on_old(
        "avatars", 151, ["u1/a.png", "u2/b.png"], at_least=True, old_total=0
    ) == (
        'bucket "avatars" on old holds 0 of the 151 objects new holds from the move '
        "(missing: avatars/u1/a.png and 150 more)"
    )
