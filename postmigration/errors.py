"""Errors the suite raises for a user's mistake, each meant to become one clear line.

PostmigrationError
├── ConfigError            a setting is absent, malformed or unknown (exit code 4)
│   ├── UnknownTargetError     --target names a target nobody defined
│   ├── MissingSettingError    a required setting has no value anywhere
│   ├── MalformedConfigError   the config file is not valid TOML or has a wrong type
│   └── InvalidUrlError        a URL setting is not a URL
└── StandInError           the local stand-in (--target=local) did not start
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "InvalidUrlError",
    "MalformedConfigError",
    "MissingSettingError",
    "PostmigrationError",
    "StandInError",
    "UnknownTargetError",
    "first_line",
]


def first_line(exc: BaseException) -> str:
    """The first line of `exc`'s message, or its class name when it has none: what a one-line
    reason quotes of a library's error."""
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


class PostmigrationError(Exception):
    """Base of every error the suite reports as one line instead of a traceback."""


class ConfigError(PostmigrationError):
    """The configuration cannot be used as given; the message names the setting and the fix."""


class UnknownTargetError(ConfigError):
    """The target named by --target or POSTMIGRATION_TARGET is defined nowhere."""


class MissingSettingError(ConfigError):
    """A required setting has no value in the command line, the environment or the file."""


class MalformedConfigError(ConfigError):
    """The config file is not valid TOML, or a value has the wrong type or an unknown key."""


class InvalidUrlError(ConfigError):
    """A setting that must be a URL is not one."""


class StandInError(PostmigrationError):
    """The local stand-in launched for --target=local did not become ready."""
