"""Saved views: named queries in the user's config.toml, some on keys.

    [views]
    mine = "owner:me -status:closed,resolved"
    critical = { query = "severity:critical backlog", key = "!" }

`me` in a person's field (`owner:me`, `by:me`) is the person at the keyboard:
their git identity's name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

_ME = re.compile(r"(?<!\S)(-?)(owner|by|raised_by|logged_by):me(?!\S)")


@dataclass(frozen=True)
class SavedView:
    name: str
    query: str
    key: str | None = None


def read_views(table: Any) -> tuple[tuple[SavedView, ...], str | None]:
    """The `[views]` table as views, and a problem to report (or None)."""
    if table is None:
        return (), None
    if not isinstance(table, dict):
        return (), "[views] must map names to queries"
    views = []
    for name, value in table.items():
        if isinstance(value, str):
            views.append(SavedView(str(name), value))
        elif isinstance(value, dict) and isinstance(value.get("query"), str):
            key = value.get("key")
            views.append(SavedView(str(name), value["query"], key if isinstance(key, str) and key else None))
        else:
            return tuple(views), f"[views] {name}: give a query, or {{ query = …, key = … }}"
    return tuple(views), None


def resolve_me(query: str, me: str | None) -> str:
    """`owner:me` → `owner:"Ann Example"` (unchanged when there is no identity)."""
    if not me:
        return query
    name = me.replace('"', "")
    return _ME.sub(lambda match: f'{match.group(1)}{match.group(2)}:"{name}"', query)
