"""Everything the suite creates carries the run id and is removed at the end, pass or fail.

Two halves:

- :class:`Created`, the session registry: a test records each row and object it made (or a
  value it changed, to put back) the moment it exists; at the end of the session they are
  removed through the service role, children first.
- :func:`sweep`, for leftovers of runs that were interrupted before their teardown: rows and
  objects whose title/name starts with another run's id (``pm-1a2b3c``) and that are older
  than ``min_age`` (a run still going on elsewhere is left alone).

Nothing here touches a row it cannot tie to a run id or to this session's registry, and
nothing runs against a read-only target.
"""

from __future__ import annotations

import re
import secrets
import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from postmigration.app_profile import AppProfile
from postmigration.config import Target

__all__ = [
    "RUN_ID_PATTERN",
    "SWEEP_COLUMNS",
    "Created",
    "created",
    "sweep",
    "sweep_columns",
]

RUN_ID_PATTERN = re.compile(r"^pm-[0-9a-f]{6}\b")
# Where each table, by its role in the app profile, keeps the text a test tags with its run id.
SWEEP_COLUMNS: Mapping[str, str] = {
    "admin_logs": "details->>title",
    "notifications": "body",
    "mission_answers": "answer",
    "lessons": "title",
    "course_modules": "title",
    "courses": "title",
    "goals": "title",
}
SWEEP_MIN_AGE = timedelta(minutes=30)


@dataclass(frozen=True)
class _Row:
    table: str
    column: str
    value: Any


@dataclass(frozen=True)
class _Object:
    bucket: str
    path: str


@dataclass(frozen=True)
class _Restore:
    table: str
    match: Mapping[str, Any]
    values: Mapping[str, Any]


def _error_text(exc: Exception) -> str:
    message = getattr(exc, "message", None) or str(exc)
    return str(message).splitlines()[0][:200]


@dataclass
class Created:
    """The session's registry of what the suite created or changed on the target."""

    run_id: str
    _rows: list[_Row] = field(default_factory=list)
    _objects: list[_Object] = field(default_factory=list)
    _restores: list[_Restore] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def label(self, what: str) -> str:
        """A title for something a test creates: ``pm-1a2b3c <what> 9f3e`` (unique per call)."""
        return f"{self.run_id} {what} {secrets.token_hex(2)}"

    def row(self, table: str, value: Any, column: str = "id") -> None:
        """Remember a row this run inserted (``delete from table where column = value``)."""
        with self._lock:
            self._rows.append(_Row(table, column, value))

    def object(self, bucket: str, path: str) -> None:
        """Remember a storage object this run uploaded."""
        with self._lock:
            self._objects.append(_Object(bucket, path))

    def restore(self, table: str, match: Mapping[str, Any], values: Mapping[str, Any]) -> None:
        """Remember values this run overwrote in an existing row, to put them back."""
        with self._lock:
            self._restores.append(_Restore(table, dict(match), dict(values)))

    def __len__(self) -> int:
        return len(self._rows) + len(self._objects) + len(self._restores)

    def clean(self, service: Any) -> list[str]:
        """Put back, then delete (newest first), through the service role; returns what failed."""
        problems: list[str] = []
        with self._lock:
            restores, self._restores = list(reversed(self._restores)), []
            rows, self._rows = list(reversed(self._rows)), []
            objects, self._objects = list(self._objects), []
        for item in restores:
            query = service.table(item.table).update(dict(item.values))
            for column, value in item.match.items():
                query = query.eq(column, value)
            try:
                query.execute()
            except Exception as exc:  # postgrest.APIError: report, carry on cleaning
                problems.append(
                    f"could not restore {item.table} {dict(item.match)}: {_error_text(exc)}"
                )
        for row in rows:
            try:
                service.table(row.table).delete().eq(row.column, row.value).execute()
            except Exception as exc:
                problems.append(
                    f"could not delete {row.table} {row.column}={row.value}: {_error_text(exc)}"
                )
        by_bucket: dict[str, list[str]] = {}
        for obj in objects:
            by_bucket.setdefault(obj.bucket, []).append(obj.path)
        for bucket, paths in by_bucket.items():
            try:
                service.storage.from_(bucket).remove(paths)
            except Exception as exc:
                problems.append(
                    f"could not delete {len(paths)} object(s) in {bucket}: {_error_text(exc)}"
                )
        return problems


def _older_than(value: Any, cutoff: datetime) -> bool:
    if not isinstance(value, str):
        return False
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when < cutoff


def _is_leftover(text: Any, run_id: str) -> bool:
    match = RUN_ID_PATTERN.match(str(text or ""))
    return bool(match) and match.group() != run_id


def sweep_columns(app_profile: AppProfile) -> dict[str, str]:
    """The app's tables (by their names in the profile) -> the column holding a run's tag."""
    return {app_profile.table(role): column for role, column in SWEEP_COLUMNS.items()}


def sweep(
    service: Any,
    run_id: str,
    *,
    columns: Mapping[str, str],
    storage: Mapping[str, Iterable[str]] | None = None,
    min_age: timedelta = SWEEP_MIN_AGE,
    now: datetime | None = None,
) -> list[str]:
    """Remove leftovers of interrupted runs: tagged with another run id and older than `min_age`.

    ``columns`` maps tables to the column holding the tag (:func:`sweep_columns`); ``storage``
    maps buckets to the folders to look in ("" for the bucket's root). Returns one line per
    thing removed.
    """
    cutoff = (now or datetime.now(UTC)) - min_age
    removed: list[str] = []
    for table, column in columns.items():
        try:
            rows = (
                service.table(table)
                .select(
                    f"id,created_at,tag:{column}" if "->" in column else f"id,created_at,{column}"
                )
                .like(column, "pm-%")
                .lt("created_at", cutoff.isoformat())
                .limit(500)
                .execute()
                .data
                or []
            )
        except Exception:
            continue  # a table this app does not have: nothing of ours can be in it
        key = "tag" if "->" in column else column
        ids = [r["id"] for r in rows if _is_leftover(r.get(key), run_id)]
        for chunk in _chunks(ids, 100):
            service.table(table).delete().in_("id", chunk).execute()
        removed += [f"{table} {i}" for i in ids]
    for bucket, folders in (storage or {}).items():
        files = service.storage.from_(bucket)
        for folder in folders:
            try:
                entries = files.list(folder, {"limit": 1000, "search": "pm-"})
            except Exception:
                continue
            paths = [
                f"{folder}/{e['name']}" if folder else e["name"]
                for e in entries
                if e.get("id") is not None
                and _is_leftover(e.get("name"), run_id)
                and _older_than(e.get("created_at"), cutoff)
            ]
            if paths:
                files.remove(paths)
                removed += [f"{bucket}/{p}" for p in paths]
    return removed


def _chunks(values: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


@pytest.fixture(scope="session")
def created(
    target: Target, run_id: str, service_client: Any, accounts: Any, app_profile: AppProfile
) -> Iterator[Created]:
    """The session registry of what tests create; cleaned through the service role at the end.

    At the start, leftovers of interrupted earlier runs are swept (never on a read-only
    target). Rows a test overwrote are put back. Cleanup runs whether tests passed or failed;
    anything it could not remove is printed as a warning naming it.
    """
    registry = Created(run_id)
    if target.read_only:
        yield registry
        return
    folders = [""] + _account_ids(service_client, accounts, app_profile.table("profiles"))
    sweep(
        service_client,
        run_id,
        columns=sweep_columns(app_profile),
        storage={bucket: folders for bucket in app_profile.buckets},
    )
    yield registry
    problems = registry.clean(service_client)
    if problems:
        import warnings

        warnings.warn(
            "cleanup left things behind on the target: " + "; ".join(problems), stacklevel=1
        )


def _account_ids(service: Any, accounts: Any, profiles: str) -> list[str]:
    """Ids of the configured accounts, read from the app's ``profiles`` table by email."""
    emails = [accounts[role].email for role in accounts]
    if not emails:
        return []
    try:
        rows = service.table(profiles).select("id").in_("email", emails).execute().data or []
    except Exception:
        return []
    return [str(r["id"]) for r in rows]
