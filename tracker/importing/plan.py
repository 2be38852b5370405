"""Planning an import: every row read, converted, validated and matched against
the register before anything is written.

The plan says what would happen (records created, updated, unchanged) and lists
every problem as row, column, value and reason. An import with any problem
writes nothing; one without writes every record in one commit.

A row updates an existing record when its Tracker ID matches one (Tracker's own
exports), or else when its reference (`external_ref`) matches: re-importing the
same spreadsheet updates the records it created instead of duplicating them. An
update changes only the fields the file has columns for, and keeps the record's
ID, creation time and timeline.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from data.errors import IdentityMissing, TrackerError
from data.files import relative_path
from data.ids import ISSUE_PREFIX, LESSON_PREFIX, is_record_id, kind_of, new_id, normalise_id
from data.model import AnyRecord, Issue, Lesson, Update, problems, to_document, vocabulary_problems
from data.text import clean_line
from data.validation import ValidationError
from tracker.importing.columns import (
    ID_COLUMN,
    UPDATE_COLUMN,
    ColumnMap,
    Kind,
    importable_fields,
    known_count,
    map_columns,
    unused_overrides,
)
from tracker.importing.reading import Row, Sheet, read_sheet
from tracker.importing.values import (
    AMOUNT_FIELDS,
    BOOL_FIELDS,
    DATE_FIELDS,
    LIST_FIELDS,
    choose_word,
    is_blank,
    to_amount,
    to_bool,
    to_date,
    to_list,
    word_lists,
    words,
)

TITLE_FROM_TEXT_MAX = 120
VALUE_SHOWN_MAX = 60
REQUIRED_DEFAULTS = {
    "raised_by",
    "logged_by",
    "raised_on",
    "logged_on",
    "status",
    "severity",
    "priority",
    "area",
    "type",
    "visibility",
    "source",
    "action_status",
    "title",
}


class ImportSetupError(TrackerError):
    """The import cannot start (a bad --map, --map-value or file); nothing was written."""


class ImportRefused(TrackerError):
    """Some rows have problems, so nothing was written."""

    def __init__(self, plan: ImportPlan):
        self.plan = plan
        super().__init__(f"{plan.file}: {len(plan.problems)} problem(s) in the file; nothing was written")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one cell (or row): what a person fixes in the file."""

    row: int
    column: str
    value: str
    reason: str
    field: str = ""

    def describe(self) -> str:
        """`row 4, column 'Status' (status): 'Parked' is not one of new, open, …`"""
        where = f"row {self.row}" + (f", column {self.column!r}" if self.column else "")
        where += f" ({self.field})" if self.field and self.field != self.column else ""
        shown = f"{self.value!r} " if self.value else ""
        return f"{where}: {shown}{self.reason}"


@dataclass
class ImportOptions:
    """What the person asked for: issues or lessons, column and value overrides."""

    kind: Kind = "issue"
    columns: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    sheet: str | None = None


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
                f"--map {item!r}: {target!r} is not a field of {_a(kind)}; fields: {', '.join(sorted(allowed))}"
            )
        overrides[column.strip()] = target
    return overrides


def _a(kind: Kind) -> str:
    return "an issue" if kind == "issue" else "a lesson"


def parse_value_overrides(items: list[str] | tuple[str, ...]) -> dict[str, dict[str, str]]:
    """`field:From=to` triples from `--map-value`, the From matched as words."""
    overrides: dict[str, dict[str, str]] = {}
    for item in items:
        name, colon, rest = item.partition(":")
        source, sep, target = rest.rpartition("=")
        if not colon or not sep or not name.strip() or not target.strip():
            raise ImportSetupError(f'--map-value {item!r}: write it as "field:Their word=our word"')
        key = name.strip().lower().replace(" ", "_")
        overrides.setdefault(key, {})[words(source)] = words(target)
    return overrides


def plan_import(register: Any, path: Path, options: ImportOptions) -> ImportPlan:
    """Read `path` and decide, row by row, what importing it into `register` would do."""
    kind = options.kind
    sheet = read_sheet(path, options.sheet, lambda headers: known_count(headers, kind))
    missing = unused_overrides(sheet.headers, options.columns)
    if missing:
        raise ImportSetupError(
            f"--map names column(s) not in {sheet.name}: {', '.join(map(repr, missing))}; "
            f"its columns are {', '.join(map(repr, sheet.headers))}"
        )
    columns = map_columns(sheet.headers, kind, options.columns, records=sheet.holds_records)
    plan = ImportPlan(sheet.name, kind, len(sheet.rows), columns)
    _check_value_overrides(register, options, kind)
    _RowPlanner(register, sheet, options, plan).run()
    return plan


def _check_value_overrides(register: Any, options: ImportOptions, kind: Kind) -> None:
    lists = word_lists(register.settings.vocabulary, kind)
    for name, mapping in options.values.items():
        if name not in lists:
            raise ImportSetupError(f"--map-value {name}: not a list field; list fields: {', '.join(lists)}")
        for source, target in mapping.items():
            if target not in lists[name]:
                raise ImportSetupError(
                    f"--map-value {name}:{source}={target}: {target!r} is not one of {', '.join(lists[name])}"
                )


def _shown(value: Any) -> str:
    text = str(clean_line(_as_text(value)))
    return text if len(text) <= VALUE_SHOWN_MAX else text[: VALUE_SHOWN_MAX - 1] + "…"


def _as_text(value: Any) -> str:
    """A cell as text: whole numbers without `.0` (Excel stores 42 as 42.0), dates as ISO."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime) and value.time() == datetime.min.time():
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


class _RowPlanner:
    """Works through the rows of one sheet, filling in one plan."""

    def __init__(self, register: Any, sheet: Sheet, options: ImportOptions, plan: ImportPlan):
        self.register, self.sheet, self.options, self.plan = register, sheet, options, plan
        self.kind: Kind = options.kind
        self.model: type[Issue] | type[Lesson] = Issue if self.kind == "issue" else Lesson
        self.lists = word_lists(register.settings.vocabulary, self.kind)
        self.existing = register.documents(self.kind)
        self.by_ref = {
            doc["external_ref"]: record_id
            for record_id, doc in self.existing.items()
            if doc.get("external_ref")
        }
        self.seen_ids: dict[str, int] = {}
        self.seen_refs: dict[str, int] = {}
        self.defaulted: Counter[str] = Counter()
        self.person = _person(register)
        self.moment = register.now()

    def run(self) -> None:
        fields = self.plan.columns.fields
        if "title" not in fields.values():
            source = "description" if self.kind == "issue" else "event"
            column = self.plan.columns.column_for(source)
            if column:
                self.plan.notes.append(f"no title column: each title is the first line of {column!r}")
        for row in self.sheet.rows:
            if "" in row.cells:
                self.defaulted["values in columns with no header (not imported)"] += 1
            self._plan_row(row)
        self._note_defaults()
        for header, reason in self.plan.columns.left_out.items():
            self.plan.notes.append(f"column {header!r} not imported: {reason}")

    def _note_defaults(self) -> None:
        for what, count in self.defaulted.items():
            self.plan.notes.append(f"{count} row(s): {what}")

    def _plan_row(self, row: Row) -> None:
        before = len(self.plan.problems)
        values = self._convert(row)
        if len(self.plan.problems) > before:
            return
        record_id, current = self._match(row, values)
        if record_id is None:
            return
        document = self._document(values, record_id, current)
        record = self._validate(row, document, record_id)
        if record is None:
            return
        if current is None:
            self.plan.created.append(record)
        elif to_document(record) == current:
            self.plan.unchanged += 1
        else:
            self.plan.updated.append(record)

    # --- cells to values --------------------------------------------------------

    def _convert(self, row: Row) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for column, name in self.plan.columns.fields.items():
            raw = row.cells.get(column)
            try:
                value = self._value(name, raw)
            except ValueError as error:
                self.plan.problems.append(Problem(row.number, column, _shown(raw), str(error), name))
                continue
            if value is not _OMIT:
                values[name] = value
        return values

    def _value(self, name: str, raw: Any) -> Any:
        if name in DATE_FIELDS:
            found = to_date(raw)
            return _OMIT if found is None and name in REQUIRED_DEFAULTS else found
        if name in BOOL_FIELDS:
            return to_bool(raw)
        if name in AMOUNT_FIELDS:
            return to_amount(raw)
        if name in LIST_FIELDS:
            return [_as_text(item) for item in to_list(raw)]
        if name in self.lists:
            return _OMIT if is_blank(raw) else self._word(name, raw)
        if name == "updates":
            return _updates(raw)
        if name == "created_at":
            return _OMIT if raw in (None, "") else raw
        text = _as_text(raw)
        if not text.strip() and name in REQUIRED_DEFAULTS | {ID_COLUMN, UPDATE_COLUMN}:
            return _OMIT
        return text

    def _word(self, name: str, raw: Any) -> str:
        word = choose_word(name, _as_text(raw), self.lists[name], self.options.values.get(name, {}))
        if words(_as_text(raw)) != word:
            self.plan.words_read[(name, _shown(raw), word)] += 1
        return word

    # --- matching existing records ---------------------------------------------------

    def _match(self, row: Row, values: dict[str, Any]) -> tuple[str | None, dict[str, Any] | None]:
        """The record this row is (its ID), and that record's stored document if it exists."""
        given = values.pop(ID_COLUMN, None)
        if given is not None:
            record_id = normalise_id(given)
            if not is_record_id(record_id):
                values.setdefault("external_ref", given)
            elif kind_of(record_id) != self.kind:
                hint = "import lessons with --lessons" if self.kind == "issue" else "leave out --lessons"
                return self._refuse(row, ID_COLUMN, given, f"is a {kind_of(record_id)} ID; {hint}")
            else:
                return self._claim(row, record_id, given)
        ref = values.get("external_ref")
        if ref:
            ref = str(clean_line(ref))
            first = self.seen_refs.setdefault(ref, row.number)
            if first != row.number:
                column = self.plan.columns.column_for("external_ref") or ID_COLUMN
                return self._refuse(row, column, ref, f"reference repeats row {first}")
            if ref in self.by_ref:
                return self._claim(row, self.by_ref[ref], ref)
        return self._fresh_id(), None

    def _claim(self, row: Row, record_id: str, given: str) -> tuple[str | None, dict[str, Any] | None]:
        first = self.seen_ids.setdefault(record_id, row.number)
        if first != row.number:
            columns = self.plan.columns
            column = columns.column_for(ID_COLUMN) or columns.column_for("external_ref") or ""
            return self._refuse(row, column, given, f"is the same record as row {first}")
        return record_id, self.existing.get(record_id)

    def _refuse(self, row: Row, column: str, value: Any, reason: str) -> tuple[None, None]:
        name = self.plan.columns.fields.get(column, "")
        self.plan.problems.append(Problem(row.number, column, _shown(value), reason, name))
        return None, None

    def _fresh_id(self) -> str:
        prefix = ISSUE_PREFIX if self.kind == "issue" else LESSON_PREFIX
        while True:
            record_id = new_id(prefix)
            if record_id not in self.existing and record_id not in self.seen_ids:
                path = self.register.root / relative_path(record_id)
                if not path.exists() and not path.is_symlink():
                    self.seen_ids[record_id] = 0
                    return record_id

    # --- the record ------------------------------------------------------------------

    def _document(
        self, values: dict[str, Any], record_id: str, current: dict[str, Any] | None
    ) -> dict[str, Any]:
        comment = values.pop(UPDATE_COLUMN, None)
        incoming_updates = values.pop("updates", None)
        base = dict(current) if current else self._defaults(values)
        document = {**base, **values, "id": record_id}
        if current:
            document["created_at"] = current["created_at"]
        updates = list(base.get("updates", []))
        known = {update.get("id") for update in updates}
        updates += [update for update in incoming_updates or [] if update.get("id") not in known]
        if comment and str(comment).strip() not in {str(u.get("text", "")).strip() for u in updates}:
            updates.append(Update(author=self.person, text=comment, at=self.moment).model_dump(mode="json"))
        document["updates"] = updates
        if not document.get("title"):
            document["title"] = _title_from(document.get("description" if self.kind == "issue" else "event"))
        return document

    def _defaults(self, values: dict[str, Any]) -> dict[str, Any]:
        """What a new record gets for fields its row leaves empty."""
        by, on = ("raised_by", "raised_on") if self.kind == "issue" else ("logged_by", "logged_on")
        defaults: dict[str, Any] = {"created_at": self.moment}
        if not values.get(by):
            defaults[by] = self.person
            self.defaulted[f"no {by.replace('_', ' ')}; set to {self.person} (who is importing)"] += 1
        if not values.get(on):
            defaults[on] = self.moment.date()
            self.defaulted[f"no {on.replace('_', ' ')}; set to today ({self.moment.date().isoformat()})"] += 1
        return defaults

    def _validate(self, row: Row, document: dict[str, Any], record_id: str) -> AnyRecord | None:
        try:
            record = self.model.model_validate(document)
        except ValidationError as error:
            for line in problems(error):
                self._field_problem(row, document, line)
            return None
        lines = vocabulary_problems(record, self.register.settings.vocabulary)
        for line in lines:
            self._field_problem(row, document, line)
        return None if lines else record

    def _field_problem(self, row: Row, document: dict[str, Any], line: str) -> None:
        name, _, reason = line.partition(": ")
        top = name.split(".")[0]
        column = self.plan.columns.column_for(top) or ""
        if top == "title" and not column:
            column = self.plan.columns.column_for("description" if self.kind == "issue" else "event") or ""
        value = row.cells.get(column) if column else document.get(top)
        self.plan.problems.append(Problem(row.number, column, _shown(value), reason, name))


def _person(register: Any) -> str:
    """Who is importing, for rows that do not say who raised them. A dry run works
    without a git identity; the import itself refuses, saying how to set one."""
    try:
        return str(register.identity().name)
    except IdentityMissing:
        return "(your git user.name)"


class _Omitted:
    """A cell left empty where the field keeps its current or default value."""


_OMIT: Any = _Omitted()


def _updates(raw: Any) -> Any:
    """A timeline as Tracker's JSON export holds it (a list), or as its CSV export
    does (that list as JSON text)."""
    if raw in (None, ""):
        return _OMIT
    found = raw
    if isinstance(raw, str):
        import orjson

        try:
            found = orjson.loads(raw)
        except orjson.JSONDecodeError:
            found = None
    if not isinstance(found, list) or not all(isinstance(update, dict) for update in found):
        raise ValueError("is not a list of updates as Tracker exports them (JSON)")
    return found


def _title_from(text: Any) -> str:
    """A title from the first line of a long text, cut at a word near 120 characters."""
    if not isinstance(text, str):
        return ""
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    first = str(clean_line(first))
    if len(first) <= TITLE_FROM_TEXT_MAX:
        return first
    cut = first[:TITLE_FROM_TEXT_MAX].rsplit(" ", 1)[0]
    return cut + "…"
