"""The first page: each register's top rows in the default order, kept beside the
listing in `.tracker/first-page.json`, so that the TUI paints rows before it has
read the listing of 55,000 records.

A first page is written only from a listing that holds exactly one commit's tree
with no record file changed on disk, and it keeps what it was built from: that
tree, the record folders' stamp (`data.load.folder_stamp`), the register's
folder, the listing's fields and a format version. It is shown only while all
of that still holds: HEAD has the same tree, git reports no record file changed
in the index or the working tree, no record folder changed since (a file added
or removed changes its folder's time), and the file is Tracker's own (the
`.tracker/` trust rules: a plain file owned by the user, no link, not committed
to git, small) and of the expected shape. Otherwise the TUI simply waits for
the listing. The page is a picture of rows and nothing more: no record is
opened or written from it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import orjson

from data.files import keep_cache_file, read_state_file
from data.git import Git
from data.ids import is_record_id
from data.load import RECORD_FOLDERS, STATE_DIR, folder_stamp, folders_to_look_in, start_trust_check

FIRST_PAGE_FILE = "first-page.json"
FIRST_PAGE_VERSION = 1
FIRST_PAGE_ROWS = 120
"""Rows kept per register: more than the tallest terminal shows at once."""
FIRST_PAGE_MAX_BYTES = 1_000_000
"""A larger file is not a first page Tracker wrote (120 rows of short fields)."""

Row = tuple[Any, ...]
Fields = dict[str, tuple[str, ...]]


@dataclass(frozen=True)
class FirstPage:
    """Per table, its first rows in the default order and how many records it holds."""

    tree: str
    rows: dict[str, list[Row]]
    totals: dict[str, int]


def first_page_path(root: Path) -> Path:
    return root / STATE_DIR / FIRST_PAGE_FILE


def write_first_page(
    root: Path,
    tree: str,
    folders: dict[str, int],
    fields: Fields,
    first: Mapping[str, Sequence[Row]],
    totals: dict[str, int],
) -> None:
    """Keep each table's first rows in the default order (`first`, at least
    `FIRST_PAGE_ROWS` of them when it has that many) and its number of records,
    as built from `tree` with the record folders as `folders` stamped them.
    Call only for a listing with no record file dirty, in a trusted `.tracker/`."""
    payload = {
        "version": FIRST_PAGE_VERSION,
        "register": str(root.resolve()),
        "tree": tree,
        "folders": folders,
        "fields": fields,
        "totals": totals,
        "rows": {table: list(rows[:FIRST_PAGE_ROWS]) for table, rows in first.items()},
    }
    path = first_page_path(root)
    try:
        content = orjson.dumps(payload)
    except (TypeError, orjson.JSONEncodeError):  # not a page Tracker can keep: the TUI waits for the listing
        return
    keep_cache_file(path, [content])


def kept_from(root: Path) -> tuple[str, dict[str, int]] | None:
    """The tree and folder stamp the stored first page was built from, if any, so
    a caller can tell whether it needs writing again."""
    raw = read_state_file(first_page_path(root), FIRST_PAGE_MAX_BYTES)
    try:
        data = orjson.loads(raw) if raw is not None else None
        if not isinstance(data, dict):
            return None
        return str(data["tree"]), {str(folder): int(moved) for folder, moved in data["folders"].items()}
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError):
        return None


def start_reading_first_page(root: Path, git: Git, fields: Fields) -> Callable[[], FirstPage | None]:
    """Start the checks (git stats the work tree on another core) and return what
    gives the first page, or None when there is none fit to show."""
    if not first_page_path(root).is_file():  # none kept (a fresh clone): git need not look
        return lambda: None
    changed = git.start_changed_paths(*RECORD_FOLDERS)
    trusted = start_trust_check(root, git)
    tree = git.start("rev-parse", "--verify", "--quiet", "HEAD^{tree}", check=False)

    def read() -> FirstPage | None:
        raw = read_state_file(first_page_path(root), FIRST_PAGE_MAX_BYTES)
        page = _parsed(raw, root, fields) if raw is not None else None
        if page is None or not trusted():
            return None
        stored, folders = page
        if tree.result().stdout.decode().strip() != stored.tree or changed():
            return None
        if folders_to_look_in(folders, folder_stamp(root)) != []:
            return None
        return stored

    return read


def _parsed(raw: bytes, root: Path, fields: Fields) -> tuple[FirstPage, dict[str, int]] | None:
    """The page and its folder stamp, when the file is a first page of this
    register in this format; None for anything else."""
    try:
        data = orjson.loads(raw)
        if not isinstance(data, dict) or data.get("version") != FIRST_PAGE_VERSION:
            return None
        if data["register"] != str(root.resolve()) or not isinstance(data["tree"], str):
            return None
        if {table: tuple(names) for table, names in data["fields"].items()} != fields:
            return None
        folders = {str(folder): int(moved) for folder, moved in data["folders"].items()}
        totals = {table: data["totals"][table] for table in RECORD_FOLDERS}
        rows = {table: [tuple(row) for row in data["rows"][table]] for table in RECORD_FOLDERS}
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError):
        return None
    for table in RECORD_FOLDERS:
        total = totals[table]
        if type(total) is not int or not len(rows[table]) <= min(total, FIRST_PAGE_ROWS):
            return None
        if not all(_well_formed(row, fields[table]) for row in rows[table]):
            return None
    return FirstPage(data["tree"], rows, totals), folders


def _well_formed(row: Row, names: tuple[str, ...]) -> bool:
    """A row as the listing holds it: the table's fields, an ID, plain values,
    and its dates real dates (the TUI counts ages from them)."""
    if len(row) != len(names) or type(row[0]) is not str or not is_record_id(row[0]):
        return False
    if not all(_plain(value) for value in row):
        return False
    return all(_date_or_none(value) for name, value in zip(names, row, strict=True) if name.endswith("_on"))


def _plain(value: Any) -> bool:
    if isinstance(value, list):
        return all(type(item) is str for item in value)
    return value is None or type(value) in (str, bool, int, float)


def _date_or_none(value: Any) -> bool:
    if value is None:
        return True
    try:
        date.fromisoformat(value)
    except (TypeError, ValueError):
        return False
    return True
