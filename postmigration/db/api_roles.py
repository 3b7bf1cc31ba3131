"""Whether the API's roles are as Supabase makes them: bound by row level security or not,
and reachable from ``authenticator``.

The API switches to ``anon`` for a visitor and to ``authenticated`` for a signed-in user, and
the RLS policies are what keep each to the rows it may see: neither may bypass row level
security (BYPASSRLS, or being a superuser). ``service_role`` is the server side's (edge
functions, admin tools, the dashboard): Supabase makes it BYPASSRLS, and without that every
request with the secret key sees only what policies give a role they do not name, so rows,
buckets and objects seem to be missing, and the other items name those symptoms instead of
the cause. The API connects as ``authenticator`` and switches to one of the three per request,
which it may only as a member of each. Roles made by hand on a self-hosted server get this
wrong. Supabase defines these roles alike on every project, so this is checked on new alone,
at every moment.
"""

from __future__ import annotations

import psycopg

__all__ = ["RLS_BYPASS", "api_role_problems"]

# Each API role -> whether Supabase makes it bypass row level security.
RLS_BYPASS = {"anon": False, "authenticated": False, "service_role": True}
_SERVES = {
    "anon": "visitors (requests with the publishable or anon key and no session)",
    "authenticated": "signed-in users",
    "service_role": "the server side (requests with the secret or service_role key)",
}


def api_role_problems(conn: psycopg.Connection) -> list[str]:
    """Each API role on `conn` that is missing, that authenticator may not switch to, or that
    bypasses row level security where Supabase's does not (or the other way round), in plain
    words."""
    rows = conn.execute(
        "select r.rolname, r.rolsuper or r.rolbypassrls,"
        " exists (select 1 from pg_roles a where a.rolname = 'authenticator'"
        " and pg_has_role(a.oid, r.oid, 'MEMBER'))"
        " from pg_roles r where r.rolname = any(%s)",
        (list(RLS_BYPASS),),
    ).fetchall()
    bypasses = {name: bypass for name, bypass, _ in rows}
    switchable = {name: member for name, _, member in rows}
    problems: list[str] = []
    for role, supabase_bypasses in RLS_BYPASS.items():
        serves = _SERVES[role]
        if role not in bypasses:
            problems.append(f"role {role} does not exist on new: the API cannot serve {serves}")
            continue
        if not switchable[role]:
            problems.append(
                f"role {role} is not granted to authenticator on new (Supabase grants it): the"
                f" API cannot switch to it, so it refuses every request from {serves}"
            )
        if bypasses[role] and not supabase_bypasses:
            problems.append(
                f"role {role} bypasses row level security on new (BYPASSRLS or superuser;"
                f" Supabase's does not): no RLS policy applies to {serves}, so they read and"
                " change every row their grants reach"
            )
        elif supabase_bypasses and not bypasses[role]:
            problems.append(
                f"role {role} does not bypass row level security on new (Supabase's has"
                f" BYPASSRLS): {serves} sees only what RLS policies give it, so rows, buckets"
                " and objects seem to be missing to edge functions, admin tools and this"
                " gate's own reads"
            )
    return problems
