"""Parameterised SQL for PostgREST requests, built with psycopg.sql from a parsed `Query`.

Every value is a named bind parameter; every identifier is checked against the schema cache
and quoted with `sql.Identifier`. Results are shaped into JSON by Postgres itself
(`json_agg`/`row_to_json`), as PostgREST does, so Python never loops over rows.
Each statement returns one row: `(total, page_total, body, response_headers, response_status)`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from psycopg import sql

from .rest_errors import RestError, column_not_found, undefined_column
from .rest_grammar import (
    FTS_OPERATORS,
    SIMPLE_OPERATORS,
    Condition,
    EmbedPath,
    Field,
    Logic,
    OrderTerm,
    Query,
    SelectEmbed,
    SelectField,
    SelectItem,
)
from .rest_schema import Column, ForeignKey, Function, SchemaCache, Table

CAST_TYPE = re.compile(r"^[A-Za-z_][A-Za-z0-9_ ]*$")
SAFE_UPDATE = "{} requires a WHERE clause"


@dataclass(frozen=True)
class Relationship:
    """How `target` is reached from `source`: to-one (object) or to-many (array)."""

    source: str
    target: str
    to_one: bool
    source_columns: tuple[str, ...]
    target_columns: tuple[str, ...]
    constraint: str
    cardinality: str


@dataclass
class Level:
    """One FROM item of the generated query: the table it reads and its SQL alias."""

    table: Table
    alias: str
    check_columns: bool = True

    def column(self, name: str) -> sql.Composable:
        if self.check_columns and name not in self.table.columns:
            raise undefined_column(self.table.name, name, self.table.columns)
        return sql.SQL("{}.{}").format(sql.Identifier(self.alias), sql.Identifier(name))


@dataclass
class Statement:
    """SQL and its named parameters; `counted_by_rowcount` when the body comes from rowcount."""

    query: sql.Composable
    params: dict[str, Any] = field(default_factory=dict)
    counted_by_rowcount: bool = False


def relationships(cache: SchemaCache, source: str, name: str) -> list[Relationship]:
    """Every foreign-key path from `source` to a resource called `name` (table, FK or column)."""
    found: list[Relationship] = []
    tables = cache.tables
    for fk in cache.foreign_keys:
        if fk.table == source and name in (fk.ref_table, fk.name, *_single(fk.columns)):
            found.append(_m2o(fk))
        if fk.ref_table == source and name in (fk.table, fk.name):
            child = tables.get(fk.table)
            one = bool(child and child.is_unique(fk.columns))
            found.append(
                Relationship(
                    source,
                    fk.table,
                    one,
                    fk.ref_columns,
                    fk.columns,
                    fk.name,
                    "one-to-one" if one else "one-to-many",
                )
            )
    return found


def _single(columns: tuple[str, ...]) -> tuple[str, ...]:
    return columns if len(columns) == 1 else ()


def _m2o(fk: ForeignKey) -> Relationship:
    return Relationship(
        fk.table, fk.ref_table, True, fk.columns, fk.ref_columns, fk.name, "many-to-one"
    )


def resolve_relationship(
    cache: SchemaCache, source: str, name: str, hint: str | None
) -> Relationship:
    """The one relationship an embed means, or PostgREST's PGRST200/PGRST201 errors."""
    found = relationships(cache, source, name)
    if hint:
        found = [
            r
            for r in found
            if hint in (r.constraint, r.target, *r.source_columns, *r.target_columns)
        ]
    if len(found) == 1:
        return found[0]
    schema = cache.schema
    if not found:
        hint_part = f"' using the hint '{hint}" if hint else ""
        raise RestError(
            400,
            "PGRST200",
            f"Could not find a relationship between '{source}' and '{name}' in the schema cache",
            details=(
                f"Searched for a foreign key relationship between '{source}' and '{name}"
                f"{hint_part}' in the schema '{schema}', but no matches were found."
            ),
        )
    details = [
        {
            "cardinality": r.cardinality,
            "embedding": f"{source} with {r.target}",
            "relationship": (
                f"{r.constraint} using {source}({', '.join(r.source_columns)}) and "
                f"{r.target}({', '.join(r.target_columns)})"
            ),
        }
        for r in found
    ]
    options = ", ".join(f"'{r.target}!{r.constraint}'" for r in found)
    raise RestError(
        300,
        "PGRST201",
        f"Could not embed because more than one relationship was found for '{source}' and '{name}'",
        details=details,
        hint=f"Try changing '{name}' to one of the following: {options}. "
        "Find the desired relationship in the 'details' key.",
    )


class Builder:
    """Turns a `Query` into SQL against one schema cache; one instance per request."""

    def __init__(self, cache: SchemaCache, query: Query) -> None:
        self.cache = cache
        self.query = query
        self.params: dict[str, Any] = {}
        self._aliases = 0

    # -- small pieces ------------------------------------------------------------------

    def param(self, value: Any) -> sql.Composable:
        name = f"p{len(self.params)}"
        self.params[name] = value
        return sql.Placeholder(name)

    def new_level(self, table: Table, check_columns: bool = True) -> Level:
        alias = f"_t{self._aliases}"
        self._aliases += 1
        return Level(table, alias, check_columns)

    def relation(self, table: Table) -> sql.Composable:
        return sql.Identifier(table.schema, table.name)

    def field_expr(self, level: Level, fld: Field) -> sql.Composable:
        expr = level.column(fld.name)
        for step in fld.path:
            key = self.param(int(step.key)) if step.index else self.param(step.key)
            if step.index:
                key = sql.SQL("{}::integer").format(key)
            expr = sql.SQL("{} {} {}").format(expr, sql.SQL(step.arrow), key)
        return expr

    # -- select lists and embedding ----------------------------------------------------

    def select_list(
        self, level: Level, items: tuple[SelectItem, ...], path: EmbedPath
    ) -> tuple[list[sql.Composable], dict[str, sql.Composable], list[sql.Composable]]:
        """The SELECT items of one level, each embed's EXISTS test, and `!inner` conditions."""
        columns: list[sql.Composable] = []
        exists: dict[str, sql.Composable] = {}
        inner: list[sql.Composable] = []
        for item in items:
            if isinstance(item, SelectField):
                columns.append(self.select_field(level, item))
                continue
            if item.spread:
                raise RestError(
                    400,
                    "PGRST127",
                    "Feature not implemented",
                    details="Spread embedding ('...') is not supported by this stand-in",
                )
            key = item.alias or item.relation
            expr, test = self.embed(level, item, (*path, key))
            columns.append(sql.SQL("{} AS {}").format(expr, sql.Identifier(key)))
            exists[key] = test
            if item.inner:
                inner.append(test)
        return columns, exists, inner

    def select_field(self, level: Level, item: SelectField) -> sql.Composable:
        if item.field.name == "*":
            return sql.SQL("{}.*").format(sql.Identifier(level.alias))
        expr = self.field_expr(level, item.field)
        if item.cast:
            if not CAST_TYPE.match(item.cast):
                raise RestError(400, "PGRST100", f"invalid cast type {item.cast}")
            expr = sql.SQL("CAST({} AS {})").format(expr, sql.SQL(item.cast))
        name = item.alias or item.field.output_name
        return sql.SQL("{} AS {}").format(expr, sql.Identifier(name))

    def embed(
        self, parent: Level, item: SelectEmbed, path: EmbedPath
    ) -> tuple[sql.Composable, sql.Composable]:
        """The embedded resource's JSON expression and an EXISTS test for `!inner`/`is.null`."""
        rel = resolve_relationship(self.cache, parent.table.name, item.relation, item.hint)
        child = self.new_level(self.cache.tables[rel.target])
        join = [
            sql.SQL("{} = {}").format(child.column(tc), parent.column(sc))
            for sc, tc in zip(rel.source_columns, rel.target_columns, strict=True)
        ]
        counting = _is_count(child.table, item.children)
        columns, exists, inner = self.select_list(child, () if counting else item.children, path)
        conditions = join + self.conditions(child, path, exists) + inner
        where = sql.SQL(" WHERE ") + sql.SQL(" AND ").join(conditions)
        source = sql.SQL("FROM {} AS {}").format(
            self.relation(child.table), sql.Identifier(child.alias)
        )
        test = sql.SQL("EXISTS (SELECT 1 {}{})").format(source, where)
        row = sql.Identifier(f"{child.alias}_row")
        if counting:  # `rel(count)`: PostgREST answers [{"count": n}]
            body = sql.SQL('SELECT pg_catalog.count(*) AS "count" {}{}').format(source, where)
        else:
            body = sql.SQL("SELECT {} {}{}{}{}").format(
                sql.SQL(", ").join(columns),
                source,
                where,
                self.order_by(child, path),
                self.limit_offset(self.query.limit.get(path), self.query.offset.get(path)),
            )
        if rel.to_one:
            expr = sql.SQL("(SELECT row_to_json({row}) FROM ({body}) AS {row})")
        else:
            expr = sql.SQL("COALESCE((SELECT json_agg({row}) FROM ({body}) AS {row}), '[]')")
        return expr.format(row=row, body=body), test

    # -- filters, order, range ----------------------------------------------------------

    def conditions(
        self, level: Level, path: EmbedPath, exists: dict[str, sql.Composable]
    ) -> list[sql.Composable]:
        return [self.condition(level, node, exists) for node in self.query.filters.get(path, [])]

    def condition(
        self, level: Level, node: Condition | Logic, exists: dict[str, sql.Composable]
    ) -> sql.Composable:
        if isinstance(node, Logic):
            joiner = sql.SQL(" AND ") if node.op == "and" else sql.SQL(" OR ")
            inner = sql.SQL("({})").format(
                joiner.join(self.condition(level, child, exists) for child in node.children)
            )
            return sql.SQL("NOT {}").format(inner) if node.negate else inner
        fld = node.field
        if (
            fld.name in exists
            and not fld.path
            and node.op == "is"
            and node.value == "null"
            and fld.name not in level.table.columns
        ):
            test = exists[fld.name]
            return test if node.negate else sql.SQL("NOT {}").format(test)
        expr = self.comparison(self.field_expr(level, fld), node)
        return sql.SQL("NOT ({})").format(expr) if node.negate else expr

    def comparison(self, column: sql.Composable, node: Condition) -> sql.Composable:
        op, value = node.op, node.value
        if op == "in":
            items = list(value) if isinstance(value, tuple) else [value]
            if items in ([], [""]):
                return sql.SQL("false")
            return sql.SQL("{} IN ({})").format(
                column, sql.SQL(", ").join(self.param(v) for v in items)
            )
        if op == "is":
            keyword = {"null": "NULL", "true": "TRUE", "false": "FALSE", "unknown": "UNKNOWN"}
            return sql.SQL("{} IS {}").format(column, sql.SQL(keyword[str(value)]))
        text = str(value)
        if op in FTS_OPERATORS:
            function = sql.SQL(FTS_OPERATORS[op])
            if node.language:
                query = sql.SQL("{}({}::regconfig, {})").format(
                    function, self.param(node.language), self.param(text)
                )
            else:
                query = sql.SQL("{}({})").format(function, self.param(text))
            return sql.SQL("{} @@ {}").format(column, query)
        if op in ("like", "ilike"):
            text = text.replace("*", "%")
        operator = sql.SQL(SIMPLE_OPERATORS[op])
        if node.quantifier:
            return sql.SQL("{} {} {}({})").format(
                column, operator, sql.SQL(node.quantifier.upper()), self.param(text)
            )
        return sql.SQL("{} {} {}").format(column, operator, self.param(text))

    def order_by(self, level: Level, path: EmbedPath) -> sql.Composable:
        terms = self.query.order.get(path)
        if not terms:
            return sql.SQL("")
        return sql.SQL(" ORDER BY ") + sql.SQL(", ").join(
            self.order_term(level, term) for term in terms
        )

    def order_term(self, level: Level, term: OrderTerm) -> sql.Composable:
        if term.relation is None:
            expr = self.field_expr(level, term.field)
        else:
            rel = resolve_relationship(self.cache, level.table.name, term.relation, None)
            if not rel.to_one:
                raise RestError(
                    400,
                    "PGRST118",
                    f"A related order on '{term.relation}' is not possible",
                    details=f"'{level.table.name}' and '{term.relation}' do not form a "
                    "many-to-one or one-to-one relationship",
                )
            other = self.new_level(self.cache.tables[rel.target])
            join = sql.SQL(" AND ").join(
                sql.SQL("{} = {}").format(other.column(tc), level.column(sc))
                for sc, tc in zip(rel.source_columns, rel.target_columns, strict=True)
            )
            expr = sql.SQL("(SELECT {} FROM {} AS {} WHERE {})").format(
                self.field_expr(other, term.field),
                self.relation(other.table),
                sql.Identifier(other.alias),
                join,
            )
        direction = sql.SQL(" DESC" if term.direction == "desc" else " ASC")
        nulls = sql.SQL("")
        if term.nulls:
            nulls = sql.SQL(" NULLS FIRST" if term.nulls == "first" else " NULLS LAST")
        return expr + direction + nulls

    def limit_offset(self, limit: int | None, offset: int | None) -> sql.Composable:
        out = sql.SQL("")
        if limit is not None:
            out += sql.SQL(" LIMIT {}").format(self.param(max(limit, 0)))
        if offset:
            out += sql.SQL(" OFFSET {}").format(self.param(offset))
        return out

    # -- whole statements ---------------------------------------------------------------

    def wrap(
        self,
        source: sql.Composable,
        shaped: sql.Composable,
        body: sql.Composable,
        total: sql.Composable | None = None,
        ctes: list[tuple[str, sql.Composable]] | None = None,
    ) -> sql.Composable:
        """The one-row result: total count, page size, JSON body and PostgREST's response GUCs."""
        before = sql.SQL("").join(
            sql.SQL("{} AS ({}), ").format(sql.Identifier(name), cte) for name, cte in ctes or []
        )
        return sql.SQL(
            "WITH {before}pgrst_source AS ({source}) "
            "SELECT {total} AS total, pg_catalog.count(*) AS page_total, {body} AS body, "
            "nullif(current_setting('response.headers', true), '') AS response_headers, "
            "nullif(current_setting('response.status', true), '') AS response_status "
            "FROM ({shaped}) AS _postgrest_t"
        ).format(
            before=before,
            source=source,
            shaped=shaped,
            body=body,
            total=total if total is not None else sql.SQL("NULL::bigint"),
        )

    def root_where(
        self, level: Level, exists: dict[str, sql.Composable], inner: list[sql.Composable]
    ) -> list[sql.Composable]:
        return self.conditions(level, (), exists) + inner

    def read(
        self, table: Table, limit: int | None, offset: int, body: sql.Composable, count: bool
    ) -> Statement:
        """GET/HEAD on a table or view."""
        level = self.new_level(table)
        columns, exists, inner = self.select_list(level, self.query.select, ())
        where = _where(self.root_where(level, exists, inner))
        from_ = sql.SQL("FROM {} AS {}").format(self.relation(table), sql.Identifier(level.alias))
        source = sql.SQL("SELECT {} {}{}{}{}").format(
            sql.SQL(", ").join(columns),
            from_,
            where,
            self.order_by(level, ()),
            self.limit_offset(limit, offset),
        )
        total = (
            sql.SQL("(SELECT pg_catalog.count(*) FROM {} AS {}{})").format(
                self.relation(table), sql.Identifier(level.alias), where
            )
            if count
            else None
        )
        query = self.wrap(source, sql.SQL("SELECT * FROM pgrst_source"), body, total)
        return Statement(query, self.params)

    def count_source(self, table: Table) -> Statement:
        """`SELECT 1 FROM t WHERE …` (the filtered set), for a planned count via EXPLAIN."""
        level = self.new_level(table)
        _, exists, inner = self.select_list(level, self.query.select, ())
        where = _where(self.root_where(level, exists, inner))
        query = sql.SQL("SELECT 1 FROM {} AS {}{}").format(
            self.relation(table), sql.Identifier(level.alias), where
        )
        return Statement(query, self.params)

    def _shaped(self, table: Table) -> tuple[sql.Composable, Level]:
        level = self.new_level(table)
        columns, _, _ = self.select_list(level, self.query.select, ())
        shaped = sql.SQL("SELECT {} FROM pgrst_source AS {}{}").format(
            sql.SQL(", ").join(columns), sql.Identifier(level.alias), self.order_by(level, ())
        )
        return shaped, level

    def insert(
        self,
        table: Table,
        rows: list[dict[str, Any]],
        columns: list[str],
        *,
        resolution: str | None,
        missing_default: bool,
        returning: bool,
        body: sql.Composable,
    ) -> list[Statement]:
        """POST: one statement (or one per key set with `missing=default`)."""
        for name in columns:
            if name not in table.columns:
                raise column_not_found(table.name, name)
        groups: list[tuple[list[str], list[dict[str, Any]]]] = []
        if missing_default:
            for row in rows:
                keys = [c for c in columns if c in row]
                for group_keys, group_rows in groups:
                    if group_keys == keys:
                        group_rows.append(row)
                        break
                else:
                    groups.append((keys, [row]))
        else:
            groups.append((columns, rows))
        conflict = self.on_conflict(table, columns, resolution)
        inserts = [self.insert_one(table, keys, grp, conflict) for keys, grp in groups]
        if not returning:
            return [Statement(stmt, self.params, counted_by_rowcount=True) for stmt in inserts]
        returning_sql = sql.SQL(" RETURNING {}.*").format(sql.Identifier("_t_mut"))
        ctes = [(f"pgrst_insert_{i}", stmt + returning_sql) for i, stmt in enumerate(inserts)]
        source = sql.SQL(" UNION ALL ").join(
            sql.SQL("SELECT * FROM {}").format(sql.Identifier(name)) for name, _ in ctes
        )
        shaped, _ = self._shaped(table)
        return [Statement(self.wrap(source, shaped, body, ctes=ctes), self.params)]

    def insert_one(
        self, table: Table, columns: list[str], rows: list[dict[str, Any]], conflict: sql.Composable
    ) -> sql.Composable:
        target = sql.SQL("INSERT INTO {} AS {}").format(
            self.relation(table), sql.Identifier("_t_mut")
        )
        payload = self.param(_json(rows))
        if not columns:
            return sql.SQL("{} SELECT FROM json_array_elements({}::json){}").format(
                target, payload, conflict
            )
        idents = sql.SQL(", ").join(sql.Identifier(c) for c in columns)
        return sql.SQL(
            "{target} ({cols}) SELECT {cols} FROM json_populate_recordset(NULL::{rel}, {payload}::json)"
            " AS _{conflict}"
        ).format(
            target=target,
            cols=idents,
            rel=self.relation(table),
            payload=payload,
            conflict=conflict,
        )

    def on_conflict(
        self, table: Table, columns: list[str], resolution: str | None
    ) -> sql.Composable:
        if resolution is None:
            return sql.SQL("")
        keys = list(self.query.on_conflict or table.primary_key)
        if not keys:
            return sql.SQL("")
        for key in keys:
            if key not in table.columns:
                raise undefined_column(table.name, key, table.columns)
        target = sql.SQL(", ").join(sql.Identifier(k) for k in keys)
        if resolution == "ignore-duplicates" or not columns:
            return sql.SQL(" ON CONFLICT ({}) DO NOTHING").format(target)
        sets = sql.SQL(", ").join(
            sql.SQL("{} = EXCLUDED.{}").format(sql.Identifier(c), sql.Identifier(c))
            for c in columns
        )
        return sql.SQL(" ON CONFLICT ({}) DO UPDATE SET {}").format(target, sets)

    def _mutation_level(self, table: Table) -> tuple[Level, list[sql.Composable]]:
        level = Level(table, "_t_mut")
        return level, self.conditions(level, (), {})

    def update(
        self,
        table: Table,
        values: dict[str, Any],
        columns: list[str],
        *,
        returning: bool,
        body: sql.Composable,
    ) -> Statement:
        """PATCH with the request's filters."""
        for name in columns:
            if name not in table.columns:
                raise column_not_found(table.name, name)
        level, conditions = self._mutation_level(table)
        if not conditions:
            raise RestError(400, "21000", SAFE_UPDATE.format("UPDATE"))
        sets = sql.SQL(", ").join(
            sql.SQL("{} = _.{}").format(sql.Identifier(c), sql.Identifier(c)) for c in columns
        )
        stmt = sql.SQL(
            "UPDATE {rel} AS {alias} SET {sets} FROM (SELECT * FROM "
            "json_populate_record(NULL::{rel}, {payload}::json)) AS _{where}"
        ).format(
            rel=self.relation(table),
            alias=sql.Identifier(level.alias),
            sets=sets,
            payload=self.param(_json(values)),
            where=_where(conditions),
        )
        return self._finish_mutation(table, stmt, returning, body)

    def delete(self, table: Table, *, returning: bool, body: sql.Composable) -> Statement:
        """DELETE with the request's filters."""
        level, conditions = self._mutation_level(table)
        if not conditions:
            raise RestError(400, "21000", SAFE_UPDATE.format("DELETE"))
        stmt = sql.SQL("DELETE FROM {} AS {}{}").format(
            self.relation(table), sql.Identifier(level.alias), _where(conditions)
        )
        return self._finish_mutation(table, stmt, returning, body)

    def _finish_mutation(
        self, table: Table, stmt: sql.Composable, returning: bool, body: sql.Composable
    ) -> Statement:
        if not returning:
            return Statement(stmt, self.params, counted_by_rowcount=True)
        source = stmt + sql.SQL(" RETURNING {}.*").format(sql.Identifier("_t_mut"))
        shaped, _ = self._shaped(table)
        return Statement(self.wrap(source, shaped, body), self.params)

    def call(
        self,
        fn: Function,
        args: dict[str, Any],
        limit: int | None,
        offset: int,
        body: sql.Composable,
        count: bool,
    ) -> Statement:
        """An RPC: the function called with named arguments, its result shaped like a read."""
        by_name = {a.name: a for a in fn.arguments}
        call_args: list[sql.Composable] = []
        record: list[sql.Composable] = []
        for name in args:
            arg = by_name[name]
            record.append(sql.SQL("{} {}").format(sql.Identifier(name), sql.SQL(arg.type)))
            value = sql.SQL("_args.{}").format(sql.Identifier(name))
            prefix = sql.SQL("VARIADIC ") if arg.variadic else sql.SQL("")
            call_args.append(sql.SQL("{}{} => {}").format(prefix, sql.Identifier(name), value))
        func = sql.SQL("{}({})").format(
            sql.Identifier(fn.schema, fn.name), sql.SQL(", ").join(call_args)
        )
        from_args = sql.SQL("")
        if record:
            from_args = sql.SQL("json_to_record({}::json) AS _args({}), ").format(
                self.param(_json(args)), sql.SQL(", ").join(record)
            )
        if fn.returns_void or not (fn.returns_set or fn.returns_composite):
            source = sql.SQL("SELECT {} AS pgrst_scalar FROM {}(SELECT) AS _unit").format(
                func, from_args
            )
            scalar_body = sql.SQL(
                "coalesce((json_agg(_postgrest_t.pgrst_scalar) -> 0)::text, 'null')"
            )
            shaped = sql.SQL("SELECT * FROM pgrst_source")
            return Statement(self.wrap(source, shaped, scalar_body), self.params)
        if not fn.returns_composite:
            level = self.new_level(Table(fn.schema, fn.name, "fn"), check_columns=False)
            source = sql.SQL("SELECT {}.pgrst_scalar FROM {}{} AS {}(pgrst_scalar){}").format(
                sql.Identifier(level.alias),
                from_args,
                func,
                sql.Identifier(level.alias),
                self.limit_offset(limit, offset),
            )
            set_body = sql.SQL("coalesce(json_agg(_postgrest_t.pgrst_scalar), '[]')::text")
            shaped = sql.SQL("SELECT * FROM pgrst_source")
            return Statement(self.wrap(source, shaped, set_body), self.params)
        table = self.cache.tables.get(fn.return_table or "")
        if table is None:
            table = Table(
                fn.schema,
                fn.name,
                "fn",
                columns={c: Column(c, "", False, False) for c in fn.out_columns},
            )
        level = self.new_level(table, check_columns=bool(table.columns))
        columns, exists, inner = self.select_list(level, self.query.select, ())
        where = _where(self.root_where(level, exists, inner))
        from_ = sql.SQL("FROM {}{} AS {}").format(from_args, func, sql.Identifier(level.alias))
        source = sql.SQL("SELECT {} {}{}{}{}").format(
            sql.SQL(", ").join(columns),
            from_,
            where,
            self.order_by(level, ()),
            self.limit_offset(limit, offset) if fn.returns_set else sql.SQL(""),
        )
        total = sql.SQL("(SELECT pg_catalog.count(*) {}{})").format(from_, where) if count else None
        if not fn.returns_set:
            body = sql.SQL("coalesce((json_agg(_postgrest_t) -> 0)::text, 'null')")
        return Statement(
            self.wrap(source, sql.SQL("SELECT * FROM pgrst_source"), body, total), self.params
        )


def _is_count(table: Table, items: tuple[SelectItem, ...]) -> bool:
    """`rel(count)` when `count` is no column of the embedded table."""
    return (
        len(items) == 1
        and isinstance(items[0], SelectField)
        and items[0].field == Field("count")
        and items[0].alias is None
        and "count" not in table.columns
    )


def _where(conditions: list[sql.Composable]) -> sql.Composable:
    if not conditions:
        return sql.SQL("")
    return sql.SQL(" WHERE ") + sql.SQL(" AND ").join(conditions)


def _json(value: Any) -> str:
    import json

    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def json_body(singular: bool, strip_nulls: bool) -> sql.Composable:
    """The SQL expression that turns `_postgrest_t` rows into the response body."""
    inner = "json_agg(_postgrest_t) -> 0" if singular else "json_agg(_postgrest_t)"
    if strip_nulls:
        inner = f"json_strip_nulls({inner})"
    fallback = "'null'" if singular else "'[]'"
    return sql.SQL(f"coalesce(({inner})::text, {fallback})")
