"""What an import plan is made of: the person's options, the problems found,
the changes and conflicts of a re-import, and the plan itself. Shared by the
planning (`plan`), the row work (`rows`), the fixes and the report.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from data.errors import TrackerError
from data.model import AnyRecord, Vocabulary
from data.text import clean_line
from tracker.importing.columns import ColumnMap, Kind
from tracker.importing.reading import Row
from tracker.importing.values import words

VALUE_SHOWN_MAX = 60
PROGRESS_EVERY = 500
NEW_WORD_LISTS = {"area": "areas", "status": "statuses", "severity": "severities", "priority": "priorities"}
"""The register's own lists an import may add words to (`--new-area`, `--new-word`)."""
Progress = Callable[[int, int], None]


class ImportSetupError(TrackerError):
    """The import cannot start (a bad --map, --map-value or file); nothing was written."""


class ImportRefused(TrackerError):
    """Some rows have problems, so nothing was written."""

    def __init__(self, plan: ImportPlan):
        self.plan = plan
        super().__init__(f"{plan.file}: {len(plan.problems)} problem(s) in the file; nothing was written")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one cell (or row): what a person fixes in the file,
    or settles with an option."""

    row: int
    column: str
    value: str
    reason: str
    field: str = ""
    kind: str = "value"
    """What sort of problem, for the fix the report suggests: `value` (not one of
    the list's words), `new word` (a word the register's list lacks), `unreadable`
    (a cell that is no date, amount or yes/no), `two-digit year`, `clash` (two
    columns for one field), `loosen` (re-import would make a record less
    restricted), `duplicate file`, `other`."""

    def describe(self) -> str:
        """`row 4, column 'Status' (status): 'Parked' is not one of new, open, …`"""
        where = f"row {self.row}" + (f", column {self.column!r}" if self.column else "")
        where += f" ({self.field})" if self.field and self.field != self.column else ""
        shown = f"{self.value!r} " if self.value else ""
        return f"{where}: {shown}{self.reason}"


@dataclass(frozen=True)
class Where:
    """A `--where "Column=Value"` row filter (`!=` keeps the other rows)."""

    column: str
    value: str
    keep_equal: bool = True

    def keeps(self, row: Row, header: str) -> bool:
        return (words(str(row.cells.get(header) or "")) == words(self.value)) == self.keep_equal


@dataclass
class ImportOptions:
    """What the person asked for: issues or lessons, column and value overrides,
    and the few decisions an import cannot take alone."""

    kind: Kind = "issue"
    columns: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    sheet: str | None = None
    where: list[Where] = field(default_factory=list)
    new_words: dict[str, list[str]] = field(default_factory=dict)
    """Words to add to the register's lists for this import (field → words)."""
    blank_bad: set[str] = field(default_factory=set)
    """Fields whose unreadable cells are left blank instead of stopping the import."""
    century: int | None = None
    """Read two-digit years in this century (20 → 2099 for 99); None refuses them."""
    visibility: str = "internal"
    """The visibility of new records whose row does not say."""
    allow_loosen: bool = False
    """Let re-import make a record less restricted (public after restricted)."""
    allow_duplicates: bool = False
    """Import a file without a reference column again, duplicating its rows."""
    progress: Progress | None = None


@dataclass(frozen=True)
class Change:
    """What re-import would change in one existing record, field by field."""

    record_id: str
    ref: str
    fields: dict[str, tuple[Any, Any]]


@dataclass(frozen=True)
class Conflict:
    """A field changed both in Tracker and in the sheet since the last import:
    Tracker's value is kept."""

    row: int
    record_id: str
    field: str
    kept: Any
    sheet: Any


@dataclass
class ImportPlan:
    """The outcome of reading and checking a file, before anything is written."""

    file: str
    kind: Kind
    rows: int
    columns: ColumnMap
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    created: list[AnyRecord] = field(default_factory=list)
    updated: list[AnyRecord] = field(default_factory=list)
    unchanged: int = 0
    words_read: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    changes: list[Change] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    new_words: dict[str, list[str]] = field(default_factory=dict)
    """Words added to the register's lists by this import (field → words)."""
    vocabulary: Vocabulary | None = None
    """The register's words with those added, saved with the records."""
    sheets: list[str] = field(default_factory=list)
    header_row: int = 1
    headers: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def counts(self) -> str:
        return f"{len(self.created)} created, {len(self.updated)} updated, {self.unchanged} unchanged"


def shown(value: Any) -> str:
    """A cell as the report shows it: one line, at most 60 characters."""
    text = str(clean_line(as_text(value)))
    return text if len(text) <= VALUE_SHOWN_MAX else text[: VALUE_SHOWN_MAX - 1] + "…"


def as_text(value: Any) -> str:
    """A cell as text: whole numbers without `.0` (Excel stores 42 as 42.0), dates as ISO."""
    from datetime import date, datetime

    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime) and value.time() == datetime.min.time():
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
