"""Pre-flight "Confirm RLS policies": RLS switched on, the policies themselves, and role grants."""

from __future__ import annotations

from dataclasses import dataclass

import psycopg

from .scope import PLATFORM_SCHEMAS
from .tables import relation_exists


@dataclass(frozen=True, order=True)
class Policy:
    """One row policy as pg_policies shows it."""

    schema: str
    table: str
    name: str
    command: str
    roles: tuple[str, ...]
    using: str | None
    with_check: str | None
    permissive: str = "PERMISSIVE"

    @property
    def where(self) -> str:
        """`schema.table` policy "name", for messages."""
        return f'policy "{self.name}" on {self.schema}.{self.table}'


@dataclass(frozen=True)
class RowSecurity:
    """A table's row level security: switched on, and forced on its owner too (FORCE)."""

    enabled: bool
    forced: bool


def tables_without_rls(
    conn: psycopg.Connection, schemas: tuple[str, ...] = ("public",)
) -> list[str]:
    """Tables of the exposed schemas whose row level security is switched off."""
    return sorted(t for t, rls in row_level_security(conn, schemas).items() if not rls.enabled)


def rls_differences(
    new: psycopg.Connection, old: psycopg.Connection, schemas: tuple[str, ...]
) -> list[str]:
    """Tables of `schemas` (on both) whose row level security old has on and new has off, or
    that one server forces on the table's owner and the other does not (for the app's own
    schemas: the platform's tables, storage.objects say, are forced or not by its version),
    each named."""
    return row_security_differences(
        row_level_security(new, schemas), row_level_security(old, schemas)
    )


def row_security_differences(
    new: dict[str, RowSecurity], old: dict[str, RowSecurity], *, where: str = "old"
) -> list[str]:
    """What :func:`rls_differences` names, from each side's tables (a table only one side has
    is schema-parity's); `where` names the expected side ("old", or the snapshot)."""
    problems: list[str] = []
    for table in sorted(new.keys() & old.keys()):
        mine, theirs = new[table], old[table]
        if theirs.enabled and not mine.enabled:
            problems.append(f"row level security is off on {table} on new (on on {where})")
        elif table.partition(".")[0] in PLATFORM_SCHEMAS:
            continue
        elif theirs.forced and not mine.forced:
            problems.append(
                f"row level security is no longer forced on {table} on new: {where} forces it on"
                " the table's owner too (FORCE ROW LEVEL SECURITY)"
            )
        elif mine.forced and not theirs.forced:
            problems.append(
                f"row level security is forced on {table} on new but not on {where}: new holds the"
                " table's owner to its policies too (FORCE ROW LEVEL SECURITY)"
            )
    return problems


def row_level_security(
    conn: psycopg.Connection, schemas: tuple[str, ...]
) -> dict[str, RowSecurity]:
    """Each table of `schemas` (schema.table) and its row level security."""
    rows = conn.execute(
        """
        select n.nspname || '.' || c.relname, c.relrowsecurity, c.relforcerowsecurity
        from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where c.relkind in ('r', 'p') and n.nspname = any(%s)
        """,
        (list(schemas),),
    ).fetchall()
    return {r[0]: RowSecurity(bool(r[1]), bool(r[2])) for r in rows}


def policies(
    conn: psycopg.Connection, schemas: tuple[str, ...] = ("public", "storage")
) -> list[Policy]:
    """Every policy of `schemas`, sorted, with roles sorted so two servers compare equal."""
    rows = conn.execute(
        """
        select schemaname, tablename, policyname, cmd, roles, qual, with_check, permissive
        from pg_policies where schemaname = any(%s)
        """,
        (list(schemas),),
    ).fetchall()
    return sorted(
        Policy(s, t, n, c, tuple(sorted(r or [])), q, w, p) for s, t, n, c, r, q, w, p in rows
    )


def policy_differences(actual: list[Policy], expected: list[Policy], *, where: str) -> list[str]:
    """What differs between the target's policies and the expected ones (old's or a snapshot)."""
    have = {(p.schema, p.table, p.name): p for p in actual}
    want = {(p.schema, p.table, p.name): p for p in expected}
    problems = [
        f"{want[k].where} is missing (present in {where})"
        for k in sorted(want.keys() - have.keys())
    ]
    problems += [f"{have[k].where} is not in {where}" for k in sorted(have.keys() - want.keys())]
    for key in sorted(have.keys() & want.keys()):
        a, b = have[key], want[key]
        for label in ("command", "roles", "using", "with_check", "permissive"):
            if getattr(a, label) != getattr(b, label):
                problems.append(
                    f"{a.where} differs in {label}: {getattr(a, label)!r} (expected {getattr(b, label)!r})"
                )
    return problems


def grant_problems(
    conn: psycopg.Connection,
    tables: tuple[str, ...],
    schema: str = "public",
) -> list[str]:
    """The privileges Supabase itself guarantees on the app's tables: the service role may
    SELECT, INSERT, UPDATE and DELETE every one (the API's server-side paths rely on it).

    What anon and authenticated hold is the app's choice (a hardened project revokes some):
    the `grants` item compares it with old.
    """
    problems: list[str] = []
    for table in tables:
        qualified = f"{schema}.{table}"
        if not relation_exists(conn, qualified):
            problems.append(f"table {qualified} does not exist")
            continue
        for privilege in ("SELECT", "INSERT", "UPDATE", "DELETE"):
            ok = conn.execute(
                "select has_table_privilege('service_role', %s, %s)", (qualified, privilege)
            ).fetchone()
            if not (ok and ok[0]):
                problems.append(f"role service_role lacks {privilege} on {qualified}")
    return problems
