"""The grants comparison's own logic (no database): MAINTAIN, which PostgreSQL 17 added, is
compared only when both sides can have it; every other difference is still named."""

from __future__ import annotations

from postmigration.db.grants import Privileges, privilege_differences, privileges_not_compared

PG15, PG17 = 150008, 170004
# What Supabase's `GRANT ALL` gives anon on a table, before and from PostgreSQL 17.
ALL_ON_15 = "DELETE, INSERT, REFERENCES, SELECT, TRIGGER, TRUNCATE, UPDATE"
ALL_ON_17 = "DELETE, INSERT, MAINTAIN, REFERENCES, SELECT, TRIGGER, TRUNCATE, UPDATE"
TABLE = "table public.courses to anon"
DEFAULT = "default privileges of postgres in schema public for future tables to anon"


def _on(version: int, **grants: str) -> Privileges:
    return Privileges(
        {TABLE: grants["table"], DEFAULT: grants["default"]}, server_version_num=version
    )


def test_a_pg15_old_and_a_pg17_new_with_the_same_grants_agree() -> None:
    """Every table and default privilege holding MAINTAIN on a 17 new only: no finding, and
    the evidence sentence says MAINTAIN was not compared and why."""
    old = _on(PG15, table=ALL_ON_15, default=ALL_ON_15)
    new = _on(PG17, table=ALL_ON_17, default=ALL_ON_17)
    assert privilege_differences(new, old) == []
    assert privileges_not_compared(new, old) == {
        "MAINTAIN": "MAINTAIN is not compared: PostgreSQL 17 added it, and new runs"
        " PostgreSQL 17.4, old runs PostgreSQL 15.8"
    }


def test_a_grant_lost_between_pg15_and_pg17_is_still_named() -> None:
    """A 17 new where anon lost SELECT and gained UPDATE (which old kept from it): both named,
    MAINTAIN not."""
    old = _on(PG15, table="SELECT", default=ALL_ON_15)
    new = _on(PG17, table="MAINTAIN, UPDATE", default=ALL_ON_17)
    assert privilege_differences(new, old) == [
        "anon lacks SELECT on table public.courses (old grants it)",
        "anon holds UPDATE on table public.courses, which old does not grant",
    ]


def test_maintain_is_compared_when_both_servers_have_it() -> None:
    """Old and new on 17: MAINTAIN gained or lost is a difference like any other."""
    old = _on(PG17, table="SELECT", default=ALL_ON_17)
    new = _on(PG17, table="MAINTAIN, SELECT", default=ALL_ON_15)
    assert privileges_not_compared(new, old) == {}
    assert privilege_differences(new, old) == [
        "anon holds MAINTAIN on table public.courses, which old does not grant",
        "anon lacks MAINTAIN on default privileges of postgres in schema public for future"
        " tables (old grants it)",
    ]


def test_a_pg17_old_and_a_pg15_new_leave_maintain_out_too() -> None:
    """The other way round (new cannot express it): MAINTAIN is not named as lost."""
    old = _on(PG17, table=ALL_ON_17, default=ALL_ON_17)
    new = _on(PG15, table=ALL_ON_15, default=ALL_ON_15)
    assert privilege_differences(new, old) == []


def test_a_snapshot_without_maintain_counts_as_older_than_17() -> None:
    """The committed snapshot (no server version, MAINTAIN nowhere) against a 17 new: MAINTAIN
    not compared, said so; a revoke lost is still named with the snapshot's name."""
    snapshot = {TABLE: "SELECT", DEFAULT: ALL_ON_15}
    new = _on(PG17, table="MAINTAIN, SELECT, UPDATE", default=ALL_ON_17)
    assert privilege_differences(new, snapshot, old_name="the snapshot") == [
        "anon holds UPDATE on table public.courses, which the snapshot does not grant"
    ]
    assert privileges_not_compared(new, snapshot, old_name="the snapshot")["MAINTAIN"].endswith(
        "new runs PostgreSQL 17.4, the snapshot holds it nowhere (no server version recorded)"
    )


def test_a_snapshot_holding_maintain_is_compared_on_it() -> None:
    """A snapshot taken on 17 (it holds MAINTAIN) against a 17 new that lost it: named."""
    snapshot = {TABLE: ALL_ON_17, DEFAULT: ALL_ON_17}
    new = _on(PG17, table=ALL_ON_15, default=ALL_ON_17)
    assert privilege_differences(new, snapshot, old_name="the snapshot") == [
        "anon lacks MAINTAIN on table public.courses (the snapshot grants it)"
    ]
