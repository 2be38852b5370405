"""Working through the rows of a sheet: cells to values, values to records, and
each record matched with the one it updates.

Re-import is a merge. Each imported record remembers, in its own store of
fields Tracker does not declare (`imported`: the file's name, its SHA-256 and
the values the sheet gave), what its last import wrote. That memory travels
with the record (through sync, history and the field-level merge driver), is
deleted with it, and needs no second file kept in step. On re-import, for each
field:

- the sheet agrees with the record: nothing to do;
- the record still holds what the last import wrote: the sheet's new value is
  taken (and shown, field by field, in the dry run);
- the record was changed in Tracker since: Tracker's value is kept, and the
  sheet's value reported as a conflict (on every re-import while the two
  disagree: an issue resolved in Tracker while the sheet still says open).

A record with no memory (imported before Tracker kept one, or logged in Tracker
with the same reference) takes the sheet's values, each shown in the dry run.

A record is never made less restricted by an import (public after internal or
restricted) unless `allow_loosen` says so. Without a reference column, rows
cannot be matched, so the same file (by content) is refused a second time
unless `allow_duplicates` says so.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from data.errors import IdentityMissing
from data.files import free_record_id
from data.ids import is_record_id, kind_of, normalise_id
from data.kinds import KINDS
from data.model import AnyRecord, Update, Vocabulary, problems, to_document, vocabulary_problems
from data.text import clean_line
from data.validation import ValidationError
from data.values import TwoDigitYear
from tracker.importing.columns import CLOSED_FLAG, ID_COLUMN, UPDATE_COLUMN
from tracker.importing.outcome import (
    NEW_WORD_LISTS,
    PROGRESS_EVERY,
    Change,
    Conflict,
    ImportOptions,
    ImportPlan,
    Problem,
    as_text,
    shown,
)
from tracker.importing.reading import Row, UnreadableCell
from tracker.importing.values import (
    AMOUNT_FIELDS,
    BOOL_FIELDS,
    DATE_FIELDS,
    LIST_FIELDS,
    choose_word,
    is_blank,
    is_yes_or_no,
    to_amount,
    to_bool,
    to_date,
    to_list,
    word_lists,
    words,
)

if TYPE_CHECKING:
    from tracker.register import Register

APPROXIMATELY = re.compile(
    r"^\s*(?:c\.?|ca\.?|circa|approx\.?|approximately|about|around|~)\s*(?=[£$\d])", re.I
)
"""How people mark an amount as approximate: "c. £30k", "approx £2,000", "~£500"."""
MEMORY = "imported"
"""The key of a record's import memory among the fields Tracker does not declare."""
TITLE_MAX = 200
TITLE_FROM_TEXT_MAX = 120
VISIBILITY_ORDER = {"public": 0, "internal": 1, "restricted": 2}
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


class RowPlanner:
    """Works through the rows of one sheet, filling in one plan."""

    def __init__(
        self,
        register: Register,
        rows: list[Row],
        path: Path,
        options: ImportOptions,
        plan: ImportPlan,
        vocabulary: Vocabulary,
        remember: bool = True,
    ):
        self.register, self.rows, self.options, self.plan = register, rows, options, plan
        self.spec = KINDS[options.kind]
        self.remember = remember
        """Keep an import memory in each record (not for Tracker's own exports,
        which carry Tracker IDs and round-trip exactly)."""
        self.vocabulary = vocabulary
        self.lists = word_lists(vocabulary, options.kind)
        self.existing = register.documents(options.kind)
        self.by_ref = {
            doc["external_ref"]: rid for rid, doc in self.existing.items() if doc.get("external_ref")
        }
        self.seen_ids: dict[str, int] = {}
        self.seen_refs: dict[str, int] = {}
        self.defaulted: Counter[str] = Counter()
        self.person = _person(register)
        self.moment = register.now()
        self.today = self.moment.date()
        self.file_name = path.name
        self.sha256 = hashlib.sha256(path.read_bytes()).hexdigest()
        self.has_reference = any(name in (ID_COLUMN, "external_ref") for name in plan.columns.fields.values())

    def run(self) -> None:
        self._check_columns()
        if self.plan.problems and any(p.kind in ("clash", "duplicate file") for p in self.plan.problems):
            return
        total = len(self.rows)
        for done, row in enumerate(self.rows, start=1):
            if "" in row.cells:
                self.defaulted["values in columns with no header (not imported)"] += 1
            self._plan_row(row)
            if self.options.progress and (done % PROGRESS_EVERY == 0 or done == total):
                self.options.progress(done, total)
        for what, count in self.defaulted.items():
            self.plan.notes.append(f"{count} row(s): {what}")
        for header, reason in self.plan.columns.left_out.items():
            self.plan.notes.append(f"column {header!r} not imported: {reason}")

    # --- the sheet as a whole -------------------------------------------------------------

    def _check_columns(self) -> None:
        columns = self.plan.columns
        for name, headers in columns.clashes.items():
            self.plan.problems.append(
                Problem(
                    self.plan.header_row,
                    " / ".join(headers),
                    "",
                    f"columns both look like {name}",
                    name,
                    "clash",
                )
            )
        if "title" not in columns.fields.values():
            column = columns.column_for(self.spec.main_text)
            if column:
                self.plan.notes.append(f"no title column: each title is the first line of {column!r}")
        if "visibility" not in columns.fields.values():
            self.plan.notes.append(
                f"no visibility column: new records are {self.options.visibility} (choose with --visibility)"
            )
        if not self.has_reference and not self.plan.problems:
            self.plan.notes.insert(
                0,
                "NO REFERENCE COLUMN: rows cannot be matched to records when this file is imported again, "
                "so importing it twice would duplicate every row (a second import of the same file is refused "
                "unless --allow-duplicates)",
            )
            self._refuse_same_file()

    def _refuse_same_file(self) -> None:
        before = [
            doc for doc in self.existing.values() if (doc.get(MEMORY) or {}).get("sha256") == self.sha256
        ]
        if before and not self.options.allow_duplicates:
            self.plan.problems.append(
                Problem(
                    0,
                    "",
                    "",
                    f"this file was imported already ({len(before)} record(s), such as {before[0]['id']}) and has "
                    "no reference column: importing it again would duplicate every row",
                    kind="duplicate file",
                )
            )

    # --- one row -------------------------------------------------------------------------------

    def _plan_row(self, row: Row) -> None:
        before = len(self.plan.problems)
        values = self._convert(row)
        if len(self.plan.problems) > before:
            return
        record_id, current = self._match(row, values)
        if record_id is None:
            return
        sheet_values = {
            name: value for name, value in values.items() if name not in (UPDATE_COLUMN, "updates")
        }
        document = self._document(row, values, record_id, current)
        record = self._validate(row, document)
        if record is None:
            return
        if current is None:
            if self.remember:
                self._remember(record, sheet_values)
            self.plan.created.append(record)
            return
        self._update(row, record, current, sheet_values)

    def _update(self, row: Row, record: AnyRecord, current: dict[str, Any], sheet: dict[str, Any]) -> None:
        memory = (current.get(MEMORY) or {}).get("values", {})
        incoming = to_document(record)
        merged = dict(current)
        changed: dict[str, tuple[Any, Any]] = {}
        for name in dict.fromkeys([*sheet, "title", self.spec.main_text, "updates", "status", "closed_on"]):
            if name not in incoming or incoming[name] == current.get(name):
                continue
            if name in memory and current.get(name) != memory[name]:
                if name in sheet:
                    self.plan.conflicts.append(
                        Conflict(row.number, record.id, name, current.get(name), incoming[name])
                    )
                continue
            changed[name] = (current.get(name), incoming[name])
            merged[name] = incoming[name]
        if not self._keeps_restriction(row, current, merged):
            return
        remembered = {name: incoming[name] for name in sheet if name in incoming}
        if not changed:
            self.plan.unchanged += 1
            return
        if self.remember:
            merged[MEMORY] = {"file": self.file_name, "sha256": self.sha256, "values": remembered}
        self.plan.changes.append(Change(record.id, str(current.get("external_ref") or ""), changed))
        self.plan.updated.append(self.spec.model.model_validate(merged))

    def _keeps_restriction(self, row: Row, current: dict[str, Any], merged: dict[str, Any]) -> bool:
        was, now = current.get("visibility", "internal"), merged.get("visibility", "internal")
        if VISIBILITY_ORDER.get(now, 2) >= VISIBILITY_ORDER.get(was, 2) or self.options.allow_loosen:
            return True
        column = self.plan.columns.column_for("visibility") or ""
        reason = f"would loosen visibility of {current['id']} from {was} to {now}"
        self.plan.problems.append(Problem(row.number, column, now, reason, "visibility", "loosen"))
        return False

    def _remember(self, record: AnyRecord, sheet: dict[str, Any]) -> None:
        document = to_document(record)
        values = {name: document[name] for name in sheet if name in document}
        setattr(record, MEMORY, {"file": self.file_name, "sha256": self.sha256, "values": values})

    # --- cells to values -----------------------------------------------------------------------

    def _convert(self, row: Row) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for column, name in self.plan.columns.fields.items():
            raw = row.cells.get(column)
            try:
                value = self._value(name, raw)
            except TwoDigitYear as error:
                self._problem(row, column, raw, str(error), name, "two-digit year")
                continue
            except ValueError as error:
                if name in self.options.blank_bad:
                    self.defaulted[f"{name} left blank where it could not be read (--blank-bad {name})"] += 1
                    continue
                self._problem(row, column, raw, str(error), name, self._problem_kind(name))
                continue
            if isinstance(value, _Estimate):
                value = self._estimate(values, value)
            if value is not _OMIT:
                values[name] = value
        self._closed_flag(row, values)
        self._dates_in_order(row, values)
        return values

    def _estimate(self, values: dict[str, Any], estimate: _Estimate) -> float | None:
        """An amount written "c. £30k" is read as £30,000, an estimate, unless the
        row says its basis."""
        if "cost_basis" in self.spec.fields() and not values.get("cost_basis"):
            values["cost_basis"] = "estimate"
            self.defaulted["amount written as approximate (c., approx., ~): read as an estimate"] += 1
        return estimate.amount

    def _problem_kind(self, name: str) -> str:
        """A word the register's own lists could take (`--new-area`), a word of a
        fixed list, or a cell that is no date, amount or yes/no."""
        if name in NEW_WORD_LISTS:
            return "new word"
        return "value" if name in self.lists else "unreadable"

    def _problem(self, row: Row, column: str, raw: Any, reason: str, name: str, kind: str) -> None:
        self.plan.problems.append(Problem(row.number, column, shown(raw), reason, name, kind))

    def _value(self, name: str, raw: Any) -> Any:
        if isinstance(raw, UnreadableCell):
            raise ValueError(raw.reason)
        if name == CLOSED_FLAG:
            return _OMIT if is_blank(raw) else to_bool(raw)
        if name == "closed_on" and is_yes_or_no(raw):
            return _Flag(to_bool(raw))
        if name in DATE_FIELDS:
            found = to_date(raw, self.options.century)
            return _OMIT if found is None and name in REQUIRED_DEFAULTS else found
        if name in BOOL_FIELDS:
            return to_bool(raw)
        if name in AMOUNT_FIELDS:
            approximate = APPROXIMATELY.match(raw) if isinstance(raw, str) else None
            if approximate:
                return _Estimate(to_amount(raw[approximate.end() :]))
            return to_amount(raw)
        if name in LIST_FIELDS:
            return [as_text(item) for item in to_list(raw)]
        if name in self.lists:
            return _OMIT if is_blank(raw) else self._word(name, raw)
        if name == "updates":
            return _updates(raw)
        if name == "created_at":
            return _OMIT if raw in (None, "") else raw
        text = as_text(raw)
        if not text.strip() and name in REQUIRED_DEFAULTS | {ID_COLUMN, UPDATE_COLUMN}:
            return _OMIT
        return text

    def _word(self, name: str, raw: Any) -> str:
        word = choose_word(name, as_text(raw), self.lists[name], self.options.values.get(name, {}))
        if words(as_text(raw)) != word:
            self.plan.words_read[(name, shown(raw), word)] += 1
        return word

    def _closed_flag(self, row: Row, values: dict[str, Any]) -> None:
        """A `Closed?` Y/N column (or a `Closed` column holding Y/N) closes the
        issue when its status does not already say so."""
        flag = values.pop(CLOSED_FLAG, None)
        if isinstance(values.get("closed_on"), _Flag):
            flag = values.pop("closed_on").closed
        if not flag or self.spec.name != "issue":
            return
        status = values.get("status")
        if status is None or not self.vocabulary.is_closed(status):
            if status is not None and self.plan.columns.column_for("status"):
                self.defaulted[f"closed by the Closed? column though the status said {status}"] += 1
            values["status"] = self.vocabulary.closed_statuses[-1]

    def _dates_in_order(self, row: Row, values: dict[str, Any]) -> None:
        raised = values.get(self.spec.raised_on)
        if isinstance(raised, date) and raised > self.today:
            column = self.plan.columns.column_for(self.spec.raised_on) or ""
            reason = f"is in the future (today is {self.today.isoformat()}): a typing slip?"
            self._problem(row, column, raised.isoformat(), reason, self.spec.raised_on, "unreadable")

    # --- matching existing records ------------------------------------------------------------

    def _match(self, row: Row, values: dict[str, Any]) -> tuple[str | None, dict[str, Any] | None]:
        """The record this row is (its ID), and that record's stored document if it exists."""
        given = values.pop(ID_COLUMN, None)
        if given is not None:
            record_id = normalise_id(given)
            if not is_record_id(record_id):
                values.setdefault("external_ref", given)
            elif kind_of(record_id) != self.spec.name:
                hint = "import lessons with --lessons" if self.spec.name == "issue" else "leave out --lessons"
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
        self.plan.problems.append(Problem(row.number, column, shown(value), reason, name, "other"))
        return None, None

    def _fresh_id(self) -> str:
        record_id = free_record_id(
            self.register.root,
            self.spec.prefix,
            lambda given: given in self.existing or given in self.seen_ids,
        )
        self.seen_ids[record_id] = 0
        return record_id

    # --- the record ---------------------------------------------------------------------------

    def _document(
        self, row: Row, values: dict[str, Any], record_id: str, current: dict[str, Any] | None
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
            document["title"] = _title_from(document.get(self.spec.main_text))
        self._shorten_title(document)
        self._note_closed_without_date(document, current)
        return document

    def _defaults(self, values: dict[str, Any]) -> dict[str, Any]:
        """What a new record gets for fields its row leaves empty."""
        by, on = self.spec.raised_by, self.spec.raised_on
        defaults: dict[str, Any] = {"created_at": self.moment, "visibility": self.options.visibility}
        if not values.get(by):
            defaults[by] = self.person
            self.defaulted[f"no {by.replace('_', ' ')}; set to {self.person} (who is importing)"] += 1
        if not values.get(on):
            defaults[on] = self.today
            self.defaulted[f"no {on.replace('_', ' ')}; set to today ({self.today.isoformat()})"] += 1
        if "visibility" not in values and self.plan.columns.column_for("visibility"):
            self.defaulted[f"no visibility; set to {self.options.visibility} (the import default)"] += 1
        return defaults

    def _shorten_title(self, document: dict[str, Any]) -> None:
        """A title over 200 characters is cut at a word; the full text opens the
        record's main text, so nothing is lost."""
        title = str(document.get("title") or "")
        if len(title) <= TITLE_MAX:
            return
        cut = title[: TITLE_MAX - 1].rsplit(" ", 1)[0] + "…"
        main = str(document.get(self.spec.main_text) or "")
        if not main.startswith(title):
            document[self.spec.main_text] = f"{title}\n\n{main}".strip()
        document["title"] = cut
        self.defaulted[
            f"title longer than {TITLE_MAX} characters: shortened, the full text kept in the {self.spec.main_text}"
        ] += 1

    def _note_closed_without_date(self, document: dict[str, Any], current: dict[str, Any] | None) -> None:
        """A closed issue with no closed date was closed before the import, on a day
        the sheet does not say: it is counted as closed, never as resolved in a
        report's period (which needs a date)."""
        if self.spec.name != "issue" or not self.vocabulary.is_closed(str(document.get("status"))):
            return
        if not document.get("closed_on"):
            self.defaulted[
                "closed with no closed date: recorded as closed before the import "
                "(counted as closed, not as resolved in any report period)"
            ] += 1

    def _validate(self, row: Row, document: dict[str, Any]) -> AnyRecord | None:
        try:
            record = self.spec.model.model_validate(document)
        except ValidationError as error:
            for line in problems(error):
                self._field_problem(row, document, line)
            return None
        lines = vocabulary_problems(record, self.vocabulary)
        for line in lines:
            self._field_problem(row, document, line)
        return None if lines else record

    def _field_problem(self, row: Row, document: dict[str, Any], line: str) -> None:
        name, _, reason = line.partition(": ")
        top = name.split(".")[0]
        column = self.plan.columns.column_for(top) or ""
        if top == "title" and not column:
            column = self.plan.columns.column_for(self.spec.main_text) or ""
        value = row.cells.get(column) if column else document.get(top)
        kind = self._problem_kind(top) if "is not one of" in reason else "other"
        self.plan.problems.append(Problem(row.number, column, shown(value), reason, name, kind))


def _person(register: Register) -> str:
    """Who is importing, for rows that do not say who raised them. A dry run works
    without a git identity; the import itself refuses, saying how to set one."""
    try:
        return str(register.identity().name)
    except IdentityMissing:
        return "(your git user.name)"


class _Omitted:
    """A cell left empty where the field keeps its current or default value."""


_OMIT: Any = _Omitted()


class _Estimate:
    """An amount written as approximate ("c. £30k")."""

    def __init__(self, amount: float | None):
        self.amount = amount


class _Flag:
    """A `Closed` column holding yes or no rather than a date."""

    def __init__(self, closed: bool):
        self.closed = closed


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
