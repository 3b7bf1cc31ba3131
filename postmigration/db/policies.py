"""Pre-flight "Confirm RLS policies": RLS switched on, the policies themselves, and role grants."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import psycopg

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


def tables_without_rls(
    conn: psycopg.Connection, schemas: tuple[str, ...] = ("public",)
) -> list[str]:
    """Tables of the exposed schemas whose row level security is switched off."""
    return sorted(t for t, on in row_level_security(conn, schemas).items() if not on)


def rls_switched_off(
    new: psycopg.Connection, old: psycopg.Connection, schemas: tuple[str, ...]
) -> list[str]:
    """Tables of `schemas` whose row level security old has on and new has off, each named."""
    on_old = row_level_security(old, schemas)
    return [
        f"row level security is off on {table} on new (on on old)"
        for table in tables_without_rls(new, schemas)
        if on_old.get(table)
    ]


def row_level_security(conn: psycopg.Connection, schemas: tuple[str, ...]) -> dict[str, bool]:
    """Each table of `schemas` (schema.table) and whether its row level security is on."""
    rows = conn.execute(
        """
        select n.nspname || '.' || c.relname, c.relrowsecurity
        from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where c.relkind in ('r', 'p') and n.nspname = any(%s)
        """,
        (list(schemas),),
    ).fetchall()
    return {r[0]: bool(r[1]) for r in rows}


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


def save_snapshot(items: list[Policy], path: Path) -> None:
    """Write policies as a committed snapshot, for targets with no old server to compare to."""
    path.write_text(json.dumps([asdict(p) for p in items], indent=1) + "\n")


def load_snapshot(path: Path) -> list[Policy]:
    """Read a snapshot written by save_snapshot."""
    data = json.loads(path.read_text())
    return sorted(Policy(**{**d, "roles": tuple(d["roles"])}) for d in data)


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
