"""postmigration: a pytest plugin and suite that says GO or NO-GO after a Supabase migration."""

from __future__ import annotations

from postmigration.app_profile import AppProfile
from postmigration.checklist import CHECKLIST, ITEMS, Item
from postmigration.config import Account, Accounts, Inbox, Target
from postmigration.errors import (
    ConfigError,
    InvalidUrlError,
    MalformedConfigError,
    MissingSettingError,
    PostmigrationError,
    StandInError,
    UnknownTargetError,
)
from postmigration.evidence import Evidence
from postmigration.session import RunConfig

__all__ = [
    "CHECKLIST",
    "ITEMS",
    "Account",
    "Accounts",
    "AppProfile",
    "ConfigError",
    "Evidence",
    "Inbox",
    "InvalidUrlError",
    "Item",
    "MalformedConfigError",
    "MissingSettingError",
    "PostmigrationError",
    "RunConfig",
    "StandInError",
    "Target",
    "UnknownTargetError",
]
