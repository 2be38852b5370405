"""Small markdown building blocks for the reports: tables, headings, paragraphs.

Every string is escaped here unless it is `Safe`, the mark for text Tracker made
itself (numbers, dates, record IDs checked against their pattern). Builders
never write user text into markdown any other way, so escaping cannot be
forgotten in one place and not another.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from data.ids import is_record_id
from exports.escape import cell, paragraphs


class Safe(str):
    """Text Tracker generated, known to hold no markdown syntax. Joining two
    Safe texts gives Safe text; joining anything else gives a plain string,
    which is escaped when it is written."""

    def __add__(self, other: str) -> str:
        joined = str(self) + str(other)
        return Safe(joined) if isinstance(other, Safe) else joined


Cell = object


def record_id(value: str) -> Safe:
    """A record ID is safe as it is once it matches the ID pattern."""
    return Safe(value) if is_record_id(value) else Safe(cell(value))


def day(value: date | str | None) -> Safe:
    if value is None or value == "":
        return Safe("")
    when = date.fromisoformat(value) if isinstance(value, str) else value
    return Safe(when.isoformat())


def long_day(value: date) -> Safe:
    return Safe(f"{value.day} {value:%B %Y}")


def number(value: int | float) -> Safe:
    return Safe(f"{value:,}")


def money(value: float) -> Safe:
    return Safe(f"£{value:,.0f}")


def _render(value: Cell) -> str:
    if isinstance(value, Safe):
        return str(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return cell(value)


def table(headers: Sequence[Cell], rows: Sequence[Sequence[Cell]], numeric: Sequence[int] = ()) -> list[str]:
    """A GFM table; `numeric` columns are right-aligned. Each row must have as
    many cells as there are headers (checked, since a short row breaks tables)."""
    lines = ["| " + " | ".join(_render(header) for header in headers) + " |"]
    lines.append("| " + " | ".join("---:" if i in numeric else "---" for i in range(len(headers))) + " |")
    for row in rows:
        if len(row) != len(headers):
            raise ValueError(f"table row has {len(row)} cells for {len(headers)} columns")
        lines.append("| " + " | ".join(_render(value) or " " for value in row) + " |")
    return [*lines, ""]


def heading(level: int, text: Cell) -> list[str]:
    return ["#" * level + " " + _render(text), ""]


def paragraph(text: Cell) -> list[str]:
    rendered = str(text) if isinstance(text, Safe) else paragraphs(text)
    return [rendered, ""] if rendered else []
