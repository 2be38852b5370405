"""Reading a file people bring to an import: CSV, Excel (`.xlsx`), OpenDocument
(`.ods`) or Tracker's own JSON, into one shape, a `Sheet` of rows numbered as
the person sees them.

CSV comes from Excel as often as not: a byte-order mark, `;` as the delimiter in
some locales, Windows line endings, newlines inside quoted cells; Excel's
"Unicode text" is UTF-16; an old Mac's CSV is Mac Roman with CR line endings.
A CSV cell that `tracker export` guarded against spreadsheet formulas (a
leading apostrophe before = + - @) is read back as it was before export.

A workbook's sheets are looked at in turn and the one whose header row names
the most fields of the kind being imported is read (a cover sheet, a
document-control block or a RAID workbook's Summary are passed over); the
report says which and why, `--sheet` chooses another, and when two sheets look
equally likely the import stops and lists them. The header row is the row (or
pair of rows, for a two-row merged header) among the top 50 that names most
known columns. JSON is what `tracker list --json` (a list of records) or
`tracker show --json` (one record) prints; each object's keys are its columns.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from exports.tabular import unguard_cell
from tracker.importing.errors import UnreadableFile
from tracker.importing.workbooks import Grid, Merge, UnreadableCell, Workbook

__all__ = ["Row", "Sheet", "UnreadableCell", "UnreadableFile", "read_sheet"]

IMPORT_MAX_BYTES = 200_000_000
HEADER_SEARCH_ROWS = 50
DELIMITERS = ",;\t|"
WORKBOOKS = (".xlsx", ".xlsm", ".ods")
OTHER_SHEET_WORDS = (
    "risk",
    "assumption",
    "dependenc",
    "summary",
    "cover",
    "content",
    "control",
    "instruction",
    "guidance",
    "lookup",
    "dashboard",
    "chart",
    "read me",
    "readme",
)
Known = Callable[[str], bool]


@dataclass
class Row:
    """One row of the file: its number as the person sees it (the spreadsheet's
    row number, or the record's place in a JSON list) and its cells by column."""

    number: int
    cells: dict[str, Any]


@dataclass
class Sheet:
    """The table in a file: its column headers in order and its non-empty rows,
    with what reading it involved (which sheet and why, the encoding, merged cells)."""

    name: str
    headers: list[str]
    rows: list[Row] = field(default_factory=list)
    header_row: int = 1
    from_json: bool = False
    notes: list[str] = field(default_factory=list)
    sheets: list[str] = field(default_factory=list)

    @property
    def holds_records(self) -> bool:
        """Tracker's own JSON, or a CSV that `tracker export` wrote (its columns are
        field names, its updates a JSON list)."""
        return self.from_json or {"id", "created_at", "updates"} <= set(self.headers)


def read_sheet(
    path: Path, sheet: str | None = None, known: Known | None = None, kind: str = "issue"
) -> Sheet:
    """Read CSV, `.xlsx`, `.ods` or JSON by the file's extension (CSV for anything
    else). `known` says whether a header names a field of the `kind` imported."""
    if not path.is_file():
        raise UnreadableFile(path, "no such file")
    if path.stat().st_size > IMPORT_MAX_BYTES:
        raise UnreadableFile(path, "is larger than 200 MB")
    suffix = path.suffix.lower()
    if suffix == ".json":
        return _read_json(path)
    if suffix == ".xls":
        raise UnreadableFile(path, "is an old Excel .xls file; save it as .xlsx or CSV and import that")
    if suffix in WORKBOOKS:
        return _read_workbook(path, sheet, known, kind)
    if sheet:
        raise UnreadableFile(path, "--sheet applies to workbooks (.xlsx, .ods) only")
    text, encoding = _csv_text(path)
    found = _sheet_from_grid(Grid(path.name, _csv_rows(path, text)), known)
    if encoding:
        found.notes.insert(0, f"read as {encoding} text")
    return found


# --- workbooks ---------------------------------------------------------------------------------


def _read_workbook(path: Path, sheet: str | None, known: Known | None, kind: str) -> Sheet:
    with Workbook(path) as book:
        names = book.names
        if sheet is not None and sheet not in names:
            raise UnreadableFile(path, f"has no sheet {sheet!r}; its sheets are {', '.join(names)}")
        why = ""
        if sheet is None and len(names) > 1:
            sheet, why = _likeliest_sheet(book, known, kind)
        chosen = sheet or names[0]
        found = _sheet_from_grid(book.grid(chosen), known)
    found.name = f"{path.name} (sheet {chosen!r})" if len(names) > 1 else path.name
    found.sheets = names
    if why:
        found.notes.insert(0, why)
    return found


def _likeliest_sheet(book: Workbook, known: Known | None, kind: str) -> tuple[str, str]:
    """The sheet that looks most like a log of this kind, and why; UnreadableFile
    naming the sheets when none does, or two do equally."""
    names, path = book.names, book.path
    scored: list[tuple[tuple[int, int], str, int]] = []
    for name in names:
        grid = book.grid(name, HEADER_SEARCH_ROWS)
        found = _find_header(grid.rows, grid.merges, known)
        score = found[2] if found else 0
        lowered = name.lower()
        named = 1 if kind in lowered else -1 if any(word in lowered for word in OTHER_SHEET_WORDS) else 0
        if score >= 2:
            scored.append(((named, score), name, (found[0] if found else 0) + 1))
    listed = ", ".join(repr(name) for name in names)
    if not scored:
        raise UnreadableFile(
            path,
            f"none of its sheets ({listed}) has a header row naming {kind} columns; choose one with --sheet NAME",
        )
    scored.sort(key=lambda entry: entry[0], reverse=True)
    if len(scored) > 1 and scored[0][0] == scored[1][0]:
        raise UnreadableFile(
            path,
            f"sheets {scored[0][1]!r} and {scored[1][1]!r} both look like {kind} logs; "
            f"choose one with --sheet NAME (its sheets are {listed})",
        )
    (named, score), name, header_row = scored[0]
    because = f"its name says {kind}s and " if named > 0 else ""
    return name, (
        f"read sheet {name!r} of {len(names)} ({listed}): {because}its header (row {header_row}) "
        f"names {score} known column(s); choose another with --sheet NAME"
    )


# --- header and rows ------------------------------------------------------------------------------


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _sheet_from_grid(grid: Grid, known: Known | None) -> Sheet:
    lines = grid.rows
    found = _find_header(lines, grid.merges, known)
    if found is None:
        raise UnreadableFile(grid.name, "has no rows")
    last_header, headers, _ = found
    headers = _unique_headers(headers)
    sheet = Sheet(grid.name, headers, header_row=last_header + 1)
    filled = _fill_merged(lines, grid.merges, below=last_header + 1)
    if filled:
        sheet.notes.append(f"{filled} cell(s) in merged ranges read as the merged cell's value")
    for index in range(last_header + 1, len(lines)):
        values, lines[index] = lines[index], []  # each line let go once it is a row: half the peak memory
        if all(_blank(value) for value in values):
            continue
        cells = {header: values[i] if i < len(values) else None for i, header in enumerate(headers)}
        extra = [value for value in values[len(headers) :] if not _blank(value)]
        if extra:
            cells[""] = extra
        sheet.rows.append(Row(index + 1, cells))
    return sheet


def _find_header(
    lines: list[list[Any]], merges: list[Merge], known: Known | None
) -> tuple[int, list[Any], int] | None:
    """The header: the index of its (last) row, its column names, how many name
    known fields. The first non-empty row, unless a row or a two-row merged
    header among the top 50 rows names more known columns."""
    candidates = [i for i, line in enumerate(lines[: HEADER_SEARCH_ROWS * 2]) if not all(map(_blank, line))]
    candidates = candidates[:HEADER_SEARCH_ROWS]
    if not candidates:
        return None
    if known is None:
        return candidates[0], lines[candidates[0]], 0
    best: tuple[int, list[Any], int] = (candidates[0], lines[candidates[0]], 0)
    scores: dict[int, int] = {}
    for i in candidates:
        scores[i] = sum(1 for value in lines[i] if not _blank(value) and known(str(value)))
        if scores[i] > best[2]:
            best = (i, lines[i], scores[i])
    for i in candidates:
        if i + 1 in scores:
            joined = _two_row_header(lines[i], lines[i + 1], i, merges, known)
            score = sum(1 for value in joined if value and known(value))
            if score > max(scores[i], scores[i + 1]) and score > best[2]:
                best = (i + 1, joined, score)
    return best if best[2] >= 2 else (candidates[0], lines[candidates[0]], 0)


def _two_row_header(
    top: list[Any], bottom: list[Any], index: int, merges: list[Merge], known: Known
) -> list[str]:
    """Column names from a header over two rows: a group name merged across the
    top ("Lesson", "Dates") over the names of its columns."""
    width = max(len(top), len(bottom))
    above = [top[c] if c < len(top) else None for c in range(width)]
    for first_row, first_column, _, last_column in merges:
        if first_row == index + 1 and last_column > first_column:
            for column in range(first_column, min(last_column, width)):
                above[column] = above[first_column - 1]
    if not merges:
        for column in range(1, width):
            if (
                _blank(above[column])
                and not _blank(above[column - 1])
                and column < len(bottom)
                and not _blank(bottom[column])
            ):
                above[column] = above[column - 1]
    joined: list[str] = []
    for column in range(width):
        upper = "" if _blank(above[column]) else " ".join(str(above[column]).split())
        lower = (
            "" if column >= len(bottom) or _blank(bottom[column]) else " ".join(str(bottom[column]).split())
        )
        both = f"{upper} {lower}".strip()
        choices = [lower, both] if upper and lower else [both]
        joined.append(next((choice for choice in choices if known(choice)), lower or upper))
    return joined


def _fill_merged(lines: list[list[Any]], merges: list[Merge], below: int) -> int:
    """Give each cell of a merged range in the data (under row `below`) the value
    of the range's first cell, as the person sees it; how many cells were filled."""
    filled = 0
    for first_row, first_column, last_row, last_column in merges:
        if first_row <= below or first_row > len(lines):
            continue
        source = lines[first_row - 1]
        value = source[first_column - 1] if first_column <= len(source) else None
        for row in range(first_row, min(last_row, len(lines)) + 1):
            line = lines[row - 1]
            line.extend([None] * (last_column - len(line)))
            for column in range(first_column, last_column + 1):
                if (row, column) != (first_row, first_column):
                    line[column - 1] = value
                    filled += 1
    return filled


def _unique_headers(values: list[Any]) -> list[str]:
    """Header text, one line each; a repeated or empty header gets its column's place."""
    headers: list[str] = []
    for position, value in enumerate(values, start=1):
        text = " ".join(str(value).split()) if not _blank(value) else ""
        if not text or text in headers:
            text = f"{text or 'Column'} ({position})"
        headers.append(text)
    while headers and headers[-1].startswith("Column (") and headers[-1].endswith(")"):
        headers.pop()
    return headers


# --- CSV -------------------------------------------------------------------------------------------


def _csv_text(path: Path) -> tuple[str, str]:
    """The file's text and, when it is not UTF-8, the encoding it was read in."""
    raw = path.read_bytes()
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _decoded(path, raw, "utf-16"), "UTF-16"
    if len(raw) >= 4 and raw[1:4:2] == b"\0\0" and raw[0:4:2] != b"\0\0":
        return _decoded(path, raw, "utf-16-le"), "UTF-16"
    try:
        return raw.decode("utf-8-sig"), ""
    except UnicodeDecodeError:
        pass
    if b"\r" in raw and b"\n" not in raw:
        return raw.decode("mac_roman"), "Mac Roman (an old Mac file, CR line endings)"
    try:
        return raw.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError:
        raise UnreadableFile(path, "is not UTF-8, UTF-16, Windows-1252 or Mac Roman text") from None


def _decoded(path: Path, raw: bytes, encoding: str) -> str:
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError:
        raise UnreadableFile(path, "starts like UTF-16 text but is not") from None


def _csv_rows(path: Path, text: str) -> list[list[Any]]:
    if "\0" in text:
        raise UnreadableFile(path, "holds NUL bytes: is it really CSV?")
    text = text.removeprefix("\ufeff")
    delimiter = _likeliest_delimiter(text[:65536])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"', doublequote=True)
    try:
        return [[unguard_cell(cell) for cell in line] for line in reader]
    except csv.Error as error:
        raise UnreadableFile(path, f"is not valid CSV ({error})") from None


def _likeliest_delimiter(sample: str) -> str:
    """The delimiter that splits the top rows into the most columns (quotes
    respected). The standard library's Sniffer is slow on large samples and
    guesses wrong on a header row full of spaces and punctuation."""

    def widest(delimiter: str) -> int:
        rows = csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter)
        try:
            return max((len(row) for _, row in zip(range(HEADER_SEARCH_ROWS), rows, strict=False)), default=0)
        except csv.Error:
            return 0

    return max(DELIMITERS, key=widest)


def _read_json(path: Path) -> Sheet:
    import orjson

    try:
        data = orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError as error:
        raise UnreadableFile(path, f"is not valid JSON ({error})") from None
    items = [data] if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise UnreadableFile(path, "holds neither a record nor a list of records")
    headers: list[str] = []
    sheet = Sheet(path.name, headers, header_row=0, from_json=True)
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            raise UnreadableFile(path, f"record {number} is not a JSON object")
        headers.extend(key for key in item if key not in headers)
        sheet.rows.append(Row(number, dict(item)))
    return sheet
