"""Reading the sheets of a workbook (Excel `.xlsx`, OpenDocument `.ods`) as grids
of cell values, with what a grid of values alone would lose:

- merged ranges (a service area merged down over five rows is that area for
  each of them; a blank cell outside a merged range stays blank);
- a reference shown with leading zeros (`001`, a number formatted `000`) keeps
  them, so it matches the `001` an earlier CSV gave;
- a formula Excel never calculated (no saved value) is an `UnreadableCell`, a
  problem in the report, not an empty cell.

Excel sheets are streamed (openpyxl's read-only parser, one row at a time), so a
50,000-row sheet does not need its whole workbook model in memory. The parser
is openpyxl's own `WorkSheetParser`, with its cell reading extended for the two
facts above; that class is not part of openpyxl's public API, so the version is
bounded in pyproject.toml. `.ods` is read with the standard library (it is a zip
of XML): no extra dependency for a format few councils send.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import iterparse

from tracker.importing.errors import UnreadableFile

Merge = tuple[int, int, int, int]
"""A merged range: first row, first column, last row, last column (1-based)."""


@dataclass(frozen=True)
class UnreadableCell:
    """A cell whose value cannot be read (a formula with no saved value)."""

    shown: str
    reason: str

    def __str__(self) -> str:
        return self.shown


@dataclass
class Grid:
    """One sheet's cells, row by row, and its merged ranges."""

    name: str
    rows: list[list[Any]]
    merges: list[Merge] = field(default_factory=list)


class Workbook:
    """An open workbook: its sheet names, and each sheet's grid on request. Opened
    once per import (opening a large .xlsx costs a second or more)."""

    def __init__(self, path: Path):
        self.path = path
        self.ods = path.suffix.lower() == ".ods"
        self.book: Any = None  # openpyxl's Workbook (untyped); None for .ods
        if self.ods:
            self.names = [grid.name for grid in _ods_grids(path, row_limit=0)]
        else:
            book = _open_xlsx(path)
            self.book, self.names = book, list(book.sheetnames)

    def grid(self, name: str, row_limit: int | None = None) -> Grid:
        """One sheet's grid (the first `row_limit` rows, to look at its headers)."""
        if self.ods:
            return next(grid for grid in _ods_grids(self.path, row_limit, only=name))
        return _xlsx_grid(self.book, name, row_limit)

    def close(self) -> None:
        if self.book is not None:
            self.book.close()

    def __enter__(self) -> Workbook:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def sheets_in(path: Path) -> list[str]:
    """The sheets of a workbook to choose from; none for other files or a
    workbook that cannot be opened."""
    if path.suffix.lower() not in (".xlsx", ".xlsm", ".ods"):
        return []
    try:
        with Workbook(path) as book:
            return book.names
    except UnreadableFile:
        return []


def _open_xlsx(path: Path) -> Any:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    if not zipfile.is_zipfile(path):
        head = path.read_bytes()[:4096]
        looks_like = "CSV text" if b"," in head or b";" in head or b"\t" in head else "not a workbook"
        raise UnreadableFile(
            path, f"is {looks_like}, not an Excel workbook: rename it to .csv, or save it as .xlsx from Excel"
        )
    try:
        return load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, KeyError, OSError, ValueError, zipfile.BadZipFile) as error:
        raise UnreadableFile(path, f"is not a readable .xlsx workbook ({error})") from None


def _xlsx_grid(book: Any, name: str, row_limit: int | None) -> Grid:
    worksheet = book[name]
    parser_class = _cell_reader(book)
    rows: list[list[Any]] = []
    with worksheet._get_source() as source:
        parser = parser_class(
            source,
            worksheet._shared_strings,
            data_only=True,
            epoch=book.epoch,
            date_formats=book._date_formats,
            timedelta_formats=book._timedelta_formats,
        )
        for number, cells in parser.parse():
            if row_limit is not None and number > row_limit:
                break
            while len(rows) < number - 1:
                rows.append([])
            line: list[Any] = []
            for cell in cells:
                line.extend([None] * (cell["column"] - 1 - len(line)))
                line.append(cell["value"])
            rows.append(line)
        merged = getattr(parser, "merged_cells", None)
    merges = [_bounds(str(ref)) for ref in getattr(merged, "mergeCell", [])] if merged else []
    return Grid(name, rows, merges)


def _bounds(ref: str) -> Merge:
    from openpyxl.utils.cell import range_boundaries

    first_column, first_row, last_column, last_row = range_boundaries(ref.split()[0] if " " in ref else ref)
    return (first_row or 1, first_column or 1, last_row or 1, last_column or 1)


def _cell_reader(book: Any) -> Any:
    """openpyxl's sheet parser, reading uncalculated formulas and zero-padded
    numbers as a person sees them."""
    from openpyxl.styles.numbers import BUILTIN_FORMATS
    from openpyxl.worksheet._reader import FORMULA_TAG, WorkSheetParser

    padded: dict[int, int] = {}
    for style_id, style in enumerate(book._cell_styles):
        number_format = BUILTIN_FORMATS.get(style.numFmtId)
        if number_format is None and style.numFmtId >= 164:
            formats = book._number_formats
            index = style.numFmtId - 164
            number_format = formats[index] if index < len(formats) else None
        if number_format and re.fullmatch(r"0{2,}", number_format):
            padded[style_id] = len(number_format)

    class CellReader(WorkSheetParser):
        def parse_cell(self, element: Any) -> dict[str, Any]:
            cell: dict[str, Any] = super().parse_cell(element)
            if cell["value"] is None and element.find(FORMULA_TAG) is not None:
                formula = element.find(FORMULA_TAG).text or ""
                cell["value"] = UnreadableCell(
                    f"={formula}",
                    "is a formula with no saved value (open the file in Excel, save it, and import again)",
                )
            elif cell["style_id"] in padded and isinstance(cell["value"], int):
                cell["value"] = str(cell["value"]).zfill(padded[cell["style_id"]])
            return cell

    return CellReader


# --- OpenDocument spreadsheets ---------------------------------------------------------------

_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_REPEAT_LIMIT = 1000
"""A repeated empty row or cell (LibreOffice pads sheets to 1,048,576 rows) is
kept only this many times: beyond that it is padding, not data."""


def _ods_grids(path: Path, row_limit: int | None, only: str | None = None) -> Iterator[Grid]:
    try:
        archive = zipfile.ZipFile(path)
        content = archive.open("content.xml")
    except (zipfile.BadZipFile, KeyError, OSError) as error:
        raise UnreadableFile(path, f"is not a readable .ods spreadsheet ({error})") from None
    with archive, content:
        grid: Grid | None = None
        row: list[Any] = []
        for event, element in iterparse(content, events=("start", "end")):
            tag = element.tag
            if event == "start" and tag == f"{{{_TABLE}}}table":
                grid = Grid(element.get(f"{{{_TABLE}}}name", ""), [])
            elif event != "end" or grid is None:
                continue
            elif tag == f"{{{_TABLE}}}table-cell" or tag == f"{{{_TABLE}}}covered-table-cell":
                _ods_cell(element, grid, row)
            elif tag == f"{{{_TABLE}}}table-row":
                _ods_row(element, grid, row, row_limit)
                row = []
                element.clear()
            elif tag == f"{{{_TABLE}}}table":
                if only is None or grid.name == only:
                    yield grid
                grid = None
        if only is not None:
            raise UnreadableFile(path, f"has no sheet {only!r}")


def _ods_cell(element: Any, grid: Grid, row: list[Any]) -> None:
    repeat = min(int(element.get(f"{{{_TABLE}}}number-columns-repeated", "1")), _REPEAT_LIMIT)
    value = _ods_value(element)
    spans_rows = int(element.get(f"{{{_TABLE}}}number-rows-spanned", "1"))
    spans_columns = int(element.get(f"{{{_TABLE}}}number-columns-spanned", "1"))
    if spans_rows > 1 or spans_columns > 1:
        first_row, first_column = len(grid.rows) + 1, len(row) + 1
        grid.merges.append(
            (first_row, first_column, first_row + spans_rows - 1, first_column + spans_columns - 1)
        )
    row.extend([value] * repeat)


def _ods_row(element: Any, grid: Grid, row: list[Any], row_limit: int | None) -> None:
    if row_limit is not None and len(grid.rows) >= row_limit:
        return
    while row and row[-1] is None:
        row.pop()
    repeat = int(element.get(f"{{{_TABLE}}}number-rows-repeated", "1"))
    grid.rows.extend(list(row) for _ in range(min(repeat, _REPEAT_LIMIT if not row else repeat)))


def _ods_value(element: Any) -> Any:
    kind = element.get(f"{{{_OFFICE}}}value-type")
    if kind in ("float", "currency", "percentage"):
        number = float(element.get(f"{{{_OFFICE}}}value", "0"))
        return int(number) if number.is_integer() else number
    if kind == "date":
        text = element.get(f"{{{_OFFICE}}}date-value", "")
        return datetime.fromisoformat(text) if "T" in text else date.fromisoformat(text)
    if kind == "boolean":
        return element.get(f"{{{_OFFICE}}}boolean-value") == "true"
    paragraphs = ["".join(p.itertext()) for p in element.iter(f"{{{_TEXT}}}p")]
    return "\n".join(paragraphs) if paragraphs else None
