"""Reading a file people bring to an import: CSV, Excel (`.xlsx`) or Tracker's own
JSON, into one shape, a `Sheet` of rows numbered as the person sees them.

CSV comes from Excel as often as not: a byte-order mark, `;` as the delimiter in
some locales, Windows line endings, newlines inside quoted cells. A CSV cell
that `tracker export` guarded against spreadsheet formulas (a leading
apostrophe before = + - @) is read back as it was before export. Excel sheets
often carry a title row or two above the column headers, so the header row is the
first of the top rows that names columns Tracker knows. JSON is what
`tracker list --json` (a list of records) or `tracker show --json` (one record)
prints; each object's keys are its columns.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from data.errors import TrackerError
from exports.tabular import unguard_cell

IMPORT_MAX_BYTES = 200_000_000
HEADER_SEARCH_ROWS = 10
DELIMITERS = ",;\t|"


class UnreadableFile(TrackerError):
    """The file to import cannot be read as a table; nothing was written."""

    def __init__(self, path: Path | str, reason: str):
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{Path(path).name}: {reason} (nothing was written)")


@dataclass
class Row:
    """One row of the file: its number as the person sees it (the spreadsheet's
    row number, or the record's place in a JSON list) and its cells by column."""

    number: int
    cells: dict[str, Any]


@dataclass
class Sheet:
    """The table in a file: its column headers in order and its non-empty rows."""

    name: str
    headers: list[str]
    rows: list[Row] = field(default_factory=list)
    header_row: int = 1
    from_json: bool = False

    @property
    def holds_records(self) -> bool:
        """Tracker's own JSON, or a CSV that `tracker export` wrote (its columns are
        field names, its updates a JSON list)."""
        return self.from_json or {"id", "created_at", "updates"} <= set(self.headers)


def read_sheet(
    path: Path, sheet: str | None = None, knows_header: Callable[[list[str]], int] | None = None
) -> Sheet:
    """Read CSV, `.xlsx` or JSON by the file's extension (CSV for anything else).
    `knows_header` scores a candidate header row (how many columns it recognises)."""
    if not path.is_file():
        raise UnreadableFile(path, "no such file")
    if path.stat().st_size > IMPORT_MAX_BYTES:
        raise UnreadableFile(path, "is larger than 200 MB")
    suffix = path.suffix.lower()
    if suffix == ".json":
        return _read_json(path)
    if suffix in (".xlsx", ".xlsm"):
        grid = _xlsx_grid(path, sheet)
    elif suffix == ".xls":
        raise UnreadableFile(path, "is an old Excel .xls file; save it as .xlsx or CSV and import that")
    else:
        if sheet:
            raise UnreadableFile(path, "--sheet applies to Excel files only")
        grid = _csv_grid(path)
    return _sheet_from_grid(path.name, grid, knows_header)


def _csv_text(path: Path) -> str:
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnreadableFile(path, "is not UTF-8 or Windows-1252 text")


def _csv_grid(path: Path) -> Iterable[list[Any]]:
    text = _csv_text(path)
    if "\0" in text:
        raise UnreadableFile(path, "holds NUL bytes: is it really CSV?")
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


def _xlsx_grid(path: Path, sheet: str | None) -> Iterable[list[Any]]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, KeyError, OSError, ValueError) as error:
        raise UnreadableFile(path, f"is not a readable .xlsx workbook ({error})") from None
    try:
        if sheet is None:
            worksheet = book.worksheets[0]
        elif sheet in book.sheetnames:
            worksheet = book[sheet]
        else:
            raise UnreadableFile(path, f"has no sheet {sheet!r}; its sheets are {', '.join(book.sheetnames)}")
        return [list(values) for values in worksheet.iter_rows(values_only=True)]
    finally:
        book.close()


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _sheet_from_grid(
    name: str, grid: Iterable[list[Any]], knows_header: Callable[[list[str]], int] | None
) -> Sheet:
    lines = list(grid)
    header_index = _header_index(lines, knows_header)
    if header_index is None:
        raise UnreadableFile(name, "has no rows")
    headers = _unique_headers(lines[header_index])
    sheet = Sheet(name, headers, header_row=header_index + 1)
    for index in range(header_index + 1, len(lines)):
        values = lines[index]
        if all(_blank(value) for value in values):
            continue
        cells = {header: values[i] if i < len(values) else None for i, header in enumerate(headers)}
        extra = [value for value in values[len(headers) :] if not _blank(value)]
        if extra:
            cells[""] = extra
        sheet.rows.append(Row(index + 1, cells))
    return sheet


def _header_index(lines: list[list[Any]], knows_header: Callable[[list[str]], int] | None) -> int | None:
    """The first non-empty row, unless a later one among the top rows names more
    known columns (a title row above the headers)."""
    candidates = [
        i
        for i, line in enumerate(lines[: HEADER_SEARCH_ROWS * 3])
        if not all(_blank(value) for value in line)
    ][:HEADER_SEARCH_ROWS]
    if not candidates:
        return None
    if knows_header is None:
        return candidates[0]
    scores = {i: knows_header([str(v) for v in lines[i] if not _blank(v)]) for i in candidates}
    best = max(scores.values())
    return next(i for i in candidates if scores[i] == best) if best >= 2 else candidates[0]


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
