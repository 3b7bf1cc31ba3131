"""The REST stand-in's pure parts: PostgREST's query grammar, ranges, media types, errors, SQL.

Proves: select/filter/order/logic strings parse into the AST PostgREST builds (and malformed
ones fail with PostgREST's PGRST100 message and position); Content-Range and status follow
PostgREST's rules; SQL is parameterised (values never inlined) and identifiers are checked
against the schema cache before they are quoted; relationships resolve for embedding.
"""

from __future__ import annotations

import pytest
from psycopg import sql

from reference.stack.gateway.rest import (
    Media,
    content_range,
    find_function,
    negotiate,
    range_status,
)
from reference.stack.gateway.rest_errors import RestError, _status_for, jwt_error
from reference.stack.gateway.rest_grammar import (
    Condition,
    Field,
    GrammarError,
    JsonStep,
    Logic,
    SelectEmbed,
    SelectField,
    parse_order,
    parse_query,
    parse_select,
)
from reference.stack.gateway.rest_schema import (
    Argument,
    Column,
    ForeignKey,
    Function,
    SchemaCache,
    Table,
)
from reference.stack.gateway.rest_sql import Builder, json_body, resolve_relationship


def _table(name: str, *columns: str, pk: tuple[str, ...] = ("id",)) -> Table:
    return Table("public", name, "r", {c: Column(c, "text", False, False) for c in columns}, pk)


@pytest.fixture()
def cache() -> SchemaCache:
    """A schema like the reference app's catalogue: courses 1-n modules 1-n lessons."""
    tables = {
        "courses": _table("courses", "id", "title", "meta", "tags"),
        "course_modules": _table("course_modules", "id", "course_id", "title", "position"),
        "lessons": _table("lessons", "id", "module_id", "title"),
    }
    fks = [
        ForeignKey(
            "course_modules_course_id_fkey", "course_modules", ("course_id",), "courses", ("id",)
        ),
        ForeignKey("lessons_module_id_fkey", "lessons", ("module_id",), "course_modules", ("id",)),
    ]
    add = Function(
        "public",
        "add",
        (Argument("a", "integer", False), Argument("b", "integer", True)),
        False,
        "integer",
        False,
        False,
        None,
        (),
        "i",
    )
    return SchemaCache("public", "fp", tables, fks, {"add": [add]})


def _sql(composable: sql.Composable) -> str:
    return composable.as_string(None)


def test_select_parses_renames_casts_json_paths_and_nested_embeds() -> None:
    items = parse_select("id,name:title::text,meta->>level,course_modules!inner(*,lessons(id))")
    assert items[0] == SelectField(Field("id"))
    assert items[1] == SelectField(Field("title"), alias="name", cast="text")
    assert items[2] == SelectField(Field("meta", (JsonStep("->>", "level"),)))
    embed = items[3]
    assert isinstance(embed, SelectEmbed) and embed.inner and embed.relation == "course_modules"
    assert embed.children[1] == SelectEmbed("lessons", (SelectField(Field("id")),))


def test_filters_logic_order_and_range_are_classified_like_postgrest() -> None:
    query = parse_query(
        [
            ("select", "title"),
            ("title", "not.ilike.*intro*"),
            ("or", '(position.gt.2,and(title.in.("a,b",c),meta->n.is.null))'),
            ("course_modules.order", "position.desc.nullslast"),
            ("course_modules.limit", "2"),
            ("limit", "10"),
            ("offset", "5"),
            ("arg", "plain"),
        ]
    )
    top = query.filters[()]
    assert top[0] == Condition(Field("title"), "ilike", "*intro*", negate=True)
    assert isinstance(top[1], Logic) and top[1].op == "or"
    nested = top[1].children[1]
    assert isinstance(nested, Logic) and nested.children[0] == Condition(
        Field("title"), "in", ("a,b", "c")
    )
    assert query.order[("course_modules",)][0].direction == "desc"
    assert query.order[("course_modules",)][0].nulls == "last"
    assert query.limit == {(): 10, ("course_modules",): 2} and query.offset == {(): 5}
    assert query.params == [("arg", "plain")]


@pytest.mark.parametrize(
    ("pair", "message", "details"),
    [
        (
            ("id", "not.eqq.1"),
            '"failed to parse filter (not.eqq.1)" (line 1, column 8)',
            "unknown single value operator eqq",
        ),
        (
            ("id", "in.1,2"),
            '"failed to parse filter (in.1,2)" (line 1, column 4)',
            'unexpected "1" expecting "("',
        ),
        (
            ("order", "id.ac"),
            '"failed to parse order (id.ac)" (line 1, column 4)',
            'unexpected "a" expecting "asc", "desc", "nullsfirst" or "nullslast"',
        ),
    ],
)
def test_malformed_parameters_fail_with_postgrests_position(
    pair: tuple[str, str], message: str, details: str
) -> None:
    with pytest.raises(GrammarError) as caught:
        parse_query([pair])
    assert (caught.value.message, caught.value.details) == (message, details)


def test_order_accepts_json_paths_and_related_terms() -> None:
    terms = parse_order("meta->>level.asc,courses(title).desc")
    assert terms[0].field == Field("meta", (JsonStep("->>", "level"),))
    assert terms[1].relation == "courses" and terms[1].direction == "desc"


def test_content_range_and_status_follow_postgrest() -> None:
    assert content_range(0, 25, 3573458) == "0-24/3573458"
    assert content_range(0, 0, 0) == "*/0"
    assert content_range(0, 3, None) == "0-2/*"
    assert content_range(1, 0, 2) == "*/2"  # mutations
    assert range_status(0, 25, 100) == 206
    assert range_status(0, 3, 3) == 200
    assert range_status(10, 0, 5) == 416
    assert range_status(0, 3, None) == 200


def test_media_negotiation() -> None:
    assert negotiate(None) == Media("json")
    assert negotiate("application/vnd.pgrst.object+json;nulls=stripped") == Media("object", True)
    assert negotiate("text/csv") == Media("csv")
    with pytest.raises(RestError) as caught:
        negotiate("image/png")
    assert (caught.value.status, caught.value.code) == (406, "PGRST107")


def test_postgres_errors_map_to_postgrests_statuses() -> None:
    assert _status_for("23505", "", True) == 409
    assert _status_for("23502", "", True) == 400
    assert _status_for("42501", "", True) == 403
    assert _status_for("42501", "", False) == 401
    assert _status_for("P0001", "", True) == 400
    assert _status_for("42P01", "", True) == 404
    assert _status_for("25006", "", True) == 405
    assert _status_for("PT418", "", True) == 418
    expired = jwt_error("expired")
    assert (expired.status, expired.code, expired.message) == (401, "PGRST303", "JWT expired")
    assert jwt_error("malformed", "abc").message == "Expected 3 parts in JWT; got 1"


def test_read_sql_is_parameterised_and_embeds_through_foreign_keys(cache: SchemaCache) -> None:
    query = parse_query(
        [
            ("select", "title,course_modules(title,lessons(title))"),
            ("title", "eq.Robert'); drop table courses;--"),
            ("course_modules.order", "position"),
        ]
    )
    stmt = Builder(cache, query).read(cache.tables["courses"], 10, 0, json_body(False, False), True)
    text = _sql(stmt.query)
    assert "drop table" not in text  # the value is a bind parameter, never SQL
    assert "Robert'); drop table courses;--" in stmt.params.values()
    assert '"_t1"."course_id" = "_t0"."id"' in text  # one-to-many: modules of this course
    assert '"_t2"."module_id" = "_t1"."id"' in text
    assert "json_agg" in text and "pg_catalog.count(*)" in text


def test_unknown_columns_and_relationships_are_refused_before_sql(cache: SchemaCache) -> None:
    with pytest.raises(RestError) as caught:
        Builder(cache, parse_query([("select", 'title,"x\\";drop"')])).read(
            cache.tables["courses"], None, 0, json_body(False, False), False
        )
    assert (caught.value.status, caught.value.code) == (400, "42703")
    with pytest.raises(RestError) as caught:
        resolve_relationship(cache, "courses", "lessons", None)
    assert (caught.value.status, caught.value.code) == (400, "PGRST200")
    many_to_one = resolve_relationship(cache, "lessons", "course_modules", None)
    assert many_to_one.to_one and many_to_one.source_columns == ("module_id",)


def test_mutations_without_filters_are_refused_like_supabase(cache: SchemaCache) -> None:
    builder = Builder(cache, parse_query([]))
    with pytest.raises(RestError) as caught:
        builder.delete(cache.tables["courses"], returning=False, body=json_body(False, False))
    assert (caught.value.code, caught.value.message) == ("21000", "DELETE requires a WHERE clause")


def test_rpc_resolution_by_argument_names(cache: SchemaCache) -> None:
    assert find_function(cache, "add", {"a": 1}, True).name == "add"
    with pytest.raises(RestError) as caught:
        find_function(cache, "add", {"x": 1}, True)
    assert (caught.value.status, caught.value.code) == (404, "PGRST202")
    assert caught.value.message == "Could not find the function public.add(x) in the schema cache"
    with pytest.raises(RestError) as caught:
        find_function(cache, "ad", {}, False)
    assert caught.value.hint == "Perhaps you meant to call the function public.add"
