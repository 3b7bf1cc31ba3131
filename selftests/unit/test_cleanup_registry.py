"""The cleanup registry's deletes (no target): rows of one table go in one delete, wherever
they were registered; a parent deleted before its child is deleted again after it; and a row
that cannot go keeps no other row behind."""

from __future__ import annotations

from typing import Any

from postmigration.cleanup import Created, delete_in_passes


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
        referenced = {p for c, p in self.service.parents.items() if c in self.service.rows}
        if (self.service.refused | referenced) & set(self.values):
            raise RuntimeError("update or delete violates a foreign key constraint")
        self.service.rows -= set(self.values)


class _Service:
    """Rows by value; `refused` can never go; a value of `parents` (child -> parent) cannot go
    while its child is there (a foreign key without ON DELETE CASCADE)."""

    def __init__(
        self, rows: set[str], refused: set[str], parents: dict[str, str] | None = None
    ) -> None:
        self.rows, self.refused, self.parents = rows, refused, parents or {}
        self.calls: list[tuple[str, list[Any]]] = []

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


def test_rows_of_one_table_registered_apart_still_go_in_one_delete() -> None:
    """Courses and their audit entries registered in turn: one delete per table (the tables
    side by side), not one per registration."""
    registry = Created("pm-aaaaaa")
    for table, value in (
        ("courses", "a"),
        ("admin_logs", "x"),
        ("courses", "b"),
        ("admin_logs", "y"),
    ):
        registry.row(table, value, column="title")
    service = _Service({"a", "b", "x", "y"}, refused=set())
    assert registry.clean(service) == []
    assert sorted(service.calls) == [("admin_logs", ["y", "x"]), ("courses", ["b", "a"])]
    assert not service.rows


def test_a_parent_deleted_before_its_child_goes_in_a_later_pass() -> None:
    """A course, its module, then another course, without ON DELETE CASCADE: whichever delete
    the database sees first, both courses and the module go, and nothing is reported."""
    registry = Created("pm-aaaaaa")
    for table, value in (("courses", "a"), ("course_modules", "m"), ("courses", "b")):
        registry.row(table, value, column="title")
    service = _Service({"a", "m", "b"}, refused=set(), parents={"m": "a"})
    assert registry.clean(service) == []
    assert not service.rows
    assert set(map(str, service.calls)) == {
        str(("courses", ["b", "a"])),
        str(("course_modules", ["m"])),
    }


def test_a_delete_refused_once_goes_in_the_next_pass() -> None:
    """A delete refused while another went through (a deadlock, a row still referenced) is
    sent again after that pass; a pass where nothing goes through ends the passes."""

    class _OnceRefused(_Service):
        def table(self, name: str) -> _Query:
            if len(self.calls) == 2:
                self.refused.clear()  # the first pass is over: the course may go now
            return _Query(self, name)

    service = _OnceRefused({"a", "m"}, refused={"a"})
    calls = service.calls
    refused = delete_in_passes(
        service, [("courses", "title", ["a"]), ("course_modules", "title", ["m"])]
    )
    assert refused == [] and not service.rows
    assert sorted(calls[:2]) == [("course_modules", ["m"]), ("courses", ["a"])]
    assert calls[2:] == [("courses", ["a"])]
    stuck = _Service({"a"}, refused={"a"})
    assert delete_in_passes(stuck, [("courses", "title", ["a"])]) == [
        ("courses", "title", ["a"], "update or delete violates a foreign key constraint")
    ]
    assert stuck.calls == [("courses", ["a"])]


def test_a_row_that_cannot_go_keeps_no_other_row_behind() -> None:
    """The batch fails on one row: the others still go, and only that row is named."""
    registry = Created("pm-aaaaaa")
    for title in ("a", "b", "c"):
        registry.row("goals", title, column="title")
    service = _Service({"a", "b", "c"}, refused={"b"})
    problems = registry.clean(service)
    assert service.rows == {"b"}
    assert [p.split(":")[0] for p in problems] == ["could not delete goals title=b"]
