"""Planning an import: every row read, converted, validated and matched against
the register before anything is written.

The plan says what would happen (records created, updated field by field,
unchanged) and lists every problem as row, column, value and reason; the report
groups them and names the option that fixes each. An import with any problem
writes nothing; one without writes every record in one commit, with any words
the person accepted for the register (`--new-area`) added to tracker.toml in
that same commit.

A row updates an existing record when its Tracker ID matches one (Tracker's own
exports), or else when its reference (`external_ref`) matches. Re-import is a
merge (`tracker.importing.rows`): fields changed in Tracker since the last
import of that record are kept, and a record is never made less restricted.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from data.errors import TrackerError
from data.kinds import KINDS
from data.model import AnyRecord, Vocabulary
from data.text import clean_line
from tracker.importing.columns import (
    ColumnMap,
    Kind,
    guess_field,
    importable_fields,
    map_columns,
    squash,
    unused_overrides,
)
from tracker.importing.reading import Row, Sheet, read_sheet
from tracker.importing.values import word_lists, words

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


def parse_column_overrides(items: list[str] | tuple[str, ...], kind: Kind) -> dict[str, str]:
    """`Column=field` pairs from `--map`; `Column=` leaves the column out."""
    allowed = set(importable_fields(kind))
    overrides: dict[str, str] = {}
    for item in items:
        column, sep, target = item.rpartition("=")
        if not sep or not column.strip():
            raise ImportSetupError(f'--map {item!r}: write it as "Column name=field"')
        target = target.strip().lower().replace(" ", "_").replace("-", "_")
        if target and target not in allowed:
            raise ImportSetupError(
                f"--map {item!r}: {target!r} is not a field of {KINDS[kind].a}; fields: {', '.join(sorted(allowed))}"
            )
        overrides[column.strip()] = target
    return overrides


def parse_value_overrides(items: list[str] | tuple[str, ...]) -> dict[str, dict[str, str]]:
    """`field:From=to` triples from `--map-value`, the From matched as words."""
    overrides: dict[str, dict[str, str]] = {}
    for item in items:
        name, colon, rest = item.partition(":")
        source, sep, target = rest.rpartition("=")
        if not colon or not sep or not name.strip() or not target.strip():
            raise ImportSetupError(f'--map-value {item!r}: write it as "field:Their word=our word"')
        key = name.strip().lower().replace(" ", "_")
        overrides.setdefault(key, {})[words(source.strip().strip('"'))] = words(target)
    return overrides


def parse_where(items: list[str] | tuple[str, ...]) -> list[Where]:
    """`Column=Value` (or `Column!=Value`) filters from `--where`."""
    found = []
    for item in items:
        column, sep, value = item.partition("=")
        keep_equal = not column.endswith("!")
        column = column.removesuffix("!").strip()
        if not sep or not column or not value.strip():
            raise ImportSetupError(f'--where {item!r}: write it as "Column=Value", such as "Type=Issue"')
        found.append(Where(column, value.strip(), keep_equal))
    return found


def parse_new_words(
    areas: list[str] | tuple[str, ...], others: list[str] | tuple[str, ...]
) -> dict[str, list[str]]:
    """`--new-area "Adult social care"` and `--new-word "status:With supplier"`."""
    found: dict[str, list[str]] = {}
    if areas:
        found["area"] = [words(area) for area in areas]
    for item in others:
        name, colon, word = item.partition(":")
        name = name.strip().lower().replace(" ", "_")
        if not colon or not word.strip() or name not in NEW_WORD_LISTS:
            raise ImportSetupError(
                f'--new-word {item!r}: write it as "field:word", the field one of {", ".join(NEW_WORD_LISTS)}'
            )
        found.setdefault(name, []).append(words(word))
    return found


def plan_import(register: Any, path: Path, options: ImportOptions) -> ImportPlan:
    """Read `path` and decide, row by row, what importing it into `register` would do."""
    from tracker.importing.rows import RowPlanner

    kind = options.kind
    sheet = read_sheet(path, options.sheet, lambda header: guess_field(header, kind) is not None, kind)
    for option, named in (("--map", list(options.columns)), ("--where", [w.column for w in options.where])):
        missing = unused_overrides(sheet.headers, dict.fromkeys(named, ""))
        if missing:
            raise ImportSetupError(
                f"{option} names column(s) not in {sheet.name}: {', '.join(map(repr, missing))}; "
                f"its columns are {', '.join(map(repr, sheet.headers))}"
            )
    filters = {squash(where.column) for where in options.where}
    overrides = {**options.columns, **{h: "" for h in sheet.headers if squash(h) in filters}}
    columns = map_columns(sheet.headers, kind, overrides, records=sheet.holds_records)
    for header in sheet.headers:
        if squash(header) in filters:
            columns.left_out[header] = "used by --where"
    rows = _filtered(sheet, options.where)
    plan = ImportPlan(sheet.name, kind, len(rows), columns, sheets=sheet.sheets, header_row=sheet.header_row)
    plan.headers = sheet.headers
    plan.notes += sheet.notes
    if len(rows) < len(sheet.rows):
        plan.notes.append(f"--where kept {len(rows)} of {len(sheet.rows)} row(s)")
    vocabulary = _with_new_words(register.settings.vocabulary, options.new_words, plan)
    _check_value_overrides(vocabulary, options, kind)
    _note_other_kind(sheet, kind, plan)
    RowPlanner(register, rows, path, options, plan, vocabulary, remember=not sheet.holds_records).run()
    return plan


def _filtered(sheet: Sheet, where: list[Where]) -> list[Row]:
    if not where:
        return sheet.rows
    headers = {squash(header): header for header in sheet.headers}
    return [row for row in sheet.rows if all(each.keeps(row, headers[squash(each.column)]) for each in where)]


def _with_new_words(vocabulary: Vocabulary, new_words: dict[str, list[str]], plan: ImportPlan) -> Vocabulary:
    """The register's words with those accepted for this import added."""
    changes: dict[str, list[str]] = {}
    for name, added in new_words.items():
        listed = list(getattr(vocabulary, NEW_WORD_LISTS[name]))
        fresh = [word for word in dict.fromkeys(added) if word not in listed]
        if fresh:
            changes[NEW_WORD_LISTS[name]] = listed + fresh
            plan.new_words[name] = fresh
    if not changes:
        return vocabulary
    plan.vocabulary = vocabulary.model_copy(update=changes)
    return plan.vocabulary


def _check_value_overrides(vocabulary: Vocabulary, options: ImportOptions, kind: Kind) -> None:
    lists = word_lists(vocabulary, kind)
    for name, mapping in options.values.items():
        if name not in lists:
            raise ImportSetupError(f"--map-value {name}: not a list field; list fields: {', '.join(lists)}")
        for source, target in mapping.items():
            if target not in lists[name]:
                raise ImportSetupError(
                    f"--map-value {name}:{source}={target}: {target!r} is not one of {', '.join(lists[name])}"
                )


def _note_other_kind(sheet: Sheet, kind: Kind, plan: ImportPlan) -> None:
    """A lessons log imported as issues (or the reverse) says so."""
    other: Kind = "lesson" if kind == "issue" else "issue"
    mine = sum(1 for header in sheet.headers if guess_field(header, kind))
    theirs = sum(1 for header in sheet.headers if guess_field(header, other))
    specific = [h for h in sheet.headers if guess_field(h, other) and not guess_field(h, kind)]
    if theirs > mine or len(specific) >= 3:
        hint = "add --lessons" if other == "lesson" else "leave out --lessons"
        plan.notes.insert(
            0,
            f"this looks like a {other}s log (columns {', '.join(map(repr, specific[:4]))}): "
            f"to import {KINDS[other].plural}, {hint}",
        )


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
