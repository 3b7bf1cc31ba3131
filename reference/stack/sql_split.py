"""Split a SQL file into statements the way the supabase CLI records them."""

from __future__ import annotations

import re

_DOLLAR_TAG = re.compile(r"\$[A-Za-z_0-9]*\$")


def split_statements(sql: str) -> list[str]:
    """Statements of `sql`, without the trailing `;`, honouring quotes, comments and $$ bodies."""
    statements: list[str] = []
    current: list[str] = []
    i, n = 0, len(sql)
    while i < n:
        ch = sql[i]
        if sql.startswith("--", i):
            end = sql.find("\n", i)
            end = n if end == -1 else end
            current.append(sql[i:end])
            i = end
        elif sql.startswith("/*", i):
            end = sql.find("*/", i + 2)
            end = n if end == -1 else end + 2
            current.append(sql[i:end])
            i = end
        elif ch in ("'", '"'):
            end = i + 1
            while end < n:
                if sql[end] == ch and sql[end + 1 : end + 2] == ch:
                    end += 2
                elif sql[end] == ch:
                    break
                else:
                    end += 1
            current.append(sql[i : end + 1])
            i = end + 1
        elif ch == "$" and (tag := _DOLLAR_TAG.match(sql, i)):
            close = sql.find(tag.group(), tag.end())
            end = n if close == -1 else close + len(tag.group())
            current.append(sql[i:end])
            i = end
        elif ch == ";":
            _flush(current, statements)
            current = []
            i += 1
        else:
            current.append(ch)
            i += 1
    _flush(current, statements)
    return statements


def _flush(parts: list[str], statements: list[str]) -> None:
    text = "".join(parts).strip()
    if _has_code(text):
        statements.append(text)


def _has_code(text: str) -> bool:
    without_comments = re.sub(r"--[^\n]*|/\*.*?\*/", "", text, flags=re.S)
    return bool(without_comments.strip())
