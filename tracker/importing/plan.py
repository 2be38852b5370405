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

from pathlib import Path
from typing import TYPE_CHECKING

from data.kinds import KINDS
from data.model import Vocabulary
from tracker.importing.columns import (
    Kind,
    guess_field,
    importable_fields,
    map_columns,
    squash,
    unused_overrides,
)
from tracker.importing.outcome import (
    NEW_WORD_LISTS,
    ImportOptions,
    ImportPlan,
    ImportSetupError,
    Where,
)
from tracker.importing.reading import Row, Sheet, read_sheet
from tracker.importing.rows import RowPlanner
from tracker.importing.values import word_lists, words

if TYPE_CHECKING:
    from tracker.register import Register


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


def plan_import(register: Register, path: Path, options: ImportOptions) -> ImportPlan:
    """Read `path` and decide, row by row, what importing it into `register` would do."""
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
