"""PostgREST's query-string grammar, parsed into a small AST (no SQL, no database).

`parse_query(pairs)` turns `select=`, filters, `or=`/`and=`, `order=`, `limit=`, `offset=`,
`columns=` and `on_conflict=` into a `Query`. A malformed value raises `GrammarError`, which
the REST surface answers as PostgREST does: 400 `PGRST100` with the parser's position.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union

SIMPLE_OPERATORS = {
    "eq": "=",
    "neq": "<>",
    "gt": ">",
    "gte": ">=",
    "lt": "<",
    "lte": "<=",
    "like": "LIKE",
    "ilike": "ILIKE",
    "match": "~",
    "imatch": "~*",
    "cs": "@>",
    "cd": "<@",
    "ov": "&&",
    "sl": "<<",
    "sr": ">>",
    "nxr": "&<",
    "nxl": "&>",
    "adj": "-|-",
    "isdistinct": "IS DISTINCT FROM",
}
QUANTIFIABLE = {"eq", "neq", "gt", "gte", "lt", "lte", "like", "ilike", "match", "imatch"}
FTS_OPERATORS = {
    "fts": "to_tsquery",
    "plfts": "plainto_tsquery",
    "phfts": "phraseto_tsquery",
    "wfts": "websearch_to_tsquery",
}
IS_VALUES = ("null", "unknown", "true", "false")
RESERVED = {"select", "columns", "on_conflict"}
RESERVED_EMBEDDABLE = {"order", "limit", "offset", "and", "or"}


class GrammarError(Exception):
    """A query parameter PostgREST's parser would reject: `message` and `details` as it says them."""

    def __init__(self, message: str, details: str) -> None:
        super().__init__(f"{message}: {details}")
        self.message = message
        self.details = details


@dataclass(frozen=True)
class JsonStep:
    """One `->` / `->>` step of a JSON path; `index` when the operand is an array index."""

    arrow: str
    key: str
    index: bool = False


@dataclass(frozen=True)
class Field:
    """A column, optionally followed by a JSON path (`data->>key`)."""

    name: str
    path: tuple[JsonStep, ...] = ()

    @property
    def output_name(self) -> str:
        """The JSON key PostgREST gives this field in a response: the last JSON key, or the column."""
        keys = [step.key for step in self.path if not step.index]
        return keys[-1] if keys else self.name


@dataclass(frozen=True)
class SelectField:
    """`alias:column->path::cast`, or `*`."""

    field: Field
    alias: str | None = None
    cast: str | None = None


@dataclass(frozen=True)
class SelectEmbed:
    """An embedded resource `alias:relation!hint!inner(children)`; `spread` for `...relation(...)`."""

    relation: str
    children: tuple[SelectItem, ...]
    alias: str | None = None
    hint: str | None = None
    inner: bool = False
    spread: bool = False


SelectItem = Union[SelectField, SelectEmbed]  # noqa: UP007 (used at runtime in isinstance)


@dataclass(frozen=True)
class Condition:
    """`field=[not.]op[(any|all)].value`; `value` is a tuple for `in`, a keyword for `is`."""

    field: Field
    op: str
    value: str | tuple[str, ...]
    negate: bool = False
    quantifier: str | None = None
    language: str | None = None


@dataclass(frozen=True)
class Logic:
    """`[not.]and(...)` / `[not.]or(...)` over conditions and nested logic."""

    op: str
    children: tuple[Condition | Logic, ...]
    negate: bool = False


@dataclass(frozen=True)
class OrderTerm:
    """`field[.asc|.desc][.nullsfirst|.nullslast]`, or `relation(field)...` for a to-one embed."""

    field: Field
    direction: str | None = None
    nulls: str | None = None
    relation: str | None = None


EmbedPath = tuple[str, ...]


@dataclass
class Query:
    """Everything the query string says, keyed by embed path (`()` is the requested resource)."""

    select: tuple[SelectItem, ...]
    filters: dict[EmbedPath, list[Condition | Logic]] = field(default_factory=dict)
    order: dict[EmbedPath, list[OrderTerm]] = field(default_factory=dict)
    limit: dict[EmbedPath, int] = field(default_factory=dict)
    offset: dict[EmbedPath, int] = field(default_factory=dict)
    columns: tuple[str, ...] | None = None
    on_conflict: tuple[str, ...] | None = None
    params: list[tuple[str, str]] = field(default_factory=list)


class _Scanner:
    """A cursor over one parameter value; `fail` raises the error PostgREST would report."""

    def __init__(self, text: str, source: str) -> None:
        self.text = text
        self.source = source
        self.pos = 0

    def peek(self, n: int = 1) -> str:
        return self.text[self.pos : self.pos + n]

    def at_end(self) -> bool:
        return self.pos >= len(self.text)

    def startswith(self, token: str) -> bool:
        return self.text.startswith(token, self.pos)

    def take(self, token: str) -> bool:
        if self.startswith(token):
            self.pos += len(token)
            return True
        return False

    def skip_ws(self) -> None:
        while self.peek() in (" ", "\t") and not self.at_end():
            self.pos += 1

    def expect(self, token: str) -> None:
        if not self.take(token):
            self.fail(f'"{token}"')

    def fail(self, expecting: str, unexpected: str | None = None) -> None:
        if unexpected is None:
            unexpected = f'"{self.peek()}"' if not self.at_end() else "end of input"
        detail = f"unexpected {unexpected}"
        if expecting:
            detail += f" expecting {expecting}"
        raise GrammarError(f'"{self.source}" (line 1, column {self.pos + 1})', detail)


def _is_ident_char(ch: str) -> bool:
    return ch.isalnum() or ch in "_ $"


def _quoted(sc: _Scanner) -> str | None:
    if sc.peek() != '"':
        return None
    sc.pos += 1
    out: list[str] = []
    while not sc.at_end():
        ch = sc.peek()
        if ch == "\\" and sc.pos + 1 < len(sc.text):
            out.append(sc.text[sc.pos + 1])
            sc.pos += 2
        elif ch == '"':
            sc.pos += 1
            return "".join(out)
        else:
            out.append(ch)
            sc.pos += 1
    sc.fail('"\\""')
    return None


def _identifier(sc: _Scanner) -> str:
    start = sc.pos
    while not sc.at_end() and _is_ident_char(sc.peek()):
        sc.pos += 1
    if sc.pos == start:
        sc.fail("letter or digit")
    return sc.text[start : sc.pos].strip()


def _field_name(sc: _Scanner) -> str:
    quoted = _quoted(sc)
    if quoted is not None:
        return quoted
    if sc.at_end() or not _is_ident_char(sc.peek()):
        sc.fail("field name (* or [a..z0..9_$])")
    parts = [_identifier(sc)]
    while sc.peek() == "-" and sc.peek(2) != "->":
        sc.pos += 1
        parts.append(_identifier(sc))
    return "-".join(parts)


def _json_path(sc: _Scanner) -> tuple[JsonStep, ...]:
    steps: list[JsonStep] = []
    while sc.startswith("->"):
        arrow = "->>" if sc.startswith("->>") else "->"
        sc.pos += len(arrow)
        start = sc.pos
        sign = "-" if sc.take("-") else ""
        digits_start = sc.pos
        while not sc.at_end() and sc.peek().isdigit():
            sc.pos += 1
        ends = ("->", "::", ".", ",", ")")
        if sc.pos > digits_start and (sc.at_end() or any(sc.startswith(e) for e in ends)):
            steps.append(JsonStep(arrow, sign + sc.text[digits_start : sc.pos], index=True))
            continue
        sc.pos = start
        steps.append(JsonStep(arrow, _field_name(sc)))
    return tuple(steps)


def _field(sc: _Scanner) -> Field:
    sc.skip_ws()
    name = _field_name(sc)
    path = _json_path(sc)
    sc.skip_ws()
    return Field(name, path)


def _alias(sc: _Scanner) -> str | None:
    """`name:` (a single colon) before a field or relation; backtracks when absent."""
    start = sc.pos
    try:
        name = _field_name(sc)
    except GrammarError:
        sc.pos = start
        return None
    if sc.peek() == ":" and sc.peek(2) != "::":
        sc.pos += 1
        return name
    sc.pos = start
    return None


def _select_forest(sc: _Scanner, nested: bool) -> tuple[SelectItem, ...]:
    items: list[SelectItem] = []
    while True:
        sc.skip_ws()
        items.append(_select_item(sc))
        sc.skip_ws()
        if sc.take(","):
            continue
        if nested and sc.peek() == ")":
            return tuple(items)
        if not nested and sc.at_end():
            return tuple(items)
        sc.fail('"," or end of input' if not nested else '")" or ","')


def _embed_params(sc: _Scanner) -> tuple[str | None, bool]:
    hint: str | None = None
    inner = False
    for _ in range(2):
        if not sc.take("!"):
            break
        if sc.take("inner"):
            inner = True
        elif sc.take("left"):
            inner = False
        else:
            hint = _field_name(sc)
    return hint, inner


def _select_item(sc: _Scanner) -> SelectItem:
    start = sc.pos
    if sc.take("..."):
        name = _field_name(sc)
        hint, inner = _embed_params(sc)
        sc.expect("(")
        children = _select_forest(sc, nested=True)
        sc.expect(")")
        return SelectEmbed(name, children, hint=hint, inner=inner, spread=True)
    if sc.take("*"):
        sc.skip_ws()
        if not (sc.at_end() or sc.peek() in ",)"):
            sc.fail('")", "," or end of input')
        return SelectField(Field("*"))
    alias = _alias(sc)
    after_alias = sc.pos
    name = _field_name(sc)
    if sc.peek() in ("!", "("):
        hint, inner = _embed_params(sc)
        if sc.take("("):
            children = _select_forest(sc, nested=True)
            sc.expect(")")
            return SelectEmbed(name, children, alias=alias, hint=hint, inner=inner)
        sc.fail('"("')
    sc.pos = after_alias
    fld = _field(sc)
    cast = None
    if sc.take("::"):
        cast = _identifier(sc)
    sc.skip_ws()
    if not (sc.at_end() or sc.peek() in ",)"):
        if sc.pos == start:
            sc.fail("field name (* or [a..z0..9_$])")
        sc.fail('"->>", "->", "::", ")", "," or end of input')
    return SelectField(fld, alias=alias, cast=cast)


def parse_select(text: str) -> tuple[SelectItem, ...]:
    """`select=` into select items (fields, `*`, embedded resources)."""
    sc = _Scanner(text, f"failed to parse select parameter ({text})")
    return _select_forest(sc, nested=False)


def _list_value(sc: _Scanner) -> tuple[str, ...]:
    sc.skip_ws()
    sc.expect("(")
    sc.skip_ws()
    items: list[str] = []
    while True:
        start = sc.pos
        quoted = _quoted(sc) if sc.peek() == '"' else None
        if quoted is None or (not sc.at_end() and sc.peek() not in ",)"):
            sc.pos = start
            while not sc.at_end() and sc.peek() not in ",)":
                sc.pos += 1
            items.append(sc.text[start : sc.pos])
        else:
            items.append(quoted)
        if sc.take(","):
            continue
        sc.skip_ws()
        sc.expect(")")
        sc.skip_ws()
        return tuple(items)


def _logic_value(sc: _Scanner) -> str:
    start = sc.pos
    if sc.peek() == '"':
        quoted = _quoted(sc)
        if quoted is not None and (sc.at_end() or sc.peek() in ",)"):
            return quoted
        sc.pos = start
    if sc.peek() == "{":
        end = sc.text.find("}", sc.pos)
        inner = sc.text[sc.pos + 1 : end] if end >= 0 else ""
        if end >= 0 and "{" not in inner:
            sc.pos = end + 1
            return sc.text[start : sc.pos]
    while not sc.at_end() and sc.peek() not in ",)":
        sc.pos += 1
    return sc.text[start : sc.pos]


def _op_expr(sc: _Scanner, fld: Field, in_logic: bool) -> Condition:
    negate = False
    start = sc.pos
    if sc.take("not."):
        negate = True
    else:
        sc.pos = start
    if sc.take("in."):
        return Condition(fld, "in", _list_value(sc), negate)
    if sc.take("is."):
        for word in IS_VALUES:
            if sc.text[sc.pos : sc.pos + len(word)].lower() == word:
                sc.pos += len(word)
                return Condition(fld, "is", word, negate)
        sc.fail("null or trilean value (unknown, true, false)")
    op_start = sc.pos
    while not sc.at_end() and sc.peek() not in ".(":
        sc.pos += 1
    op = sc.text[op_start : sc.pos]
    language = quantifier = None
    if op in FTS_OPERATORS and sc.peek() == "(":
        sc.pos += 1
        language = _identifier(sc)
        sc.expect(")")
    elif op in QUANTIFIABLE and sc.peek() == "(":
        for word in ("any", "all"):
            if sc.take(f"({word})"):
                quantifier = word
                break
    if sc.peek() != ".":
        while not sc.at_end() and sc.peek() != ".":
            sc.pos += 1
        op = sc.text[op_start : sc.pos]
        if sc.at_end():
            sc.fail("delimiter (.)")
    if op not in SIMPLE_OPERATORS and op not in FTS_OPERATORS:
        raise GrammarError(
            f'"{sc.source}" (line 1, column {sc.pos + 1})',
            f"unknown single value operator {op}",
        )
    sc.pos += 1
    if in_logic:
        value = _logic_value(sc)
    else:
        value = sc.text[sc.pos :]
        sc.pos = len(sc.text)
    return Condition(fld, op, value, negate, quantifier, language)


def parse_filter(key: str, value: str) -> tuple[EmbedPath, Condition]:
    """`key=value` of a filter into its embed path and condition."""
    path, fld = parse_tree_path(key)
    sc = _Scanner(value, f"failed to parse filter ({value})")
    return path, _op_expr(sc, fld, in_logic=False)


def parse_tree_path(key: str) -> tuple[EmbedPath, Field]:
    """`rel.sub.column->json` into the embed path and the field."""
    sc = _Scanner(key, f"failed to parse tree path ({key})")
    names = [_field_name(sc)]
    while sc.take("."):
        names.append(_field_name(sc))
    fld = Field(names[-1], _json_path(sc))
    if not sc.at_end():
        sc.fail('"->>", "->", delimiter (.) or end of input')
    return tuple(names[:-1]), fld


def _logic_tree(sc: _Scanner) -> Condition | Logic:
    start = sc.pos
    try:
        fld = _field(sc)
        if sc.take("."):
            return _op_expr(sc, fld, in_logic=True)
    except GrammarError:
        pass
    sc.pos = start
    negate = sc.take("not.")
    if sc.take("and"):
        op = "and"
    elif sc.take("or"):
        op = "or"
    else:
        sc.fail("logic operator (and, or)")
    return _logic_body(sc, op, negate)


def _logic_body(sc: _Scanner, op: str, negate: bool) -> Logic:
    sc.skip_ws()
    sc.expect("(")
    children: list[Condition | Logic] = []
    while True:
        sc.skip_ws()
        children.append(_logic_tree(sc))
        sc.skip_ws()
        if sc.take(","):
            continue
        sc.expect(")")
        sc.skip_ws()
        return Logic(op, tuple(children), negate)


def parse_logic(key: str, value: str) -> tuple[EmbedPath, Logic]:
    """`[rel.][not.]or=(...)` into its embed path and logic tree."""
    words = key.split(".")
    negate = "not" in words[:-1]
    path = tuple(w for w in words[:-1] if w != "not")
    sc = _Scanner(words[-1] + value, f"failed to parse logic tree ({value})")
    sc.pos = len(words[-1])
    tree = _logic_body(sc, words[-1], negate)
    if not sc.at_end():
        sc.fail('"," or end of input')
    return path, tree


def parse_order(value: str) -> list[OrderTerm]:
    """`order=a.asc,b.desc.nullslast,rel(col).desc` into order terms."""
    sc = _Scanner(value, f"failed to parse order ({value})")
    terms: list[OrderTerm] = []
    while True:
        sc.skip_ws()
        start = sc.pos
        relation = None
        name = _field_name(sc)
        if sc.take("("):
            relation = name
            fld = _field(sc)
            sc.expect(")")
        else:
            sc.pos = start
            fld = _field(sc)
        direction = nulls = None
        for word in ("asc", "desc"):
            if sc.take(f".{word}"):
                direction = word
                break
        for word in ("nullsfirst", "nullslast"):
            if sc.take(f".{word}"):
                nulls = word[5:]
                break
        terms.append(OrderTerm(fld, direction, nulls, relation))
        sc.skip_ws()
        if sc.take(","):
            continue
        if sc.at_end():
            return terms
        if sc.peek() == ".":
            sc.pos += 1
            sc.fail('"asc", "desc", "nullsfirst" or "nullslast"')
        sc.fail('"," or end of input')


def parse_columns(value: str, what: str) -> tuple[str, ...]:
    """`columns=` / `on_conflict=`: a comma-separated list of (optionally quoted) names."""
    sc = _Scanner(value, f"failed to parse {what} parameter ({value})")
    names: list[str] = []
    while True:
        sc.skip_ws()
        names.append(_field_name(sc))
        sc.skip_ws()
        if sc.take(","):
            continue
        if sc.at_end():
            return tuple(names)
        sc.fail('"," or end of input')


def _has_operator(value: str) -> bool:
    parts = value.split(".")
    head = parts[0]
    if head == "not" and len(parts) > 1:
        return True
    if head in ("is", "in"):
        return True
    base = head.split("(")[0]
    return (
        head in SIMPLE_OPERATORS
        or head in FTS_OPERATORS
        or base in FTS_OPERATORS
        or (base in QUANTIFIABLE and head in (f"{base}(any)", f"{base}(all)"))
    )


def _nonneg_int(value: str) -> int | None:
    try:
        return int(value)
    except ValueError:
        return None


def parse_query(pairs: list[tuple[str, str]]) -> Query:
    """Classify and parse every query parameter as PostgREST does; raises GrammarError."""
    select_text = next((v for k, v in pairs if k == "select"), None)
    query = Query(select=parse_select(select_text) if select_text else (SelectField(Field("*")),))
    for key, value in pairs:
        if key == "select":
            continue
        if key == "columns":
            query.columns = parse_columns(value, "columns")
            continue
        if key == "on_conflict":
            query.on_conflict = parse_columns(value, "on_conflict")
            continue
        if value == "":
            continue
        last = key.rsplit(".", 1)[-1]
        path = tuple(key.split(".")[:-1])
        if last in ("and", "or"):
            lpath, tree = parse_logic(key, value)
            query.filters.setdefault(lpath, []).append(tree)
        elif last == "order":
            query.order.setdefault(path, []).extend(parse_order(value))
        elif last in ("limit", "offset"):
            number = _nonneg_int(value)
            if number is not None:
                getattr(query, last)[path] = number
        elif "." in key or _has_operator(value):
            fpath, condition = parse_filter(key, value)
            query.filters.setdefault(fpath, []).append(condition)
        else:
            query.params.append((key, value))
    return query
