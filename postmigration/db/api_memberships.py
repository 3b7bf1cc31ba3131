"""What the API's roles and its login role are members of, and whether they inherit those
roles' rights.

Every request the API serves runs as ``anon``, ``authenticated`` or ``service_role``. Supabase
makes the three NOINHERIT, so a request holds only what is granted to its role itself. A move
can change that without touching one grant the grants comparison reads: a role made by hand on
a self-hosted server is INHERIT (CREATE ROLE's default), and a "fix" such as ``grant
report_reader to authenticated`` then gives every signed-in user the reporting role's rights.
So the three roles' memberships and inheritance are compared with old's (or the committed
snapshot's). A membership old has and new lacks of one of the app's own roles is the app
role's comparison's to name (roles.py: "not granted to"); here only one of the platform's
roles is.

``authenticator``, the API's login role, switches to the role a request's token names, and
can switch only to a role it is a member of (anon, authenticated, service_role, and the app's
own roles a token may name). A membership only new gives it (``grant postgres to
authenticator``, a "fix" for a permission error) lets any token naming that role act as it;
made INHERIT, the login itself holds every such role's rights before it switches. So its
memberships gained and its inheritance are compared too; one it lost is named by the API
roles' check (api_roles.py) or the app roles' (roles.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import psycopg

from .api_roles import RLS_BYPASS
from .roles import is_platform_role

__all__ = ["api_membership_differences", "api_role_memberships"]

# The roles the API serves requests as, and the login it switches to them from.
LOGIN_ROLE = "authenticator"
MEMBERSHIP_ROLES = (*RLS_BYPASS, LOGIN_ROLE)


def api_role_memberships(conn: psycopg.Connection) -> dict[str, dict[str, Any]]:
    """anon, authenticated, service_role and authenticator (those that exist) -> whether each
    inherits the rights of the roles it is a member of, and those roles."""
    rows = conn.execute(
        """
        select r.rolname, r.rolinherit,
               array(select g.rolname from pg_auth_members m join pg_roles g on g.oid = m.roleid
                     where m.member = r.oid order by 1)
        from pg_roles r where r.rolname = any(%s)
        """,
        (list(MEMBERSHIP_ROLES),),
    ).fetchall()
    return {name: {"inherit": bool(inherit), "member of": list(of)} for name, inherit, of in rows}


def api_membership_differences(
    new: Mapping[str, Mapping[str, Any]],
    old: Mapping[str, Mapping[str, Any]],
    *,
    old_name: str = "old",
) -> list[str]:
    """How the API roles' memberships and inheritance on new differ from old's (or the
    snapshot's), in plain words, each with what it does to the requests made as that role."""
    problems: list[str] = []
    for name in sorted(new.keys() & old.keys()):
        have, want = new[name], old[name]
        if name == LOGIN_ROLE:
            problems += _login_differences(have, want, old_name)
            continue
        for role in sorted(set(have["member of"]) - set(want["member of"])):
            effect = (
                f"every request made as {name} holds {role}'s rights"
                if have["inherit"]
                else f"{name} does not inherit them (NOINHERIT), but may take them with SET ROLE"
            )
            problems.append(
                f"role {name} is a member of {role} on new but not on {old_name}: {effect}"
            )
        for role in sorted(set(want["member of"]) - set(have["member of"])):
            if is_platform_role(role):
                problems.append(
                    f"role {name} is not a member of {role} on new ({old_name} makes it one):"
                    f" requests made as {name} lack what it gives them"
                )
        if have["inherit"] and not want["inherit"]:
            problems.append(
                f"role {name} inherits the rights of the roles it is a member of on new"
                f" (INHERIT; {old_name}'s does not, as Supabase makes it): a role {name} is"
                " made a member of lends every request its rights"
            )
        elif want["inherit"] and not have["inherit"]:
            problems.append(
                f"role {name} does not inherit the rights of the roles it is a member of on new"
                f" (NOINHERIT; {old_name}'s does): requests made as {name} lack them"
            )
    return problems


def _login_differences(
    have: Mapping[str, Any], want: Mapping[str, Any], old_name: str
) -> list[str]:
    """The roles authenticator may switch to on new alone, and an inheritance only new gives
    it (what it lost is named by the API roles' and app roles' checks)."""
    problems = [
        f"role {LOGIN_ROLE} is a member of {role} on new but not on {old_name}: the API acts as"
        f" {role} for any request whose token names it"
        + (", and the API's login itself holds its rights" if have["inherit"] else "")
        for role in sorted(set(have["member of"]) - set(want["member of"]))
    ]
    if have["inherit"] and not want["inherit"]:
        granted = ", ".join(have["member of"]) or "no role yet"
        problems.append(
            f"role {LOGIN_ROLE} inherits the rights of the roles it is a member of on new"
            f" (INHERIT; {old_name}'s does not, as Supabase makes it): the API's login itself"
            f" holds the rights of every role it may switch to ({granted}) before it switches"
        )
    return problems
