"""The run lock and the foundations wait for a database that does not answer once, not twice:
the lock's failure is the database foundation's result, in the foundations' own words."""

from __future__ import annotations

from postmigration.config import Target
from postmigration.foundations import probe_all
from postmigration.redact import Redactor
from postmigration.run_lock import take_run_lock
from reference.stack.dead_ports import refusing_port


def _target_at(port: int) -> Target:
    """A target whose API and database are both at 127.0.0.1:`port`."""
    return Target(
        name="new",
        supabase_url=f"http://127.0.0.1:{port}",
        anon_key="anon",
        db_url=f"postgresql://postgres:pw@127.0.0.1:{port}/postgres",
    )


def test_a_database_the_lock_cannot_reach_gives_the_reason_and_no_lock() -> None:
    """No lock taken, and libpq's first line kept for the foundations (as their probe words it)."""
    with refusing_port() as port:
        lock = take_run_lock(_target_at(port), "pm-000001")
    assert lock.conn is None, "a lock was taken on a database that refused the connection"
    assert lock.database_down is not None, "the lock's failure gave no reason"
    assert "refused" in lock.database_down.lower(), lock.database_down
    assert "\n" not in lock.database_down


def test_the_foundations_take_the_locks_reason_instead_of_connecting_again() -> None:
    """Given the lock's reason, the database foundation is down with that reason: it did not
    connect again (a second connection would have said 'refused', not the given words)."""
    with refusing_port() as port:
        found = probe_all(_target_at(port), None, Redactor(), None, "connection timeout expired")
    assert not found["database"].ok
    assert found["database"].detail == "connection timeout expired", found["database"]


def test_without_the_locks_reason_the_foundations_probe_the_database() -> None:
    """A run whose lock was taken (no reason given) probes the database as before."""
    with refusing_port() as port:
        found = probe_all(_target_at(port), None, Redactor())
    assert not found["database"].ok
    assert "refused" in found["database"].detail.lower(), found["database"]
