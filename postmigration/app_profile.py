"""The app profile: what the migrated app consists of. Its defaults describe the reference app.

A real project overrides any of it under ``[app]`` in ``postmigration.toml``; tests read tables,
routes, selectors, buckets and functions from here and never hard-code them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from postmigration.db.data import ACTIVITY_COLUMNS
from postmigration.errors import MalformedConfigError

# The page objects own the reference app's routes and selectors; the profile starts from them.
from postmigration.pages.defaults import DEFAULT_ROUTES, DEFAULT_SELECTORS
from postmigration.storage import BucketSpec

__all__ = ["AppProfile", "load_app_profile"]

# The roles the suite's checks play against, in the user's words; each names one table of the app.
TABLE_ROLES = (
    "profiles",
    "courses",
    "course_modules",
    "lessons",
    "goals",
    "goal_invites",
    "notifications",
    "hero_videos",
    "playlist_items",
    "daily_missions",
    "mission_answers",
    "weight_measurements",
    "admin_logs",
)
# role -> table: the reference app calls each table by its role.
DEFAULT_TABLE_NAMES: Mapping[str, str] = MappingProxyType({role: role for role in TABLE_ROLES})
DEFAULT_TABLES = tuple(DEFAULT_TABLE_NAMES.values())
# name -> public: a public bucket serves /object/public/ URLs without a token.
DEFAULT_BUCKETS = {"avatars": True, "course-thumbnails": True, "chat-images": False, "media": True}
MIB = 1024 * 1024
DEFAULT_BUCKET_SPECS = {
    "avatars": BucketSpec(True, 2 * MIB, ("image/*",)),
    "course-thumbnails": BucketSpec(True, 5 * MIB, ("image/png", "image/jpeg", "image/webp")),
    "chat-images": BucketSpec(False, 5 * MIB, ("image/*",)),
    "media": BucketSpec(True, 50 * MIB, ("video/webm", "video/mp4", "audio/*", "image/*")),
}
# Roles of the tables a visitor who is not signed in must not read (each has rows when healthy).
PRIVATE_ROLES = (
    "profiles",
    "goals",
    "goal_invites",
    "notifications",
    "mission_answers",
    "weight_measurements",
    "admin_logs",
)
# Roles of the tables whose rows belong to one user: role -> the column naming the owner.
OWNED_ROLES: Mapping[str, str] = MappingProxyType(
    {
        "goals": "owner_id",
        "notifications": "user_id",
        "mission_answers": "user_id",
        "weight_measurements": "user_id",
    }
)
# Roles of the tables with columns holding full URLs (media, thumbnails, avatars): after a move
# none may name an old origin.
URL_COLUMN_ROLES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "courses": ("thumbnail_url",),
        "lessons": ("video_url",),
        "hero_videos": ("video_url", "poster_url"),
        "playlist_items": ("media_url",),
        "profiles": ("avatar_url",),
    }
)


def private_tables_of(names: Mapping[str, str]) -> tuple[str, ...]:
    """The private tables, by their names in ``names`` (role -> table)."""
    return tuple(names[role] for role in PRIVATE_ROLES)


def owned_tables_of(names: Mapping[str, str]) -> dict[str, str]:
    """Owned tables by their names in ``names`` -> the column naming the owner."""
    return {names[role]: column for role, column in OWNED_ROLES.items()}


def url_columns_of(names: Mapping[str, str]) -> dict[str, tuple[str, ...]]:
    """Tables by their names in ``names`` -> the columns holding full URLs."""
    return {names[role]: columns for role, columns in URL_COLUMN_ROLES.items()}


DEFAULT_PRIVATE_TABLES = private_tables_of(DEFAULT_TABLE_NAMES)
DEFAULT_OWNED_TABLES = owned_tables_of(DEFAULT_TABLE_NAMES)
DEFAULT_URL_COLUMNS = url_columns_of(DEFAULT_TABLE_NAMES)
DEFAULT_POLICIES_SNAPSHOT = "reference/supabase/policies.snapshot.json"
DEFAULT_SCHEMA_SNAPSHOT = "reference/supabase/schema.snapshot.json"
# The Supabase CLI's project file: without old, auth-settings compares new with what it declares.
DEFAULT_SUPABASE_CONFIG = "reference/supabase/config.toml"
# The app's edge functions by the role the checks know them by.
DEFAULT_FUNCTION_NAMES = {
    "goal_notifications": "goal-notifications",
    "weight_report": "weight-report",
}
DEFAULT_FUNCTIONS = tuple(DEFAULT_FUNCTION_NAMES.values())
# The secrets the app's functions cannot run without (each read without a fallback in the
# reference app's functions); SUPABASE_* are the platform's, set by every project itself.
DEFAULT_FUNCTION_SECRETS = (
    "EMAIL_FROM",
    "RESEND_API_KEY",
    "SITE_URL",
    "WHATSAPP_PHONE_NUMBER_ID",
    "WHATSAPP_TOKEN",
)
_RESERVED_SECRET_PREFIX = "SUPABASE_"
# The playbook's smoke test: "invoke goal-notifications with a dummy body" must answer 2xx.
DEFAULT_SMOKE_FUNCTIONS = ("goal-notifications",)
DEFAULT_EXTENSIONS = ("pgcrypto", "uuid-ossp")
# Where the app's sign-in links return: a path on the site, and the mobile app's deep link.
DEFAULT_AUTH_REDIRECT_URLS = ("/auth/callback", "lmsapp://auth/callback")
DEFAULT_MIGRATIONS_DIR = "reference/supabase/migrations"
DEFAULT_FUNCTIONS_DIR = "reference/supabase/functions"
# The app's build writes this manifest in its repository (``{"build": ...}``): the expected build.
DEFAULT_BUILD_MANIFEST = "dist/build.json"
# Paths of the app's repository its build does not read (git pathspecs): a commit changing only
# these after the manifest was built leaves that build the release's.
DEFAULT_NOT_BUILT = ("*.md", "docs/", ".github/")
# storage-parity downloads this many objects of each bucket from both sides, chosen at random.
DEFAULT_STORAGE_SAMPLE = 20

_KNOWN_KEYS = {
    "tables",
    "buckets",
    "functions",
    "function_secrets",
    "required_extensions",
    "routes",
    "selectors",
    "migrations_dir",
    "functions_dir",
    "private_tables",
    "owned_tables",
    "policies_snapshot",
    "schema_snapshot",
    "url_columns",
    "smoke_functions",
    "table_names",
    "parity_ignore_columns",
    "function_names",
    "auth_redirect_urls",
    "build_manifest",
    "not_built",
    "storage_sample",
    "supabase_config",
}


@dataclass(frozen=True)
class AppProfile:
    """Tables, buckets (with their public flag), functions, routes and selectors of the app.

    ``table_names`` maps each role (``courses``, ``goal_invites``...) to the app's table; the
    lists the checks iterate (``tables``, ``private_tables``, ``owned_tables``, ``url_columns``)
    name the tables by those names. ``load_app_profile`` keeps them consistent.
    """

    table_names: Mapping[str, str] = field(default_factory=lambda: DEFAULT_TABLE_NAMES)
    tables: tuple[str, ...] = DEFAULT_TABLES
    buckets: Mapping[str, bool] = field(default_factory=lambda: MappingProxyType(DEFAULT_BUCKETS))
    functions: tuple[str, ...] = DEFAULT_FUNCTIONS
    function_names: Mapping[str, str] = field(
        default_factory=lambda: MappingProxyType(DEFAULT_FUNCTION_NAMES)
    )
    smoke_functions: tuple[str, ...] = DEFAULT_SMOKE_FUNCTIONS
    function_secrets: tuple[str, ...] = DEFAULT_FUNCTION_SECRETS
    required_extensions: tuple[str, ...] = DEFAULT_EXTENSIONS
    routes: Mapping[str, str] = field(default_factory=lambda: MappingProxyType(DEFAULT_ROUTES))
    selectors: Mapping[str, str] = field(
        default_factory=lambda: MappingProxyType(DEFAULT_SELECTORS)
    )
    migrations_dir: Path = Path(DEFAULT_MIGRATIONS_DIR)
    functions_dir: Path = Path(DEFAULT_FUNCTIONS_DIR)
    bucket_specs: Mapping[str, BucketSpec] = field(
        default_factory=lambda: MappingProxyType(DEFAULT_BUCKET_SPECS)
    )
    private_tables: tuple[str, ...] = DEFAULT_PRIVATE_TABLES
    owned_tables: Mapping[str, str] = field(
        default_factory=lambda: MappingProxyType(DEFAULT_OWNED_TABLES)
    )
    policies_snapshot: Path = Path(DEFAULT_POLICIES_SNAPSHOT)
    schema_snapshot: Path = Path(DEFAULT_SCHEMA_SNAPSHOT)
    # None: the app keeps no project file the gate may trust (`supabase_config = ""`).
    supabase_config: Path | None = Path(DEFAULT_SUPABASE_CONFIG)
    parity_ignore_columns: frozenset[str] = ACTIVITY_COLUMNS
    url_columns: Mapping[str, tuple[str, ...]] = field(
        default_factory=lambda: MappingProxyType(DEFAULT_URL_COLUMNS)
    )
    auth_redirect_urls: tuple[str, ...] = DEFAULT_AUTH_REDIRECT_URLS
    build_manifest: str = DEFAULT_BUILD_MANIFEST
    not_built: tuple[str, ...] = DEFAULT_NOT_BUILT
    storage_sample: int = DEFAULT_STORAGE_SAMPLE

    def function(self, role: str) -> str:
        """The app's edge function that plays ``role`` (``function("goal_notifications")``)."""
        try:
            return self.function_names[role]
        except KeyError:
            known = ", ".join(sorted(self.function_names))
            raise KeyError(
                f"no function role {role!r} in the app profile (known: {known})"
            ) from None

    def table(self, role: str) -> str:
        """The app's table that plays ``role`` (e.g. ``table("courses")``), as tests must name it.

        An unknown role is a programming error in the suite, reported with the known roles.
        """
        try:
            return self.table_names[role]
        except KeyError:
            known = ", ".join(sorted(self.table_names))
            raise KeyError(f"no table role {role!r} in the app profile (known: {known})") from None

    @property
    def public_buckets(self) -> tuple[str, ...]:
        """Names of the buckets whose objects must load from a public URL."""
        return tuple(name for name, public in self.buckets.items() if public)


def _str_list(value: Any, key: str, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise MalformedConfigError(f"{where}: [app] {key} must be a list of strings")
    return tuple(value)


def _str(data: Mapping[str, Any], key: str, default: str, where: str) -> str:
    value = data.get(key, default)
    if not isinstance(value, str) or not value.strip():
        raise MalformedConfigError(f'{where}: [app] {key} must be a non-empty string ("...")')
    return value


def _str_table(value: Any, key: str, where: str) -> dict[str, str]:
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise MalformedConfigError(f'{where}: [app.{key}] must map names to strings ("...")')
    return dict(value)


def load_app_profile(data: Mapping[str, Any], where: str, base_dir: Path, root: Path) -> AppProfile:
    """Build the app profile from an ``[app]`` table over the reference app's defaults.

    Paths given in the file are relative to the file's directory (``base_dir``); the
    defaults are relative to the project root (``root``).
    """
    unknown = sorted(set(data) - _KNOWN_KEYS)
    if unknown:
        raise MalformedConfigError(
            f"{where}: [app] has an unknown setting {unknown[0]!r} "
            f"(known: {', '.join(sorted(_KNOWN_KEYS))})"
        )
    buckets, specs = DEFAULT_BUCKETS, DEFAULT_BUCKET_SPECS
    if "buckets" in data:
        specs = _bucket_specs(data["buckets"], where)
        buckets = {name: spec.public for name, spec in specs.items()}

    def directory(key: str, default: str) -> Path:
        if key not in data:
            return (root / default).resolve()
        if not isinstance(data[key], str):
            raise MalformedConfigError(f"{where}: [app] {key} must be a path string")
        return (base_dir / data[key]).resolve()

    routes = {**DEFAULT_ROUTES, **_str_table(data.get("routes", {}), "routes", where)}
    selectors = {**DEFAULT_SELECTORS, **_str_table(data.get("selectors", {}), "selectors", where)}
    names = _table_names(data.get("table_names", {}), where)
    function_names = _function_names(data.get("function_names", {}), where)
    return AppProfile(
        table_names=MappingProxyType(names),
        tables=_str_list(data.get("tables", list(names.values())), "tables", where),
        buckets=MappingProxyType(buckets),
        functions=_str_list(
            data.get("functions", list(function_names.values())), "functions", where
        ),
        function_names=MappingProxyType(function_names),
        smoke_functions=_str_list(
            data.get("smoke_functions", list(DEFAULT_SMOKE_FUNCTIONS)), "smoke_functions", where
        ),
        function_secrets=_function_secrets(
            data.get("function_secrets", list(DEFAULT_FUNCTION_SECRETS)), where
        ),
        required_extensions=_str_list(
            data.get("required_extensions", list(DEFAULT_EXTENSIONS)), "required_extensions", where
        ),
        routes=MappingProxyType(routes),
        selectors=MappingProxyType(selectors),
        migrations_dir=directory("migrations_dir", DEFAULT_MIGRATIONS_DIR),
        functions_dir=directory("functions_dir", DEFAULT_FUNCTIONS_DIR),
        bucket_specs=MappingProxyType(specs),
        private_tables=_str_list(
            data.get("private_tables", list(private_tables_of(names))), "private_tables", where
        ),
        owned_tables=MappingProxyType(
            _str_table(data.get("owned_tables", owned_tables_of(names)), "owned_tables", where)
        ),
        policies_snapshot=directory("policies_snapshot", DEFAULT_POLICIES_SNAPSHOT),
        schema_snapshot=directory("schema_snapshot", DEFAULT_SCHEMA_SNAPSHOT),
        supabase_config=(
            None
            if data.get("supabase_config") == ""
            else directory("supabase_config", DEFAULT_SUPABASE_CONFIG)
        ),
        url_columns=MappingProxyType(_url_columns(data.get("url_columns"), names, where)),
        auth_redirect_urls=_str_list(
            data.get("auth_redirect_urls", list(DEFAULT_AUTH_REDIRECT_URLS)),
            "auth_redirect_urls",
            where,
        ),
        build_manifest=_str(data, "build_manifest", DEFAULT_BUILD_MANIFEST, where),
        not_built=_str_list(data.get("not_built", list(DEFAULT_NOT_BUILT)), "not_built", where),
        storage_sample=_storage_sample(data.get("storage_sample", DEFAULT_STORAGE_SAMPLE), where),
        parity_ignore_columns=frozenset(
            _str_list(
                data.get("parity_ignore_columns", sorted(ACTIVITY_COLUMNS)),
                "parity_ignore_columns",
                where,
            )
        ),
    )


def _function_secrets(value: Any, where: str) -> tuple[str, ...]:
    """``[app] function_secrets``: the secrets the app's functions need, by name; none of the
    platform's SUPABASE_* (each project sets those itself)."""
    names = _str_list(value, "function_secrets", where)
    reserved = [name for name in names if name.upper().startswith(_RESERVED_SECRET_PREFIX)]
    if reserved:
        raise MalformedConfigError(
            f"{where}: [app] function_secrets lists {reserved[0]}, one of the platform's own "
            f"secrets ({_RESERVED_SECRET_PREFIX}*, set by every project itself): leave it out"
        )
    return tuple(dict.fromkeys(names))


def _storage_sample(value: Any, where: str) -> int:
    """``[app] storage_sample``: objects per bucket storage-parity downloads (at least 1)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise MalformedConfigError(
            f"{where}: [app] storage_sample must be a whole number of at least 1 (objects "
            f"downloaded per bucket), got {value!r}"
        )
    return value


def _function_names(raw: Any, where: str) -> dict[str, str]:
    """``[app.function_names]``: role -> the app's edge function, over the reference app's names."""
    given = _str_table(raw, "function_names", where)
    unknown = sorted(set(given) - set(DEFAULT_FUNCTION_NAMES))
    if unknown:
        raise MalformedConfigError(
            f"{where}: [app.function_names] has an unknown role {unknown[0]!r} "
            f"(known: {', '.join(sorted(DEFAULT_FUNCTION_NAMES))})"
        )
    return {**DEFAULT_FUNCTION_NAMES, **given}


def _table_names(raw: Any, where: str) -> dict[str, str]:
    """``[app.table_names]``: role -> the app's table, over the reference app's names."""
    given = _str_table(raw, "table_names", where)
    unknown = sorted(set(given) - set(TABLE_ROLES))
    if unknown:
        raise MalformedConfigError(
            f"{where}: [app.table_names] has an unknown role {unknown[0]!r} "
            f"(known: {', '.join(sorted(TABLE_ROLES))})"
        )
    empty = sorted(role for role, name in given.items() if not name.strip())
    if empty:
        raise MalformedConfigError(
            f'{where}: [app.table_names] {empty[0]} is empty (name the table, e.g. "{empty[0]}")'
        )
    return {**DEFAULT_TABLE_NAMES, **given}


def _url_columns(raw: Any, names: Mapping[str, str], where: str) -> dict[str, tuple[str, ...]]:
    """``[app.url_columns]``: table -> list of columns holding full URLs."""
    if raw is None:
        return url_columns_of(names)
    if not isinstance(raw, dict):
        raise MalformedConfigError(f"{where}: [app.url_columns] must map tables to column lists")
    return {table: _str_list(cols, f"url_columns.{table}", where) for table, cols in raw.items()}


def _bucket_specs(raw: Any, where: str) -> dict[str, BucketSpec]:
    """``[app.buckets]``: each bucket is its public flag, or a table with public, limit, mime types."""
    usage = (
        f"{where}: [app.buckets] must map each bucket to its public flag "
        '(e.g. avatars = true, "chat-images" = false) or to a table '
        '{ public = true, file_size_limit = 2097152, allowed_mime_types = ["image/*"] }'
    )
    if not isinstance(raw, dict):
        raise MalformedConfigError(usage)
    specs: dict[str, BucketSpec] = {}
    for name, value in raw.items():
        if isinstance(value, bool):
            specs[name] = BucketSpec(value)
        elif isinstance(value, dict) and isinstance(value.get("public"), bool):
            limit = value.get("file_size_limit")
            mimes = value.get("allowed_mime_types")
            if (limit is not None and not isinstance(limit, int)) or (
                mimes is not None and not isinstance(mimes, list)
            ):
                raise MalformedConfigError(usage)
            specs[name] = BucketSpec(value["public"], limit, tuple(mimes) if mimes else None)
        else:
            raise MalformedConfigError(usage)
    return specs
