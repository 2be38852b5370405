"""Records for spreadsheets and other tools: `tracker export --format csv|json`.

Records are chosen with the query language of `tracker list`. For the public
audience the query runs over the public views of the records (see
`exports.gate`), so it cannot select records by a field the public may not
see, such as whether an issue affects vulnerable residents.

CSV cells are plain text: booleans as yes/no, lists comma-separated, dates in
ISO form, updates as JSON. A text cell that a spreadsheet would run as a
formula (starting with = + - @, a tab or a carriage return) is prefixed with an
apostrophe, the usual guard; `unguard_cell` undoes it exactly, for imports.
JSON is a list of records in the shape `tracker list --json` prints.
"""

from __future__ import annotations

import csv
import io
import re
from operator import itemgetter
from typing import Any

import orjson

from data.ids import Kind
from data.kinds import KINDS
from data.query import sort_key
from exports.gate import PUBLIC_FIELDS, Audience, Gate
from exports.reader import RegisterReader

_FORMULA = re.compile(r"'*[=+\-@\t\r]")
_GUARDED = re.compile(r"'+[=+\-@\t\r]")
_FORMULA_STARTS = "'=+-@\t\r"
"""The first characters `_FORMULA` can match (an empty text cannot)."""


def guard_cell(text: str) -> str:
    """Text a spreadsheet would take as a formula gets a leading apostrophe."""
    return "'" + text if _FORMULA.match(text) else text


def unguard_cell(text: str) -> str:
    """The inverse of `guard_cell`: the text as it was before export."""
    return text[1:] if _GUARDED.match(text) else text


def select(
    register: RegisterReader,
    kind: Kind,
    query: str,
    audience: Audience,
    sort: str | None = None,
    gate: Gate | None = None,
) -> tuple[list[dict[str, Any]], int]:
    """Records matching `query` as the audience may see them, and how many
    records of this kind were withheld from the audience."""
    rules = gate or Gate.for_register(audience, register)
    listed = register.listed(kind)
    matches = register.query(query, kind)
    # Whole records are read one at a time, only those the audience may see,
    # and each is kept only when it matches.
    found, viewed = [], 0
    for document in register.records(d["id"] for d in listed if rules.shows(d)):
        view = rules.view(document)
        viewed += 1
        if matches(view):
            found.append(view)
    withheld = len(listed) - viewed
    if sort:
        found.sort(key=sort_key(sort.lstrip("-"), register.settings.vocabulary), reverse=sort.startswith("-"))
    else:
        raised_on = KINDS[kind].raised_on
        found.sort(key=lambda d: (d.get(raised_on) or "", d["id"]), reverse=True)
    return found, withheld


def columns(kind: Kind, audience: Audience, records: list[dict[str, Any]]) -> list[str]:
    if audience == "public":
        return list(PUBLIC_FIELDS[kind])
    names = list(KINDS[kind].fields())
    extra = sorted({name for record in records for name in record} - set(names))
    return names + extra


def _cell(value: Any) -> str:
    if type(value) is str:  # most cells: the checks below would come to the same
        return guard_cell(value) if value[:1] in _FORMULA_STARTS else value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return guard_cell(", ".join(value))
    if isinstance(value, list | dict):
        return orjson.dumps(value).decode()
    return guard_cell(str(value))


def to_csv(records: list[dict[str, Any]], names: list[str]) -> str:
    """A CSV with a header row of field names (UTF-8; Excel reads it with a BOM,
    which the caller adds when writing a file)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(names)
    for record in records:
        writer.writerow([_cell(record.get(name)) for name in names])
    return out.getvalue()


def to_json(records: list[dict[str, Any]]) -> str:
    return orjson.dumps(records, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE).decode()


class _Lines(list[str]):
    """Where a CSV writer writes each row, so each is taken as it is written."""

    write = list.append


def export(
    register: RegisterReader, kind: Kind, query: str, audience: Audience, format: str, gate: Gate
) -> tuple[list[bytes], int, int]:
    """`select` written as CSV (`to_csv` with `columns`) or JSON (`to_json`): the
    file's content in UTF-8 (no byte-order mark), in pieces, with how many
    records it holds and how many were withheld. Each record is written out as
    it is read and viewed, so only its row is kept, never every record's view
    or a second copy of the whole text; the rows are put in `select`'s order at
    the end. (An internal CSV's columns depend on every record, so it is made
    from `select`.)"""
    if format == "csv" and audience != "public":
        records, withheld = select(register, kind, query, audience, gate=gate)
        return [to_csv(records, columns(kind, audience, records)).encode("utf-8")], len(records), withheld
    listed = register.listed(kind)
    matches = register.query(query, kind)
    raised_on = KINDS[kind].raised_on
    names = list(PUBLIC_FIELDS[kind])
    lines = _Lines()
    writer = csv.writer(lines, lineterminator="\r\n")
    rows: list[tuple[tuple[str, str], bytes]] = []
    viewed = 0
    for document in register.records(d["id"] for d in listed if gate.shows(d)):
        view = gate.view(document)
        viewed += 1
        if not matches(view):
            continue
        if format == "csv":
            # (`_cell` gives a string that cannot be a formula as it is: inlined for speed)
            writer.writerow(
                [
                    value if type(value) is str and value[:1] not in _FORMULA_STARTS else _cell(value)
                    for value in map(view.get, names)
                ]
            )
            row = lines.pop().encode("utf-8")
        else:  # the record as `to_json` indents it inside the list
            row = orjson.dumps([view], option=orjson.OPT_INDENT_2)[2:-2]
        rows.append(((view.get(raised_on) or "", view["id"]), row))
    rows.sort(key=itemgetter(0), reverse=True)
    if format == "csv":
        writer.writerow(names)
        return [lines.pop().encode("utf-8"), *(row for _, row in rows)], len(rows), len(listed) - viewed
    if not rows:
        return [b"[]\n"], 0, len(listed) - viewed
    pieces = [b"[\n"]
    for _, row in rows:
        pieces += [row, b",\n"]
    pieces[-1] = b"\n]\n"
    return pieces, len(rows), len(listed) - viewed
