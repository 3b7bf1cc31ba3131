"""PostgREST's schema cache: tables, views, keys, foreign keys and functions of the exposed schema.

The cache is rebuilt whenever a cheap fingerprint of the catalog changes (checked on every
request), so a migration or a restored dump is visible at once, as after PostgREST's
`NOTIFY pgrst, 'reload schema'`.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from psycopg import AsyncConnection

FINGERPRINT_SQL = """
with ns as (select oid from pg_catalog.pg_namespace where nspname = any(%(schemas)s))
select concat_ws('/',
  (select count(*) || ':' || coalesce(max(c.xmin::text::bigint), 0)
     from pg_catalog.pg_class c where c.relnamespace in (select oid from ns)),
  (select count(*) || ':' || coalesce(max(a.xmin::text::bigint), 0)
     from pg_catalog.pg_attribute a join pg_catalog.pg_class c on c.oid = a.attrelid
     where c.relnamespace in (select oid from ns) and a.attnum > 0),
  (select count(*) || ':' || coalesce(max(k.xmin::text::bigint), 0)
     from pg_catalog.pg_constraint k where k.connamespace in (select oid from ns)),
  (select count(*) || ':' || coalesce(max(p.xmin::text::bigint), 0)
     from pg_catalog.pg_proc p where p.pronamespace in (select oid from ns)))
"""

RELATIONS_SQL = """
select c.oid::bigint, n.nspname, c.relname, c.relkind
from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
where n.nspname = any(%(schemas)s) and c.relkind in ('r', 'v', 'm', 'f', 'p')
"""

COLUMNS_SQL = """
select a.attrelid::bigint, a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod),
       a.attnotnull, (a.atthasdef or a.attidentity <> '' or a.attgenerated <> '')
from pg_catalog.pg_attribute a join pg_catalog.pg_class c on c.oid = a.attrelid
join pg_catalog.pg_namespace n on n.oid = c.relnamespace
where n.nspname = any(%(schemas)s) and c.relkind in ('r', 'v', 'm', 'f', 'p')
  and a.attnum > 0 and not a.attisdropped
order by a.attrelid, a.attnum
"""

CONSTRAINTS_SQL = """
select k.conname, k.contype, k.conrelid::bigint, k.confrelid::bigint,
  array(select a.attname from unnest(k.conkey) with ordinality u(n, o)
        join pg_catalog.pg_attribute a on a.attrelid = k.conrelid and a.attnum = u.n order by u.o),
  array(select a.attname from unnest(coalesce(k.confkey, '{}')) with ordinality u(n, o)
        join pg_catalog.pg_attribute a on a.attrelid = k.confrelid and a.attnum = u.n order by u.o)
from pg_catalog.pg_constraint k join pg_catalog.pg_namespace n on n.oid = k.connamespace
where n.nspname = any(%(schemas)s) and k.contype in ('p', 'u', 'f')
"""

FUNCTIONS_SQL = """
select n.nspname, p.proname, p.proretset, p.provolatile,
  pg_catalog.format_type(p.prorettype, null), t.typtype, t.typrelid::bigint,
  coalesce(p.proargnames, '{}'), coalesce(p.proargmodes::text[], '{}'),
  array(select pg_catalog.format_type(x, null)
        from unnest(coalesce(p.proallargtypes, p.proargtypes::oid[])) x),
  p.pronargs, p.pronargdefaults
from pg_catalog.pg_proc p join pg_catalog.pg_namespace n on n.oid = p.pronamespace
join pg_catalog.pg_type t on t.oid = p.prorettype
where n.nspname = any(%(schemas)s) and p.prokind = 'f'
"""


@dataclass(frozen=True)
class Column:
    """One column: its SQL type as `format_type` spells it, and whether it has a default."""

    name: str
    type: str
    not_null: bool
    has_default: bool


@dataclass
class Table:
    """A table or view of the exposed schema."""

    schema: str
    name: str
    kind: str
    columns: dict[str, Column] = field(default_factory=dict)
    primary_key: tuple[str, ...] = ()
    unique_keys: list[tuple[str, ...]] = field(default_factory=list)

    def is_unique(self, columns: tuple[str, ...]) -> bool:
        """True when `columns` are exactly the primary key or a unique key."""
        wanted = set(columns)
        keys = [self.primary_key, *self.unique_keys]
        return any(key and set(key) == wanted for key in keys)


@dataclass(frozen=True)
class ForeignKey:
    """`table(columns) references ref_table(ref_columns)`, both in the exposed schema."""

    name: str
    table: str
    columns: tuple[str, ...]
    ref_table: str
    ref_columns: tuple[str, ...]


@dataclass(frozen=True)
class Argument:
    """An input argument of a function."""

    name: str
    type: str
    has_default: bool
    variadic: bool = False


@dataclass(frozen=True)
class Function:
    """A function callable through `/rpc/<name>`."""

    schema: str
    name: str
    arguments: tuple[Argument, ...]
    returns_set: bool
    return_type: str
    returns_void: bool
    returns_composite: bool
    return_table: str | None
    out_columns: tuple[str, ...]
    volatility: str

    @property
    def required(self) -> set[str]:
        """Names of the arguments a call must give."""
        return {a.name for a in self.arguments if not a.has_default}


@dataclass
class SchemaCache:
    """Everything PostgREST knows about the exposed schema."""

    schema: str
    fingerprint: str
    tables: dict[str, Table]
    foreign_keys: list[ForeignKey]
    functions: dict[str, list[Function]]


async def _fingerprint(conn: AsyncConnection, schemas: list[str]) -> str:
    cur = await conn.execute(FINGERPRINT_SQL, {"schemas": schemas})
    row = await cur.fetchone()
    return str(row[0]) if row else ""


async def load(conn: AsyncConnection, schema: str, fingerprint: str = "") -> SchemaCache:
    """Read the exposed schema's tables, keys and functions from the catalog."""
    params = {"schemas": [schema]}
    fingerprint = fingerprint or await _fingerprint(conn, [schema])
    by_oid: dict[int, Table] = {}
    for oid, nsp, name, kind in await (await conn.execute(RELATIONS_SQL, params)).fetchall():
        by_oid[oid] = Table(nsp, name, kind)
    for relid, name, type_, not_null, has_default in await (
        await conn.execute(COLUMNS_SQL, params)
    ).fetchall():
        if relid in by_oid:
            by_oid[relid].columns[name] = Column(name, type_, not_null, has_default)
    foreign_keys: list[ForeignKey] = []
    for conname, contype, relid, frelid, cols, fcols in await (
        await conn.execute(CONSTRAINTS_SQL, params)
    ).fetchall():
        table = by_oid.get(relid)
        if table is None:
            continue
        if contype == "p":
            table.primary_key = tuple(cols)
        elif contype == "u":
            table.unique_keys.append(tuple(cols))
        elif frelid in by_oid:
            foreign_keys.append(
                ForeignKey(conname, table.name, tuple(cols), by_oid[frelid].name, tuple(fcols))
            )
    functions: dict[str, list[Function]] = {}
    for row in await (await conn.execute(FUNCTIONS_SQL, params)).fetchall():
        fn = _function(row, by_oid)
        functions.setdefault(fn.name, []).append(fn)
    tables = {t.name: t for t in by_oid.values()}
    return SchemaCache(schema, fingerprint, tables, foreign_keys, functions)


def _function(row: tuple, by_oid: dict[int, Table]) -> Function:
    (
        nsp,
        name,
        retset,
        volatility,
        rettype,
        typtype,
        typrelid,
        names,
        modes,
        types,
        nargs,
        ndefaults,
    ) = row
    modes = list(modes) or ["i"] * len(types)
    names = list(names) + [""] * (len(types) - len(names))
    inputs = [(n, t, m) for n, t, m in zip(names, types, modes, strict=False) if m in "ibv"]
    outputs = tuple(n for n, m in zip(names, modes, strict=False) if m in "otb" and n)
    first_default = nargs - ndefaults
    arguments = tuple(
        Argument(n, t, has_default=i >= first_default, variadic=m == "v")
        for i, (n, t, m) in enumerate(inputs)
    )
    table = by_oid.get(typrelid) if typrelid else None
    composite = typtype == "c" or (rettype == "record" and bool(outputs))
    return Function(
        schema=nsp,
        name=name,
        arguments=arguments,
        returns_set=retset,
        return_type=rettype,
        returns_void=rettype == "void",
        returns_composite=composite,
        return_table=table.name if table and table.schema == nsp else None,
        out_columns=outputs if rettype == "record" else (),
        volatility=volatility,
    )


class SchemaCacheHolder:
    """The current cache, reloaded when the catalog's fingerprint changes."""

    def __init__(self, schema: str) -> None:
        self.schema = schema
        self._cache: SchemaCache | None = None
        self._lock = asyncio.Lock()

    async def current(self, conn: AsyncConnection) -> SchemaCache:
        """The cache as of this transaction's snapshot of the catalog."""
        fingerprint = await _fingerprint(conn, [self.schema])
        cache = self._cache
        if cache is not None and cache.fingerprint == fingerprint:
            return cache
        async with self._lock:
            fresh = await load(conn, self.schema, fingerprint)
            self._cache = fresh
            return fresh
