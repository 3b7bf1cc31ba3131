"""A custom-format dump's table of contents (`pg_restore --list`), parsed and filtered.

A fresh Supabase project already has the platform's schemas, extensions, tables and helper
functions (auth, storage, extensions, supabase_migrations). Restoring a whole-database dump
into it with plain `pg_restore` stops at the first "already exists". The operator's way out,
made deterministic here: list the archive, leave out the definitions of objects the target
already has, keep everything else (all table data, the app's triggers and policies on
auth/storage tables included), and restore with `--use-list`.
"""

from __future__ import annotations

from dataclasses import dataclass

# The kinds pg_restore prints, longest first so that "TABLE DATA" wins over "TABLE".
KINDS = sorted(
    (
        "ACCESS METHOD", "ACL", "AGGREGATE", "BLOB", "BLOBS", "CAST", "CHECK CONSTRAINT", "COLLATION",
        "COMMENT", "CONSTRAINT", "CONVERSION", "DATABASE", "DEFAULT", "DEFAULT ACL", "DOMAIN",
        "EVENT TRIGGER", "EXTENSION", "FK CONSTRAINT", "FOREIGN TABLE", "FUNCTION", "INDEX",
        "INDEX ATTACH", "LANGUAGE", "MATERIALIZED VIEW", "MATERIALIZED VIEW DATA", "OPERATOR",
        "POLICY", "PROCEDURE", "PUBLICATION", "PUBLICATION TABLE", "ROW SECURITY", "RULE",
        "SCHEMA", "SEQUENCE", "SEQUENCE OWNED BY", "SEQUENCE SET", "STATISTICS", "TABLE",
        "TABLE ATTACH", "TABLE DATA", "TEXT SEARCH CONFIGURATION", "TEXT SEARCH DICTIONARY",
        "TRIGGER", "TYPE", "VIEW",
    ),
    key=len,
    reverse=True,
)  # fmt: skip

RELATION_KINDS = {"TABLE", "VIEW", "MATERIALIZED VIEW", "SEQUENCE", "FOREIGN TABLE", "INDEX"}
ROUTINE_KINDS = {"FUNCTION", "PROCEDURE", "AGGREGATE"}
TABLE_SCOPED_KINDS = {
    "CONSTRAINT": "constraint",
    "FK CONSTRAINT": "constraint",
    "CHECK CONSTRAINT": "constraint",
    "TRIGGER": "trigger",
    "POLICY": "policy",
    "RULE": "rule",
}


@dataclass(frozen=True)
class TocEntry:
    """One line of `pg_restore --list`: `id; tableoid oid KIND schema tag owner`."""

    line: str
    kind: str
    schema: str
    tag: str

    @property
    def key(self) -> tuple[str, str, str]:
        """(kind, schema, tag): what a COMMENT or DEFAULT entry refers back to."""
        return (self.kind, self.schema, self.tag)


def parse_toc(listing: str) -> list[TocEntry]:
    """The entries of a `pg_restore --list` output, comments and blank lines dropped."""
    entries = []
    for line in listing.splitlines():
        if not line.strip() or line.startswith(";"):
            continue
        _, _, rest = line.partition("; ")
        fields = rest.split(" ", 2)  # tableoid, oid, "KIND schema tag owner"
        if len(fields) < 3:
            continue
        described = fields[2]
        kind = next((k for k in KINDS if described.startswith(k + " ")), None)
        if kind is None:
            continue
        schema, _, tag_owner = described[len(kind) + 1 :].partition(" ")
        # the owner is the last word; extensions have none (the line ends with a space)
        tag = tag_owner[:-1] if tag_owner.endswith(" ") else tag_owner.rpartition(" ")[0]
        entries.append(TocEntry(line=line, kind=kind, schema=schema, tag=tag))
    return entries


@dataclass(frozen=True)
class TargetCatalog:
    """What the target database already has, keyed the way the archive's tags name things."""

    schemas: frozenset[str]
    extensions: frozenset[str]
    relations: frozenset[tuple[str, str]]
    routines: frozenset[tuple[str, str]]
    types: frozenset[tuple[str, str]]
    table_scoped: frozenset[tuple[str, str, str, str]]  # (what, schema, table, name)
    publications: frozenset[str] = frozenset()

    def has(self, entry: TocEntry) -> bool:
        """True when the object this entry creates already exists in the target."""
        if entry.kind == "SCHEMA":
            return entry.tag in self.schemas
        if entry.kind == "EXTENSION":
            return entry.tag in self.extensions
        if entry.kind == "PUBLICATION":
            return entry.tag in self.publications
        if entry.kind in RELATION_KINDS or entry.kind == "SEQUENCE OWNED BY":
            return (entry.schema, entry.tag) in self.relations
        if entry.kind in ROUTINE_KINDS:
            return (entry.schema, entry.tag) in self.routines
        if entry.kind in ("TYPE", "DOMAIN"):
            return (entry.schema, entry.tag) in self.types
        what = TABLE_SCOPED_KINDS.get(entry.kind)
        if what is not None:
            table, _, name = entry.tag.partition(" ")
            return (what, entry.schema, table, name) in self.table_scoped
        return False


# Platform schemas whose rows the restore leaves out, as `supabase db dump` does: jobs and
# Vault secrets are re-created on new by the extras step (a secret's ciphertext would not
# decrypt under new's key), and old's unsent HTTP requests must not be sent from new.
PLATFORM_DATA_SCHEMAS = ("cron", "vault", "net")

CATALOG_SQL = {
    "schemas": "select nspname from pg_namespace",
    "publications": "select pubname from pg_publication",
    "extensions": "select extname from pg_extension",
    "relations": """
        select n.nspname, c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
    """,
    "routines": """
        select n.nspname, quote_ident(p.proname) || '(' || oidvectortypes(p.proargtypes) || ')'
        from pg_proc p join pg_namespace n on n.oid = p.pronamespace
    """,
    "types": """
        select n.nspname, t.typname from pg_type t join pg_namespace n on n.oid = t.typnamespace
    """,
    "table_scoped": """
        select 'constraint', n.nspname, c.relname, k.conname from pg_constraint k
          join pg_class c on c.oid = k.conrelid join pg_namespace n on n.oid = c.relnamespace
        union all
        select 'trigger', n.nspname, c.relname, t.tgname from pg_trigger t
          join pg_class c on c.oid = t.tgrelid join pg_namespace n on n.oid = c.relnamespace
          where not t.tgisinternal
        union all
        select 'policy', n.nspname, c.relname, p.polname from pg_policy p
          join pg_class c on c.oid = p.polrelid join pg_namespace n on n.oid = c.relnamespace
        union all
        select 'rule', n.nspname, c.relname, r.rulename from pg_rewrite r
          join pg_class c on c.oid = r.ev_class join pg_namespace n on n.oid = c.relnamespace
    """,
}


def _unquote(name: str) -> str:
    return name[1:-1].replace('""', '"') if len(name) > 1 and name[0] == name[-1] == '"' else name


def _referenced(entry: TocEntry) -> tuple[str, str, str] | None:
    """For a COMMENT or DEFAULT entry: the (kind, schema, tag) of the object it belongs to."""
    if entry.kind == "DEFAULT":
        return ("TABLE", entry.schema, entry.tag.partition(" ")[0])
    if entry.kind != "COMMENT":
        return None
    for kind in KINDS:
        if entry.tag.startswith(kind + " "):
            name = entry.tag[len(kind) + 1 :]
            if kind == "COLUMN":
                return ("TABLE", entry.schema, name.partition(".")[0])
            return (kind, entry.schema, _unquote(name))
    if entry.tag.startswith("COLUMN "):
        return ("TABLE", entry.schema, entry.tag[len("COLUMN ") :].partition(".")[0])
    return None


def split_existing(
    entries: list[TocEntry], catalog: TargetCatalog
) -> tuple[list[TocEntry], list[TocEntry]]:
    """(to restore, skipped): definitions the target already has are skipped, with their
    comments and column defaults; data, sequence values and everything new are kept."""
    skipped_keys: set[tuple[str, str, str]] = set()
    keep: list[TocEntry] = []
    skipped: list[TocEntry] = []
    for entry in entries:
        referenced = _referenced(entry)
        platform_data = entry.kind == "TABLE DATA" and entry.schema in PLATFORM_DATA_SCHEMAS
        if (
            catalog.has(entry)
            or platform_data
            or (referenced is not None and referenced in skipped_keys)
        ):
            skipped.append(entry)
            skipped_keys.add(entry.key)
        else:
            keep.append(entry)
    return keep, skipped
