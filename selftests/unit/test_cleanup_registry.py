"""The cleanup registry's deletes (no target): rows of one table go in one delete, and a row
that cannot go keeps no other row behind."""

from __future__ import annotations

from typing import Any

from postmigration.cleanup import Created


class _Query:
    def __init__(self, service: _Service, table: str) -> None:
        self.service, self.table, self.values = service, table, []

    def delete(self) -> _Query:
        return self

    def in_(self, column: str, values: list[Any]) -> _Query:
        self.values = list(values)
        return self

    def eq(self, column: str, value: Any) -> _Query:
        self.values = [value]
        return self

    def execute(self) -> None:
        self.service.calls.append((self.table, self.values))
        if self.service.refused & set(self.values):
            raise RuntimeError("update or delete violates a foreign key constraint")
        self.service.rows -= set(self.values)


class _Service:
    def __init__(self, rows: set[str], refused: set[str]) -> None:
        self.rows, self.refused, self.calls = rows, refused, []

    def table(self, name: str) -> _Query:
        return _Query(self, name)


def test_rows_of_one_table_go_in_one_delete() -> None:
    """Three rows of goals registered in a row: one delete, newest first."""
    registry = Created("pm-aaaaaa")
    for title in ("a", "b", "c"):
        registry.row("goals", title, column="title")
    service = _Service({"a", "b", "c"}, refused=set())
    assert registry.clean(service) == []
    assert service.calls == [("goals", ["c", "b", "a"])] and not service.rows


def test_a_row_that_cannot_go_keeps_no_other_row_behind() -> None:
    """The batch fails on one row: the others still go, and only that row is named."""
    registry = Created("pm-aaaaaa")
    for title in ("a", "b", "c"):
        registry.row("goals", title, column="title")
    service = _Service({"a", "b", "c"}, refused={"b"})
    problems = registry.clean(service)
    assert service.rows == {"b"}
    assert [p.split(":")[0] for p in problems] == ["could not delete goals title=b"]
