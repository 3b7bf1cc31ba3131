"""The API scan of stored URLs (postmigration.stored_urls.scan_api) reads every row.

Proves: with a server that answers fewer rows than asked (Max rows below our page size) the
scan keeps paging until the exact count is read, counts every value on an old origin (origins
compared case-insensitively, other hosts and ports not counted) and names table, column, count.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from postmigration.stored_urls import scan_api

OLD = "http://old.example:8000"
MAX_ROWS = 7  # what the fake server answers at most, whatever is asked


@dataclass
class _Answer:
    data: list[dict[str, Any]]
    count: int


@dataclass
class _Query:
    rows: list[dict[str, Any]]
    asked: list[tuple[int, int]]
    ordered: list[str] = field(default_factory=list)
    start: int = 0
    end: int = 0

    def order(self, column: str, *, nullsfirst: bool) -> _Query:
        self.ordered.append(column)
        return self

    def range(self, start: int, end: int) -> _Query:
        self.start, self.end = start, end
        return self

    def execute(self) -> _Answer:
        self.asked.append((self.start, self.end))
        stop = min(self.end + 1, self.start + MAX_ROWS)
        return _Answer(self.rows[self.start : stop], len(self.rows))


@dataclass
class _Table:
    rows: list[dict[str, Any]]
    asked: list[tuple[int, int]]

    def select(self, columns: str, *, count: str) -> _Query:
        assert count == "exact"
        return _Query(self.rows, self.asked)


@dataclass
class _Client:
    tables: dict[str, list[dict[str, Any]]]
    asked: list[tuple[int, int]] = field(default_factory=list)

    def table(self, name: str) -> _Table:
        return _Table(self.tables[name], self.asked)


def test_every_row_is_read_past_the_servers_max_rows() -> None:
    rows = [{"avatar_url": f"http://new.example/a/{i}.png"} for i in range(20)]
    rows += [{"avatar_url": None}, {"avatar_url": f"{OLD.upper()}/a/late.png"}]
    rows += [{"avatar_url": "http://old.example:8001/other-port.png"}]
    client = _Client({"profiles": rows})
    scan = scan_api(client, {"profiles": ("avatar_url",)}, [OLD])
    assert len(client.asked) == 4, client.asked  # 23 rows, 7 at a time
    assert "profiles: 23 rows" in scan.how and "REST API" in scan.how
    assert [s.problem() for s in scan.stale] == [
        f"profiles.avatar_url: 1 row still points at an old origin (e.g. {OLD.upper()}/a/late.png)"
    ]


def test_a_clean_table_has_no_finding() -> None:
    client = _Client({"courses": [{"thumbnail_url": "http://new.example/t.png"}]})
    assert scan_api(client, {"courses": ("thumbnail_url",)}, [OLD]).stale == []
