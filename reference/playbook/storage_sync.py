"""Storage sync: the playbook's `rsync -a <OLD_STORAGE>/<bucket> <NEW_STORAGE>/`, per bucket.

The `storage.objects` rows (content-type, size, eTag) came with the dump; this copies the
bytes behind them and then checks that rows and bytes agree on new, bucket by bucket.
"""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from .errors import PlaybookError
from .faults import Fault


@dataclass
class Synced:
    """What the sync copied and which buckets a fault kept it from copying."""

    files: dict[str, int] = field(default_factory=dict)
    not_synced: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One line for the operator."""
        copied = ", ".join(f"{bucket} {n}" for bucket, n in self.files.items()) or "nothing"
        skipped = f"; not synced: {', '.join(self.not_synced)}" if self.not_synced else ""
        return (
            f"copied {sum(self.files.values())} objects ({copied}){skipped}; rows and bytes agree"
        )


def _copy_tree(source: Path, target: Path) -> int:
    """Copy every file under `source` to `target`, keeping times (rsync -a); count them."""
    copied = 0
    for path in sorted(source.rglob("*")):
        if path.is_file():
            dest = target / path.relative_to(source)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, dest)
            copied += 1
    return copied


def sync_buckets(old_db: str, old_root: Path, new_root: Path, fault: Fault) -> Synced:
    """Copy each of old's buckets (the playbook's two and the others) to new's storage."""
    with psycopg.connect(old_db) as conn:
        buckets = [r[0] for r in conn.execute("select id from storage.buckets order by id")]
    synced = Synced()
    for bucket in buckets:
        if not fault.bucket_synced(bucket):
            synced.not_synced.append(bucket)
            continue
        source = old_root / bucket
        synced.files[bucket] = _copy_tree(source, new_root / bucket) if source.is_dir() else 0
    return synced


def drop_owners(new_db: str, fault: Fault, buckets: list[str]) -> list[str]:
    """The buckets `fault` copies without their owners (a copy through the Storage API with the
    service key): their objects on new are owned by no one. Returns those buckets."""
    dropped = [bucket for bucket in buckets if not fault.owners_kept(bucket)]
    if dropped:
        with psycopg.connect(new_db) as conn:
            conn.execute(
                "update storage.objects set owner = null, owner_id = null"
                " where bucket_id = any(%s)",
                (dropped,),
            )
    return dropped


def check_agreement(new_db: str, new_root: Path, buckets: list[str]) -> None:
    """Every row of these buckets has its bytes (size and md5 as recorded), every file a row."""
    with psycopg.connect(new_db) as conn:
        rows = conn.execute(
            "select bucket_id, name, (metadata->>'size')::bigint, trim(both '\"' from"
            " metadata->>'eTag') from storage.objects where bucket_id = any(%s)",
            (buckets,),
        ).fetchall()
    problems: list[str] = []
    recorded = set()
    for bucket, name, size, etag in rows:
        recorded.add((bucket, name))
        path = new_root / bucket / name
        if not path.is_file():
            problems.append(f'"{bucket}/{name}" has no bytes')
            continue
        data = path.read_bytes()
        if size is not None and len(data) != size:
            problems.append(f'"{bucket}/{name}" is {len(data)} bytes, its row says {size}')
        elif etag and hashlib.md5(data).hexdigest() != etag:
            problems.append(f'"{bucket}/{name}" differs from its recorded eTag')
    for bucket in buckets:
        root = new_root / bucket
        for path in root.rglob("*") if root.is_dir() else ():
            if path.is_file() and (bucket, str(path.relative_to(root))) not in recorded:
                problems.append(f'"{bucket}/{path.relative_to(root)}" has no storage.objects row')
    if problems:
        raise PlaybookError(
            "storage-sync", f"{len(problems)} objects disagree on new, e.g. {problems[0]}"
        )
