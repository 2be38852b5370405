"""Records as plain text for the terminal: `tracker list` and `tracker show`.

Record text is data: anything that could drive a terminal (escape sequences,
control characters) is made visible instead of being printed raw.
"""

from __future__ import annotations

import shutil
import sys
from datetime import date
from typing import Any

from rich.cells import cell_len

from data.kinds import label, of_record
from data.text import literal, one_line


def fit(text: str, width: int) -> str:
    """Cut or pad to `width` terminal cells (wide characters count double)."""
    cells = len(text) if text.isascii() else cell_len(text)
    if cells <= width:
        return text + " " * (width - cells)
    out, used = [], 0
    for char in text:
        size = cell_len(char)
        if used + size > width - 1:
            break
        out.append(char)
        used += size
    return "".join(out) + "…" + " " * (width - 1 - used)


def raised(document: dict[str, Any]) -> str | None:
    """The day a record was raised (an issue) or logged (a lesson), as stored."""
    return document.get("raised_on") or document.get("logged_on")


def age_days(document: dict[str, Any], today: date) -> int | None:
    day = raised(document)
    return (today - date.fromisoformat(day)).days if day else None


ISSUE_COLUMNS = (("id", 10), ("status", 19), ("severity", 8), ("area", 14), ("age", 5))
LESSON_COLUMNS = (("id", 10), ("action_status", 10), ("priority", 8), ("area", 14), ("age", 5))


def table(documents: list[dict[str, Any]], kind: str, today: date, width: int | None = None) -> str:
    """Aligned rows, the title taking the rest of the terminal's width (or all of
    its length when the output goes to a file or a pipe)."""
    columns = ISSUE_COLUMNS if kind == "issue" else LESSON_COLUMNS
    if width is None and sys.stdout.isatty():
        width = shutil.get_terminal_size((100, 24)).columns
    title_width = max(20, width - sum(size + 1 for _, size in columns)) if width else 0
    header = " ".join(fit(name.split("_")[0].upper(), size) for name, size in columns)
    lines = [header + " " + "TITLE"]
    # A column holds few distinct values (statuses, areas, ages): each is fitted once.
    fitted: dict[tuple[str, Any], str] = {}
    for document in documents:
        cells = []
        for name, size in columns:
            value = raised(document) if name == "age" else document.get(name)
            key = (name, value)
            cell = fitted.get(key)
            if cell is None:
                if name == "age":
                    days = age_days(document, today)
                    shown = f"{days}d" if days is not None else ""
                else:
                    shown = one_line(value or "")
                cell = fitted[key] = fit(shown, size)
            cells.append(cell)
        title = one_line(document.get("title", ""))
        cells.append(fit(title, title_width).rstrip() if title_width else title)
        lines.append(" ".join(cells))
    return "\n".join(lines)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(one_line(item) for item in value) or "(none)"
    if value is None or value == "":
        return "(none)"
    if isinstance(value, float):
        return f"£{value:,.2f}"
    return one_line(value)


def record(document: dict[str, Any]) -> str:
    """Every field of one record, then its long texts, then its updates."""
    kind = of_record(document["id"])
    long = kind.names(long=True)
    lines = [f"{document['id']}  {one_line(document['title'])}", ""]
    for name, value in document.items():
        if name in ("id", "title", "updates", *long):
            continue
        lines.append(f"  {label(name, kind.name) + ':':<32} {_value(value)}")
    for name in long:
        text = document.get(name)
        if text:
            lines += ["", f"{label(name, kind.name)}:"]
            lines += ["  " + literal(line) for line in text.splitlines()]
    updates = document.get("updates", [])
    if updates:
        lines += ["", f"Updates ({len(updates)}):"]
        for update in updates:
            lines.append(
                f"  {update['at'][:16].replace('T', ' ')}  {one_line(update['author'])}  "
                f"{update['kind']} [{update['visibility']}]"
            )
            lines += ["    " + literal(line) for line in update["text"].splitlines()]
    return "\n".join(lines)


def json_text(document: dict[str, Any]) -> str:
    """A record as `--json` prints it: exactly the bytes of its file."""
    from data.files import encode

    return encode(document).decode()
