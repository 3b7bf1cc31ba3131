"""Everything the suite creates carries the run id and is removed at the end, pass or fail.

Three parts:

- :class:`Created`, the session registry: a test records each row and object it made (or a
  value it changed, to put back) the moment it exists, or before an attempt that should be
  refused; at the end of the session they are removed through the service role, every table's
  rows in one delete, the tables side by side (a delete a foreign key refuses goes again once
  the rows referencing it have gone).
- :func:`sweep_own`, at the end of the session after the registry: whatever still carries this
  run's id in a table the app profile knows (a write that got through unexpectedly, a row a
  trigger wrote), and the audit log's entries about any of the run's rows, are removed too.
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
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from postmigration.app_profile import AppProfile
from postmigration.clients import supabase_client
from postmigration.config import Target
from postmigration.redact import excerpt
from postmigration.storage import list_all

__all__ = [
    "RUN_ID_PATTERN",
    "SWEEP_COLUMNS",
    "Created",
    "created",
    "error_text",
    "left_behind",
    "report_left_behind",
    "storage_places",
    "sweep",
    "sweep_columns",
    "sweep_earlier_runs",
    "sweep_own",
    "sweep_own_run",
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
# What the cleanup could not remove, per process (an xdist worker sends its list to the
# controller as workeroutput["pm_left_behind"]); the report names every entry.
_LEFT_BEHIND = pytest.StashKey[list[str]]()
WORKER_OUTPUT_KEY = "pm_left_behind"
# The app's audit log (by role) and its columns naming the table and the row an entry is
# about: the app's triggers write entries about the run's rows, which belong to the run
# whatever else they say.
AUDIT_LOG = ("admin_logs", "entity", "entity_id")


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


# Reads and independent deletes of the cleanup go out together: each is a round trip to a
# target that may be far away (a serial sweep cost ~2 s at 40 ms of distance).
_AT_ONCE = 8


def _each(work: Callable[[Any], Any], items: Iterable[Any]) -> list[Any]:
    """`work` applied to every item, several at a time; results in the items' order. Work
    must catch its own errors (one failure must not hide the others' results)."""
    items = list(items)
    if len(items) <= 1:
        return [work(item) for item in items]
    with ThreadPoolExecutor(min(_AT_ONCE, len(items))) as pool:
        return list(pool.map(work, items))


def error_text(exc: Exception) -> str:
    """What an API error says, in one line of at most 200 characters, for a problem line."""
    message = getattr(exc, "message", None) or str(exc)
    return excerpt(str(message).splitlines()[0], 200)


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
        """Remember a storage object this run uploaded (once, however often it is named)."""
        with self._lock:
            if _Object(bucket, path) not in self._objects:
                self._objects.append(_Object(bucket, path))

    @contextmanager
    def inserts_into(
        self, client: Any, table: str, window: timedelta = timedelta(minutes=10)
    ) -> Iterator[None]:
        """Remember every row of `table` that `client` sees appear during the block (by id,
        among the rows created within `window` of now, before and after), whatever happens in
        it: the row the app inserted, never a row that was there before (registering the rows
        of the new value and time once deleted a migrated weigh-in of the same weight)."""
        since = (datetime.now(UTC) - window).isoformat()

        def present() -> set[Any]:
            # Newest first: were there more than a page of recent rows, the new one is in it.
            query = client.table(table).select("id").gte("created_at", since)
            rows = query.order("created_at", desc=True).limit(1000).execute().data
            return {row["id"] for row in rows or []}

        before = present()
        try:
            yield
        finally:
            for row_id in sorted(present() - before, key=str):
                self.row(table, row_id)

    @contextmanager
    def uploads_into(self, service: Any, buckets: Iterable[str], folder: str) -> Iterator[None]:
        """Remember every object that appears in `folder` of each of `buckets` during the
        block, whatever happens in it: an upload the app made before a later step failed (the
        profile's update refused, say) is removed too, though the test never learnt its name."""
        watched = list(buckets) if folder else []  # a bucket's root is never listed whole

        def present() -> set[tuple[str, str]]:
            return {
                (bucket, path)
                for bucket in watched
                for path in list_all(service.storage.from_(bucket), folder)
            }

        before = present()
        try:
            yield
        finally:
            for bucket, path in sorted(present() - before):
                self.object(bucket, path)

    def restore(self, table: str, match: Mapping[str, Any], values: Mapping[str, Any]) -> None:
        """Remember values this run overwrote in an existing row, to put them back."""
        with self._lock:
            self._restores.append(_Restore(table, dict(match), dict(values)))

    def row_ids(self, service: Any) -> dict[str, set[str]]:
        """Table -> ids of the registered rows still there (looked up by their column when
        registered by one), to find the audit entries about them once they are deleted."""
        with self._lock:
            rows = list(self._rows)

        def ids_of(row: _Row) -> tuple[str, list[str]]:
            if row.column == "id":
                return row.table, [str(row.value)]
            try:
                data = service.table(row.table).select("id").eq(row.column, row.value).execute()
            except Exception:
                return row.table, []  # clean() reports the row it cannot delete
            return row.table, [str(r["id"]) for r in data.data or []]

        found: dict[str, set[str]] = {}
        for table, ids in _each(ids_of, rows):
            found.setdefault(table, set()).update(ids)
        return found

    def __len__(self) -> int:
        return len(self._rows) + len(self._objects) + len(self._restores)

    def clean(self, service: Any) -> list[str]:
        """Put back, then delete, through the service role; returns what failed.

        Each overwritten row is put back, then every table's registered rows go in one
        delete (see :func:`delete_in_passes`) while each bucket's objects go in one removal
        (rows name objects by URL, never by a foreign key): the round trips of each step go
        out together."""
        with self._lock:
            restores, self._restores = list(reversed(self._restores)), []
            rows, self._rows = list(reversed(self._rows)), []
            objects, self._objects = list(self._objects), []

        def put_back(item: _Restore) -> list[str]:
            query = service.table(item.table).update(dict(item.values))
            for column, value in item.match.items():
                query = query.eq(column, value)
            try:
                query.execute()
            except Exception as exc:  # postgrest.APIError: report, carry on cleaning
                return [f"could not restore {item.table} {dict(item.match)}: {error_text(exc)}"]
            return []

        problems = [line for lines in _each(put_back, restores) for line in lines]
        by_bucket: dict[str, list[str]] = {}
        for obj in objects:
            by_bucket.setdefault(obj.bucket, []).append(obj.path)
        removal = ThreadPoolExecutor(1, thread_name_prefix="pm-cleanup")
        objects_removed = removal.submit(_remove_objects, service, by_bucket)
        removal.shutdown(wait=False)
        groups: dict[tuple[str, str], list[Any]] = {}
        for row in rows:  # newest first: each table's place is that of its newest row
            groups.setdefault((row.table, row.column), []).append(row.value)
        batches = [
            (table, column, chunk)
            for (table, column), values in groups.items()
            for chunk in _chunks(values, 100)
        ]
        for table, column, chunk, _ in delete_in_passes(service, batches):
            problems += _delete_rows(service, table, column, chunk)
        return problems + objects_removed.result()[1]


# One delete: table, column, the values of the rows to delete.
Batch = tuple[str, str, list[Any]]


def delete_in_passes(service: Any, batches: list[Batch]) -> list[tuple[str, str, list[Any], str]]:
    """Send every delete of `batches` at once (8 at a time), then again those the database
    refused, pass after pass while one goes through. A run's rows reference each other (a
    module its course): deleted side by side, a parent can go before its child, and a foreign
    key without ON DELETE CASCADE refuses it (so can a deadlock between two deletes); it goes
    in a later pass, once the child has gone. Returns the deletes that still did not go
    through, each with its last error in one line."""

    def attempt(batch: Batch) -> str | None:
        table, column, values = batch
        try:
            service.table(table).delete().in_(column, values).execute()
        except Exception as exc:  # the API's errors: tried again, then reported
            return error_text(exc)
        return None

    pending = list(batches)
    while pending:
        errors = _each(attempt, pending)
        refused = [(*b, e) for b, e in zip(pending, errors, strict=True) if e is not None]
        if len(refused) == len(pending):
            return refused  # no delete of this pass went through: another would change nothing
        pending = [(table, column, values) for table, column, values, _ in refused]
    return []


def _deleted_and_refused(
    service: Any, batches: list[Batch], what: Callable[[str, list[Any]], str]
) -> tuple[list[str], list[str]]:
    """Delete `batches` of rows by id (:func:`delete_in_passes`). Returns (one line per row
    removed, ``table id``; one per delete that failed: "could not delete N <what>: why")."""
    refused = delete_in_passes(service, batches)
    problems = [
        f"could not delete {len(chunk)} {what(table, chunk)}: {error}"
        for table, _, chunk, error in refused
    ]
    kept = {(table, str(i)) for table, _, chunk, _ in refused for i in chunk}
    removed = [
        f"{table} {i}" for table, _, chunk in batches for i in chunk if (table, str(i)) not in kept
    ]
    return removed, problems


def _remove_objects(
    service: Any, by_bucket: Mapping[str, list[str]]
) -> tuple[list[str], list[str]]:
    """Remove each bucket's paths (one request per bucket, the buckets together). Returns
    (one line per object removed, one line per removal that failed)."""

    def remove(item: tuple[str, list[str]]) -> tuple[list[str], list[str]]:
        bucket, paths = item
        try:
            service.storage.from_(bucket).remove(paths)
        except Exception as exc:
            return [], [f"could not delete {len(paths)} object(s) in {bucket}: {error_text(exc)}"]
        return [f"{bucket}/{p}" for p in paths], []

    results = _each(remove, [(b, paths) for b, paths in by_bucket.items() if paths])
    return [r for gone, _ in results for r in gone], [p for _, failed in results for p in failed]


def _delete_rows(service: Any, table: str, column: str, values: list[Any]) -> list[str]:
    """Delete the rows of `table` whose `column` is one of `values`, in one round trip; when
    that fails, row by row, so a row that cannot go keeps no other row behind. Returns what
    could not be deleted."""
    try:
        service.table(table).delete().in_(column, values).execute()
        return []
    except Exception as exc:
        if len(values) == 1:
            return [f"could not delete {table} {column}={values[0]}: {error_text(exc)}"]
    problems: list[str] = []
    for value in values:
        try:
            service.table(table).delete().eq(column, value).execute()
        except Exception as exc:
            problems.append(f"could not delete {table} {column}={value}: {error_text(exc)}")
    return problems


def _when(value: Any) -> datetime | None:
    """An ISO timestamp from the API as an aware datetime (UTC when it has no zone)."""
    if not isinstance(value, str):
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def _older_than(value: Any, cutoff: datetime) -> bool:
    when = _when(value)
    return when is not None and when < cutoff


# A run makes a row and changes it within minutes; a row changed this long after it was made
# was there before the run that tagged it.
OVERWRITE_GAP = timedelta(minutes=10)


def _made_before_its_change(row: Mapping[str, Any]) -> bool:
    """Whether `row` (with created_at and updated_at) was changed long after it was made."""
    created, updated = _when(row.get("created_at")), _when(row.get("updated_at"))
    return created is not None and updated is not None and updated - created > OVERWRITE_GAP


def _is_leftover(text: Any, run_id: str) -> bool:
    match = RUN_ID_PATTERN.match(str(text or ""))
    return bool(match) and match.group() != run_id


def sweep_columns(app_profile: AppProfile) -> dict[str, str]:
    """The app's tables (by their names in the profile) -> the column holding a run's tag."""
    return {app_profile.table(role): column for role, column in SWEEP_COLUMNS.items()}


def _select_ids(service: Any, table: str, column: str, pattern: str) -> list[Any]:
    rows = service.table(table).select("id").like(column, pattern).limit(1000).execute().data
    return [r["id"] for r in rows or []]


def tagged_ids(service: Any, run_id: str, columns: Mapping[str, str]) -> dict[str, list[Any]]:
    """Ids of the rows carrying `run_id`'s tag, per table of `columns` (tables it cannot read
    are left out)."""

    def ids_in(item: tuple[str, str]) -> tuple[str, list[Any] | None]:
        table, column = item
        try:
            return table, _select_ids(service, table, column, f"{run_id} %")
        except Exception:
            return table, None  # a table this app does not have: nothing of ours can be in it

    return {table: ids for table, ids in _each(ids_in, columns.items()) if ids is not None}


def sweep_own(
    service: Any,
    run_id: str,
    *,
    columns: Mapping[str, str],
    audit: tuple[str, str, str],
    related: Mapping[str, Iterable[Any]] | None = None,
    storage: Mapping[str, Iterable[str]] | None = None,
) -> tuple[list[str], list[str]]:
    """Remove what still carries this run's own id, in every table of `columns` (the tables
    side by side, see :func:`delete_in_passes`), then the entries of the audit log (`audit`:
    its table, the columns naming the table and the row an entry is about) about any of those
    rows or of `related`
    (table -> ids of rows the run made, perhaps already deleted), then the storage objects
    named after the run (`storage`: bucket -> folders to look in, "" for the root), such as
    a thumbnail the app uploaded for a course whose row was then refused.

    Returns (one line per thing removed, one line per thing that could not be removed).
    """
    about: dict[str, set[str]] = {t: {str(i) for i in ids} for t, ids in (related or {}).items()}
    batches: list[Batch] = []
    for table, found in tagged_ids(service, run_id, columns).items():
        about.setdefault(table, set()).update(str(i) for i in found)
        batches += [(table, "id", chunk) for chunk in _chunks(found, 100)]
    removed, problems = _deleted_and_refused(
        service, batches, lambda table, chunk: f"{table} row(s)"
    )
    log, entity, entity_id = audit

    def entries_about(item: tuple[str, list[str]]) -> tuple[list[str], list[str]]:
        table, chunk = item
        try:
            query = service.table(log).delete().eq(entity, table).in_(entity_id, chunk)
            gone = query.execute().data or []
        except Exception as exc:
            return [], [
                f"could not delete the {log} entries about the run's {table} rows: "
                f"{error_text(exc)}"
            ]
        return [f"{log} {r.get('id')} (about {table} {r.get(entity_id)})" for r in gone], []

    chunks = [
        (table, chunk)
        for table, ids in about.items()
        if table != log
        for chunk in _chunks(sorted(ids), 100)
    ]
    for gone, failed in _each(entries_about, chunks):
        removed += gone
        problems += failed
    gone, failed = _remove_named_objects(
        service, storage or {}, lambda entry: _is_own(entry.get("name"), run_id)
    )
    return removed + gone, problems + failed


def _is_own(name: Any, run_id: str) -> bool:
    match = RUN_ID_PATTERN.match(str(name or ""))
    return bool(match) and match.group() == run_id


def _remove_named_objects(
    service: Any, storage: Mapping[str, Iterable[str]], wanted: Callable[[Any], bool]
) -> tuple[list[str], list[str]]:
    """Remove the objects whose entry (name, created_at) `wanted` accepts, in each bucket's
    folders of `storage` (lookups together, 8 at a time, then one removal per bucket). Returns
    (removed, could not remove)."""
    return _remove_objects(service, _named_objects(service, storage, wanted))


def _named_objects(
    service: Any, storage: Mapping[str, Iterable[str]], wanted: Callable[[Any], bool]
) -> dict[str, list[str]]:
    """Each bucket -> the paths of its objects, in its folders of `storage`, whose entry
    (name, created_at) `wanted` accepts (the folders looked up together, 8 at a time)."""

    def matching(item: tuple[str, str]) -> tuple[str, list[str]]:
        bucket, folder = item
        try:
            entries = service.storage.from_(bucket).list(folder, {"limit": 1000, "search": "pm-"})
        except Exception:
            return bucket, []  # a bucket this app does not have: nothing of ours can be in it
        return bucket, [
            f"{folder}/{e['name']}" if folder else e["name"]
            for e in entries
            if e.get("id") is not None and wanted(e)
        ]

    places = [(bucket, folder) for bucket, folders in storage.items() for folder in folders]
    by_bucket: dict[str, list[str]] = {}
    for bucket, paths in _each(matching, places):
        by_bucket.setdefault(bucket, []).extend(paths)
    return by_bucket


def sweep(
    service: Any,
    run_id: str,
    *,
    columns: Mapping[str, str],
    storage: Mapping[str, Iterable[str]] | None = None,
    min_age: timedelta = SWEEP_MIN_AGE,
    now: datetime | None = None,
) -> tuple[list[str], list[str]]:
    """Remove leftovers of interrupted runs: tagged with another run id and older than `min_age`.

    ``columns`` maps tables to the column holding the tag (:func:`sweep_columns`); ``storage``
    maps buckets to the folders to look in ("" for the bucket's root). Returns one line per
    thing removed, and one per thing that could not be removed (never raises for it).
    """
    cutoff = (now or datetime.now(UTC)) - min_age

    overwritten: list[str] = []

    def tagged_before_cutoff(item: tuple[str, str]) -> tuple[str, list[Any]]:
        table, column = item
        key = "tag" if "->" in column else column
        tag = f"tag:{column}" if "->" in column else column
        rows = None
        # With updated_at, a row a run overwrote (made long before its tag) is told apart.
        for fields in (f"id,created_at,updated_at,{tag}", f"id,created_at,{tag}"):
            try:
                rows = (
                    service.table(table)
                    .select(fields)
                    .like(column, "pm-%")
                    .lt("created_at", cutoff.isoformat())
                    .limit(500)
                    .execute()
                    .data
                    or []
                )
                break
            except Exception:
                continue  # no updated_at; or a table this app does not have: nothing of ours
        ids = []
        for row in rows or []:
            if not _is_leftover(row.get(key), run_id):
                continue
            if _made_before_its_change(row):
                overwritten.append(
                    f"{table} {row['id']} holds an earlier run's tag but was made before it "
                    f"(created {row.get('created_at')}, changed {row.get('updated_at')}): that "
                    "run overwrote it and was stopped before putting it back; it is kept, and "
                    "its earlier content is lost (restore it from the dump)"
                )
                continue
            ids.append(row["id"])
        return table, ids

    def leftover(entry: Mapping[str, Any]) -> bool:
        return _is_leftover(entry.get("name"), run_id) and _older_than(
            entry.get("created_at"), cutoff
        )

    # The lookups go out together, the objects' beside the rows' (each a round trip to a
    # target maybe far away), then the deletes (see delete_in_passes).
    with ThreadPoolExecutor(1, thread_name_prefix="pm-sweep") as beside:
        objects = beside.submit(_named_objects, service, storage or {}, leftover)
        batches: list[Batch] = [
            (table, "id", chunk)
            for table, ids in _each(tagged_before_cutoff, columns.items())
            for chunk in _chunks(ids, 100)
        ]
        named = objects.result()
    removed, problems = _deleted_and_refused(
        service,
        batches,
        lambda table, chunk: f"row(s) an earlier run left in {table} (e.g. id {chunk[0]})",
    )
    gone, failed = _remove_objects(service, named)
    return removed + gone, problems + overwritten + failed


def sweep_earlier_runs(
    target: Target, run_id: str, accounts: Any, app_profile: AppProfile, *, locked: bool = False
) -> list[str]:
    """Before the run takes its baseline: remove what interrupted earlier runs left on a
    writable target (:func:`sweep`), so it is never counted as drift; returns what could not
    be removed, one line each. Holding the target's run lock (`locked`), no other run can be
    going, so leftovers of any age go; without it, only those older than SWEEP_MIN_AGE."""
    if target.read_only:
        return []
    min_age = timedelta(0) if locked else SWEEP_MIN_AGE
    try:
        service = supabase_client(target, target.server_key)
        storage = storage_places(service, accounts, app_profile)
        _, problems = sweep(
            service,
            run_id,
            columns=sweep_columns(app_profile),
            storage=storage,
            min_age=min_age,
        )
    except Exception as exc:  # the API's errors: the writing tests meet them and say so
        return [f"could not look for what earlier runs left: {error_text(exc)}"]
    return problems


def _chunks(values: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


@pytest.fixture(scope="session")
def created(
    request: pytest.FixtureRequest,
    target: Target,
    run_id: str,
    service_client: Any,
    accounts: Any,
    app_profile: AppProfile,
) -> Iterator[Created]:
    """The session registry of what tests create; cleaned through the service role at the end.

    (Leftovers of interrupted earlier runs were swept before the baseline: see
    :func:`sweep_earlier_runs`.) At the end, rows a test overwrote are put back, the registry
    is emptied, then anything else tagged with this run's id in a table the app profile knows,
    and the audit log's entries about the run's rows, are removed (under xdist, the tag sweep
    waits for the controller: see final_sweep.py). Cleanup runs whether tests passed or
    failed; anything it could not remove is printed as a warning naming it.
    """
    registry = Created(run_id)
    if target.read_only:
        yield registry
        return
    # An xdist worker shares the run id with the other workers, still running: it removes
    # only the audit entries about its own rows; the controller sweeps the run's tag at the end,
    # so only a run alone needs to know where the run's objects can be.
    alone = not hasattr(request.config, "workerinput")
    storage = storage_places(service_client, accounts, app_profile) if alone else None
    yield registry
    related = registry.row_ids(service_client)
    problems = registry.clean(service_client)
    problems += sweep_own_run(service_client, run_id, app_profile, storage=storage, related=related)
    report_left_behind(request.config, problems)


def storage_places(service: Any, accounts: Any, app_profile: AppProfile) -> dict[str, list[str]]:
    """Where a run's objects can be: each bucket of the app's, at its root and in each
    configured account's folder (named by the account's id)."""
    folders = [""] + _account_ids(service, accounts, app_profile.table("profiles"))
    return {bucket: folders for bucket in app_profile.buckets}


def sweep_own_run(
    service: Any,
    run_id: str,
    app_profile: AppProfile,
    *,
    storage: Mapping[str, Iterable[str]] | None,
    related: Mapping[str, Iterable[Any]] | None = None,
) -> list[str]:
    """The run's own tag sweep. With `storage` (bucket -> folders): every table and those
    folders, as when no other process of the run is still at work; without: only the audit
    entries about `related` (an xdist worker's own rows)."""
    log, entity, entity_id = AUDIT_LOG
    _, problems = sweep_own(
        service,
        run_id,
        columns=sweep_columns(app_profile) if storage is not None else {},
        audit=(app_profile.table(log), entity, entity_id),
        related=related,
        storage=storage,
    )
    return problems


def left_behind(config: pytest.Config) -> list[str]:
    """What this run's cleanup could not remove from the target, one line each (this
    process's, and, on an xdist controller, what its workers reported)."""
    return config.stash.setdefault(_LEFT_BEHIND, [])


def report_left_behind(config: pytest.Config, problems: list[str]) -> None:
    """Keep `problems` for the report (and hand them to the controller from a worker), and
    warn, naming each: a leftover on new shows up as drift in the next run's data-parity."""
    if not problems:
        return
    kept = left_behind(config)
    kept.extend(problems)
    workeroutput = getattr(config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput[WORKER_OUTPUT_KEY] = list(kept)
    import warnings

    warnings.warn("cleanup left things behind on the target: " + "; ".join(problems), stacklevel=2)


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
