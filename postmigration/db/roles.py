"""The app's own database roles: what `supabase db dump --role-only` carries, and a move forgets.

A dump of the database holds no role: roles belong to the server, so a project's own roles (a
reporting role, one a token's `role` claim names) come to new only through a roles dump of their
own, which the Supabase guide lists and an operator may skip. Without the role, old's grants
and policies naming it cannot be restored; without its grant to `authenticator`, the API cannot
switch to it, and each request whose token claims it is refused.

The platform's roles (anon, authenticated, service_role, authenticator, postgres, the
supabase_* and pgsodium_* roles, PostgreSQL's pg_* roles) and superusers follow the platform
and are not the app's: they are compared only as the other side of an app role's membership.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import psycopg

__all__ = [
    "PLATFORM_ROLES",
    "app_roles",
    "is_platform_role",
    "privileged_login_roles",
    "privileged_roles_only_on_new",
    "role_differences",
]

PLATFORM_ROLES = frozenset(
    {
        "anon",
        "authenticated",
        "service_role",
        "authenticator",
        "postgres",
        "dashboard_user",
        "pgbouncer",
        "cli_login_postgres",
    }
)
_PLATFORM_PREFIXES = ("pg_", "supabase_", "pgsodium_")

# One row per role: its attributes, the roles it is a member of, the roles it is granted to.
_ROLES = """
    select r.rolname, r.rolsuper,
           concat_ws(', ',
                     case when r.rolcanlogin then 'login' else 'nologin' end,
                     case when r.rolinherit then 'inherit' else 'noinherit' end,
                     case when r.rolbypassrls then 'bypassrls' end,
                     case when r.rolcreaterole then 'createrole' end,
                     case when r.rolcreatedb then 'createdb' end,
                     case when r.rolconnlimit <> -1 then 'connection limit ' || r.rolconnlimit end),
           array(select g.rolname from pg_auth_members m join pg_roles g on g.oid = m.roleid
                 where m.member = r.oid order by 1),
           array(select u.rolname from pg_auth_members m join pg_roles u on u.oid = m.member
                 where m.roleid = r.oid and not u.rolsuper and u.rolname <> 'postgres'
                 order by 1)
    from pg_roles r
"""


def is_platform_role(name: str) -> bool:
    """Whether `name` is one of the platform's roles (Supabase's or PostgreSQL's)."""
    return name in PLATFORM_ROLES or name.startswith(_PLATFORM_PREFIXES)


def app_roles(conn: psycopg.Connection) -> dict[str, dict[str, Any]]:
    """Each of the app's roles (not the platform's, not a superuser) -> its attributes (login,
    inherit, bypassrls, createrole, createdb, connection limit), the roles it is a member of and
    the roles it is granted to. No password is read."""
    return {
        name: {"attributes": attributes, "member of": list(member_of), "granted to": list(to)}
        for name, superuser, attributes, member_of, to in conn.execute(_ROLES).fetchall()
        if not is_platform_role(name) and not superuser
    }


def role_differences(
    new: Mapping[str, Mapping[str, Any]],
    old: Mapping[str, Mapping[str, Any]],
    *,
    old_name: str = "old",
) -> list[str]:
    """Each app role of old (or of the snapshot) missing on new, with other attributes there,
    or lacking a membership old gives it, in plain words. A role or a membership only new has
    is not judged (the operator may add one); a grant of the role to authenticator lost is said
    for what it breaks."""
    problems: list[str] = []
    for name in sorted(old):
        want, have = old[name], new.get(name)
        if have is None:
            problems.append(
                f"role {name} is missing on new ({old_name} has it: {want['attributes']}): grants"
                " and policies naming it cannot be restored, and a token claiming it is refused"
            )
            continue
        if have["attributes"] != want["attributes"]:
            problems.append(
                f"role {name} differs: new has '{have['attributes']}', {old_name} has"
                f" '{want['attributes']}'"
            )
        for member_of in sorted(set(want["member of"]) - set(have["member of"])):
            problems.append(
                f"role {name} is not a member of {member_of} on new ({old_name} makes it one)"
            )
        for grantee in sorted(set(want["granted to"]) - set(have["granted to"])):
            if grantee == "authenticator":
                problems.append(
                    f"role {name} is not granted to authenticator on new ({old_name} grants it):"
                    " the API cannot switch to it, and a request whose token claims it is refused"
                )
            else:
                problems.append(
                    f"role {name} is not granted to {grantee} on new ({old_name} grants it)"
                )
    return problems


_PRIVILEGED_LOGIN = """
    select rolname,
           concat_ws(', ', 'login',
                     case when rolsuper then 'superuser' end,
                     case when rolbypassrls then 'bypassrls' end,
                     case when rolcreaterole then 'createrole' end)
    from pg_roles
    where rolcanlogin and (rolsuper or rolbypassrls or rolcreaterole)
"""


def privileged_login_roles(conn: psycopg.Connection) -> dict[str, str]:
    """Each role not the platform's that can log in and is a superuser, bypasses row level
    security or may create roles -> those attributes. No password is read."""
    return {
        name: attributes
        for name, attributes in conn.execute(_PRIVILEGED_LOGIN).fetchall()
        if not is_platform_role(name)
    }


def privileged_roles_only_on_new(
    new: Mapping[str, str], reference: set[str], *, old_name: str = "old"
) -> list[str]:
    """Each privileged login role of new (see :func:`privileged_login_roles`) that the
    reference (old's roles, or the snapshot's) lacks, in plain words: one made for the move
    (to run the restore past RLS, say) and left behind is a credential that reads past every
    policy."""
    keep = "make it on old too" if old_name == "old" else f"refresh {old_name}"
    return [
        f"role {name} ({attributes}) is on new but not on {old_name}: a login role that"
        " bypasses row level security or manages roles, made for the move (to run the"
        f" restore, say) and left behind? Drop it, or, if the app needs it, {keep}"
        for name, attributes in sorted(new.items())
        if name not in reference
    ]
