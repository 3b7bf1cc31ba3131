"""Every test of the suite and the item it proves, whether this run selected it or not.

A run proves an item only when all of the item's tests ran. What the run collected is known
exactly (``-k``, ``-m`` and ``--deselect`` remove tests after collection); tests in files the
run never imported (``--ignore``, a narrower path on the command line, a file that failed to
import) are found by reading the suite's files: each test function with its ``item`` marker
(its own, its class's or the module's ``pytestmark``), counted once per literal
``parametrize`` value.
"""

from __future__ import annotations

import ast
import fnmatch
import glob
import os
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

__all__ = ["suite_files", "suite_tests", "written_suite", "written_tests"]


def suite_files(config: pytest.Config) -> list[Path]:
    """The suite's test files: those under ``testpaths`` (the invocation directory when none
    is set), skipping ``norecursedirs``, named like ``python_files``."""
    testpaths = [str(p) for p in config.getini("testpaths")]
    if testpaths:
        roots = [Path(p) for t in testpaths for p in sorted(glob.glob(str(config.rootpath / t)))]
    else:
        roots = [config.invocation_params.dir]
    skip_dirs = [str(p) for p in config.getini("norecursedirs")]
    file_patterns = [str(p) for p in config.getini("python_files")]
    found: list[Path] = []
    for root in roots:
        if root.is_file():
            found.append(root)
            continue
        for folder, dirs, files in os.walk(root):
            dirs[:] = sorted(d for d in dirs if not any(fnmatch.fnmatch(d, p) for p in skip_dirs))
            found += [
                Path(folder, name)
                for name in sorted(files)
                if any(fnmatch.fnmatch(name, p) for p in file_patterns)
            ]
    return found


def _is_mark(node: ast.expr) -> bool:
    return (isinstance(node, ast.Attribute) and node.attr == "mark") or (
        isinstance(node, ast.Name) and node.id == "mark"
    )


def _mark_calls(node: ast.AST | None, name: str) -> list[ast.Call]:
    """``pytest.mark.<name>(...)`` calls anywhere in ``node``."""
    if node is None:
        return []
    return [
        sub
        for sub in ast.walk(node)
        if isinstance(sub, ast.Call)
        and isinstance(sub.func, ast.Attribute)
        and sub.func.attr == name
        and _is_mark(sub.func.value)
    ]


def _item_of(nodes: Iterable[ast.AST | None]) -> str | None:
    for node in nodes:
        for call in _mark_calls(node, "item"):
            if call.args and isinstance(call.args[0], ast.Constant):
                return str(call.args[0].value)
    return None


def _pytestmark(body: list[ast.stmt]) -> ast.AST | None:
    for statement in body:
        targets: list[ast.expr] = []
        if isinstance(statement, ast.Assign):
            targets = statement.targets
        elif isinstance(statement, ast.AnnAssign):
            targets = [statement.target]
        if any(isinstance(t, ast.Name) and t.id == "pytestmark" for t in targets):
            return statement
    return None


def _variants(function: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    count = 1
    for decorator in function.decorator_list:
        for call in _mark_calls(decorator, "parametrize"):
            values = call.args[1] if len(call.args) > 1 else None
            values = values or next((k.value for k in call.keywords if k.arg == "argvalues"), None)
            if isinstance(values, (ast.List, ast.Tuple)):
                count *= max(len(values.elts), 1)
    return count


def _named(name: str, patterns: list[str]) -> bool:
    return any(name.startswith(p) or fnmatch.fnmatch(name, p) for p in patterns)


def written_tests(
    path: Path, nodeid_path: str, *, functions: list[str], classes: list[str]
) -> dict[str, tuple[str, int]]:
    """``path::[Class::]function`` -> (item, number of parametrized variants) for each test
    function of the file that carries an ``item`` marker. A file that does not parse has none
    (collecting it is an error, which holds the gate by itself)."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except (OSError, SyntaxError, ValueError):
        return {}
    module_mark = _pytestmark(tree.body)
    found: dict[str, tuple[str, int]] = {}

    def add(
        prefix: str, function: ast.FunctionDef | ast.AsyncFunctionDef, outer: list[ast.AST | None]
    ) -> None:
        item_id = _item_of([*function.decorator_list, *outer])
        if item_id is not None and _named(function.name, functions):
            found[f"{prefix}::{function.name}"] = (item_id, _variants(function))

    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            add(nodeid_path, node, [module_mark])
        elif isinstance(node, ast.ClassDef) and _named(node.name, classes):
            class_marks: list[ast.AST | None] = [*node.decorator_list, _pytestmark(node.body)]
            for member in node.body:
                if isinstance(member, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    add(f"{nodeid_path}::{node.name}", member, [*class_marks, module_mark])
    return found


def written_suite(config: pytest.Config) -> dict[str, tuple[str, int]]:
    """``written_tests`` over every file of the suite (read once per run: the files do not
    change while it runs)."""
    functions = [str(p) for p in config.getini("python_functions")]
    classes = [str(p) for p in config.getini("python_classes")]
    written: dict[str, tuple[str, int]] = {}
    for path in suite_files(config):
        try:
            nodeid_path = path.relative_to(config.rootpath).as_posix()
        except ValueError:
            continue
        written.update(written_tests(path, nodeid_path, functions=functions, classes=classes))
    return written


def suite_tests(
    written: Mapping[str, tuple[str, int]], collected: Mapping[str, str]
) -> dict[str, str]:
    """Test id -> item for the whole suite: the tests this run collected (``collected``, taken
    before any deselection) plus, from the suite's files (``written_suite``), each test
    function it did not collect at all."""
    tests = dict(collected)
    for function_id, (item_id, variants) in written.items():
        if any(n == function_id or n.startswith(function_id + "[") for n in collected):
            continue
        if variants == 1:
            tests[function_id] = item_id
        else:
            tests.update({f"{function_id}[{i}]": item_id for i in range(variants)})
    return tests
