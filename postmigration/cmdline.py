"""``--report-dir DIR`` and ``--report-dir=DIR`` must give the same run, or none at all.

pytest picks its rootdir and ini file (and with them ``testpaths``, ``addopts`` and the
report paths) from the command line before any plugin is loaded, so before it knows which
options take a value. Written with a space, an option's value that names an existing path
(``--pm-config /srv/pm/postmigration.toml``) is then taken for a test path. When that changes
the rootdir or ini file the run would silently differ (another rootdir, every test under the
current directory collected); pytest gives a plugin no way to redo that choice, so the gate
stops with one line saying how to write the option.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable, Sequence
from pathlib import Path

import pytest
from _pytest.config.findpaths import determine_setup

__all__ = ["misread_option"]


def _exists(value: str) -> bool:
    try:
        return Path(value).exists()
    except (OSError, ValueError):
        return False


def _setup_from(config: pytest.Config) -> tuple[Path, Path | None]:
    """The rootdir and ini file pytest would choose from the arguments as now parsed."""
    known = config.known_args_namespace
    kwargs = {
        "inifile": known.inifilename,
        "args": known.file_or_dir,
        "rootdir_cmd_arg": known.rootdir or None,
        "invocation_dir": config.invocation_params.dir,
    }
    if "override_ini" in inspect.signature(determine_setup).parameters:  # pytest >= 9
        kwargs["override_ini"] = known.override_ini
    rootpath, inipath = determine_setup(**kwargs)[:2]
    return rootpath, inipath


def misread_option(
    config: pytest.Config, args: Sequence[str], options: Iterable[str]
) -> str | None:
    """One line for the user when one of ``options``, written ``--opt VALUE``, made pytest
    choose another rootdir or ini file than ``--opt=VALUE`` would; None when both agree."""
    names = set(options)
    spaced = [
        (arg, args[i + 1])
        for i, arg in enumerate(args[:-1])
        if arg in names and _exists(args[i + 1])
    ]
    if not spaced:
        return None
    rootpath, inipath = _setup_from(config)
    if (rootpath, inipath) == (config.rootpath, config.inipath):
        return None
    option, value = spaced[0]
    return (
        f"write {option}={value} (with '='): written with a space, pytest takes {value} "
        f"for a test path before the gate's options are known and would run from "
        f"{config.rootpath} instead of {rootpath}"
    )
