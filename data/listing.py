"""The listing: every record without its long texts and updates, for `tracker
list` and the TUI's registers; and the text index, for free words.

Listing, sorting and filtering on fields touch a record's short fields only, yet
the full load cache holds every description and update: at 50,000 issues it is
108 MB, and parsing it was most of a `tracker list`. The listing keeps the short
fields as one row (a tuple) per record in `.tracker/listing.pickle` (7 MB at
50,000 issues, loaded in about a tenth of the time), and a query parsed with
`row_access` reads the rows by position, so documents are made only for the
records it matches. `shape="texts"` keeps instead each record's searchable text
(`data.query.haystack_of`), packed into one block of UTF-8 after a pickled
header in `texts.pickle` (`data.packed_texts`), so that a free word is one
byte search over the block, and reading the index is reading one file.

Both are refreshed the way the load cache is (from `git diff` between the tree
they were built from and HEAD, plus the dirty paths; written back only after a
large refresh), and rebuilt from the full load when missing, damaged, foreign
or from another Python. Rows are stored in chunks, each read with an unpickler
that refuses every class, so a file can only ever hold lists, tuples, dicts,
text, numbers and None: a planted file cannot run code; packed texts whose
offsets do not fill the file exactly are rebuilt, not believed.
"""

from __future__ import annotations

import heapq
import io
import mmap
import pickle
import sys
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import Any, cast

from data.files import id_from_path, keep_cache_file, open_state_file
from data.first_page import FIRST_PAGE_ROWS, kept_from, write_first_page
from data.git import Git
from data.kinds import KINDS, of_record
from data.load import (
    CACHE_FILE,
    RECORD_FOLDERS,
    REWRITE_AFTER,
    STATE_DIR,
    Loaded,
    _apply_from_disk,
    _collector_paused,
    _from_blobs,
    folders_to_look_in,
    load_cached,
    load_register,
    state_folder_trusted,
)
from data.packed_texts import PackedTexts
from data.query import Access, Query, haystack_of

LISTING_FILE = "listing.pickle"
LISTING_FILES = {"rows": LISTING_FILE, "texts": "texts.pickle"}
LISTING_VERSION = (5, sys.version_info[:2])
LONG_FIELDS: dict[str, tuple[str, ...]] = {
    kind.table: (*kind.names(long=True), *kind.names("updates")) for kind in KINDS.values()
}
FIELDS: dict[str, tuple[str, ...]] = {
    kind.table: tuple(name for name in kind.fields() if name not in LONG_FIELDS[kind.table])
    for kind in KINDS.values()
}
Row = tuple[Any, ...]


def entry_of(shape: str, table: str, document: dict[str, Any]) -> Any:
    """A record as a listing of `shape` keeps it: its row, or its searchable text."""
    return row_of(table, document) if shape == "rows" else haystack_of(document)


def row_of(table: str, document: dict[str, Any]) -> Row:
    """A record's short fields in the table's order, short words shared."""
    intern = sys.intern
    return tuple(
        [
            intern(value) if type(value) is str and len(value) <= 40 else value
            for value in map(document.get, FIELDS[table])
        ]
    )


def newest_first(table: str) -> Callable[[Row], Any]:
    """The registers' default order as a sort key (sort with `reverse=True`):
    the latest logged first, then by ID, so the order is the same in every
    process (the first page's rows must be the first rows the TUI shows)."""
    names = FIELDS[table]
    kind = next(kind for kind in KINDS.values() if kind.table == table)
    return itemgetter(names.index(kind.raised_on), 0)


def in_default_order(table: str, rows: Iterable[Row]) -> list[Row]:
    """Rows newest first (`newest_first`); a row without a date goes last."""
    key = newest_first(table)
    try:
        return sorted(rows, key=key, reverse=True)
    except TypeError:  # a date missing: None cannot be compared with text
        return sorted(rows, key=lambda row: tuple(value or "" for value in key(row)), reverse=True)


def as_documents(table: str, rows: Iterable[Row]) -> list[dict[str, Any]]:
    """Rows of a table as documents of their short fields."""
    names = FIELDS[table]
    return [dict(zip(names, row, strict=True)) for row in rows]


def row_access(table: str) -> Access:
    """Query fields read from a listing's rows by position (`operator.itemgetter`,
    in C): pass to `data.query.parse` to filter rows without making documents."""
    index = {name: place for place, name in enumerate(FIELDS[table])}

    def access(name: str) -> Callable[[Any], Any]:
        place = index.get(name)
        return itemgetter(place) if place is not None else _nothing

    return access


def _nothing(row: Row) -> None:
    return None


class TextIndex:
    """Every record's searchable text, loaded on first use and refreshed when the
    register's HEAD has moved; safe to share between worker threads."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._lock = threading.Lock()
        self._texts: Listing | None = None
        self._head: str | None = None

    def texts(self, table: str, head: str | None) -> Mapping[str, str]:
        with self._lock:
            if self._texts is None or head != self._head:
                self._texts = load_listing(self.root, Git(self.root), "texts", self._texts)
                self._head = head
            return self._texts.rows[table]


@dataclass
class Listing:
    """Per record, by table and ID: its row of short fields (`shape="rows"`) or
    its searchable text (`shape="texts"`). `changed` names the records `put`
    since loading, in order, so a reader can follow a write cheaply."""

    rows: dict[str, dict[str, Any]] = field(default_factory=lambda: {name: {} for name in RECORD_FOLDERS})
    problems: dict[str, str] = field(default_factory=dict)
    tree: str | None = None
    overlay: list[str] = field(default_factory=list)
    source: str = "cache"
    folders: dict[str, int] = field(default_factory=dict)
    shape: str = "rows"
    changed: list[str] = field(default_factory=list)
    settled: int = 0
    """How many of `changed` there were when the listing last matched the files
    as loaded (`load_listing`): any more, and it holds writes since."""

    def matching(
        self, table: str, query: Query, texts: Mapping[str, str] | None = None
    ) -> list[dict[str, Any]]:
        """The records (short fields only) that match `query`, as documents. The
        query must have been parsed with `row_access(table)`; its free words are
        looked for in `texts` (a texts listing's)."""
        if query.needs_text and texts is None:
            raise ValueError("a query with free words needs the texts listing")
        test = query.fields
        words = query.matching_words(texts) if texts is not None and query.words else None
        rows = self.rows[table]
        if words is None:
            chosen = [row for row in rows.values() if test(row)]
        else:
            chosen = [row for record_id, row in rows.items() if words(record_id) and test(row)]
        return as_documents(table, chosen)

    def documents(self, table: str) -> list[dict[str, Any]]:
        """Every record of a table (short fields only), as documents."""
        return as_documents(table, self.rows[table].values())

    def put(self, documents: Iterable[dict[str, Any]]) -> None:
        """Records as they are being written (validated already): the listing in
        memory follows a write without reading the register again."""
        for document in documents:
            record_id = document["id"]
            table = of_record(record_id).table
            self.rows[table][record_id] = entry_of(self.shape, table, document)
            self.changed.append(record_id)

    def _reread(self, root: Path, relative: str) -> None:
        scratch = Loaded()
        _apply_from_disk(scratch, root, relative)
        table, record_id = relative.split("/")[0], id_from_path(relative)
        self.problems.pop(relative, None)
        if record_id is not None and table in self.rows:
            self.rows[table].pop(record_id, None)
        if relative in scratch.problems:
            self.problems[relative] = scratch.problems[relative]
        for name, documents in scratch.tables.items():
            for record_id, document in documents.items():
                self.rows[name][record_id] = entry_of(self.shape, name, document)


def _from_loaded(loaded: Loaded, shape: str) -> Listing:
    rows = {
        name: {key: entry_of(shape, name, doc) for key, doc in docs.items()}
        for name, docs in loaded.tables.items()
    }
    return Listing(
        rows, dict(loaded.problems), loaded.tree, list(loaded.overlay), "rebuilt", dict(loaded.folders), shape
    )


class _PlainUnpickler(pickle.Unpickler):
    """Builds only lists, tuples, dicts, text, numbers and None: any class or
    function named in the file is refused, so the file cannot run code."""

    def find_class(self, module: str, name: str) -> Any:
        raise pickle.UnpicklingError(f"the listing may not name {module}.{name}")


_UNREADABLE = (
    OSError,
    pickle.UnpicklingError,
    EOFError,
    ValueError,
    TypeError,
    KeyError,
    IndexError,
    MemoryError,
    RecursionError,
)
CHUNK = 4096
"""Rows are stored in pickles of this many: each is one call that holds Python's
lock (about 10 ms), so a TUI loading the listing in a worker never stalls its
screen for the whole file's 0.1 to 0.3 s."""


def _plain_load(raw: bytes) -> Any:
    return _PlainUnpickler(io.BytesIO(raw)).load()


def _read(path: Path, shape: str) -> Listing | None:
    try:
        handle = open_state_file(path)
        if handle is None:
            return None
        with handle:  # unpickled from the file itself: its bytes are never all in memory at once
            data = _PlainUnpickler(handle).load()
            if data["version"] != LISTING_VERSION or data["shape"] != shape or data["fields"] != FIELDS:
                return None
            rows: dict[str, Any]
            if shape == "rows":
                stored = {
                    name: [entry for chunk in data["rows"][name] for entry in _plain_load(chunk)]
                    for name in RECORD_FOLDERS
                }
            else:
                # The packed texts after the header are mapped, not read: pages
                # come into memory only as a free word is searched for, and the
                # kernel may drop them again. (Tracker replaces the file by
                # renaming a new one over it, so the mapped one never changes.)
                block = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
                rows = _unpacked(block, handle.tell(), data["rows"])
    except (*_UNREADABLE, AttributeError):
        return None
    try:
        if shape == "rows":
            rows = {name: {row[0]: row for row in stored[name]} for name in RECORD_FOLDERS}
            if not all(_well_formed(name, rows[name]) for name in RECORD_FOLDERS):
                return None
        folders = {str(key): int(value) for key, value in data["folders"].items()}
        tree, overlay = data["tree"], [str(path) for path in data["overlay"]]
        if tree is not None and not isinstance(tree, str):
            return None
        problems = {str(path): str(reason) for path, reason in data["problems"].items()}
        return Listing(rows, problems, tree, overlay, folders=folders, shape=shape)
    except (KeyError, TypeError, IndexError, AttributeError, ValueError):  # any other shape: rebuilt
        return None


def _unpacked(raw: bytes | mmap.mmap, start: int, stored: dict[str, Any]) -> dict[str, Any]:
    """Each table's packed texts, which follow the header in the file in the
    tables' order; ValueError when they do not fill it exactly."""
    tables, position = {}, start
    for name in RECORD_FOLDERS:
        ids, offsets, length = stored[name]
        tables[name] = PackedTexts.unpacked(raw, position, ids, offsets)
        position += int(length)
    if position != len(raw):
        raise ValueError("the packed texts do not fill the file")
    return tables


def _well_formed(table: str, rows: dict[str, Row]) -> bool:
    """Every row a tuple of the table's fields, keyed by its ID as text. (An ID
    is checked against its pattern where it could become a path:
    `data.files.relative_path`; checking 50,000 here would cost 30 ms a load.)"""
    width = len(FIELDS[table])
    return all(type(key) is str and type(row) is tuple and len(row) == width for key, row in rows.items())


def _stored(path: Path, listing: Listing) -> None:
    """Write the listing; rows are first put in the default order (in memory
    too), so that a reader seldom has to sort them, and when the listing holds
    exactly its tree the first page is written from them."""
    if listing.shape != "rows":
        _write(path, listing)
        return
    ordered = {name: in_default_order(name, rows.values()) for name, rows in listing.rows.items()}
    listing.rows = {name: {row[0]: row for row in rows} for name, rows in ordered.items()}
    _write(path, listing)
    if listing.tree and listing.folders and not listing.overlay and len(listing.changed) == listing.settled:
        totals = {name: len(rows) for name, rows in ordered.items()}
        write_first_page(path.parent.parent, listing.tree, listing.folders, FIELDS, ordered, totals)


def _write(path: Path, listing: Listing) -> None:
    """The listing's file: one pickle; for texts, a pickled header followed by
    each table's packed texts (`data.packed_texts`)."""
    blocks: list[bytes] = []
    stored: dict[str, Any] = {}
    for name in RECORD_FOLDERS:
        rows = listing.rows[name]
        if listing.shape == "rows":
            stored[name] = _chunks(list(rows.values()))
            continue
        packed = rows if isinstance(rows, PackedTexts) else PackedTexts.of(rows.items())
        ids, offsets, block = packed.packed()
        stored[name] = (ids, offsets, len(block))
        blocks.append(block)
    payload = {
        "version": LISTING_VERSION,
        "shape": listing.shape,
        "fields": FIELDS,
        "tree": listing.tree,
        "overlay": listing.overlay,
        "folders": listing.folders,
        "problems": listing.problems,
        "rows": stored,
    }
    keep_cache_file(path, [pickle.dumps(payload, protocol=5), *blocks])


def keep_first_page(root: Path, git: Git, listing: Listing) -> None:
    """Write the first page from a rows listing just loaded, unless the one kept
    was built from the same tree and folders already: the listing file itself
    is written again only after a large refresh, but the first page should
    follow every commit. Nothing is written for a listing with a record file
    dirty, or one changed in memory since it was loaded or refreshed. (A listing refreshed
    from an older tree names among the files it read from disk the new
    commits' files too, from folders that changed: git says whether they are
    clean.)"""
    if listing.shape != "rows" or not listing.tree or len(listing.changed) != listing.settled:
        return
    if len(listing.overlay) > REWRITE_AFTER:
        return
    if listing.overlay and (git.head_tree() != listing.tree or git.dirty_paths(*listing.overlay)):
        return
    kept = kept_from(root)
    if kept is not None and kept[0] == listing.tree and folders_to_look_in(kept[1], listing.folders) == []:
        return  # the page kept still holds
    if not state_folder_trusted(root, git):
        return
    first = {
        name: heapq.nlargest(FIRST_PAGE_ROWS, rows.values(), key=newest_first(name))
        for name, rows in listing.rows.items()
    }
    totals = {name: len(rows) for name, rows in listing.rows.items()}
    write_first_page(root, listing.tree, listing.folders, FIELDS, first, totals)


def _rebuilt(root: Path, git: Git, shape: str, head_tree: str | None) -> Listing:
    """A listing made anew: from the full load cache when there is one (it is
    refreshed as usual); with no cache at all, from git's blobs in one pass that
    keeps both shapes of each record and never all of its documents at once
    (at 50,000 records those take 500 MB), writing the other shape too."""
    if (root / STATE_DIR / CACHE_FILE).is_file() or not head_tree:
        full = load_register(root, git)
        with _collector_paused():
            return _from_loaded(full, shape)
    with _collector_paused():
        both = _from_blobs(
            git, head_tree, lambda table, document: (row_of(table, document), haystack_of(document))
        )
    made = {
        kind: Listing(
            {
                table: {key: cast(tuple[Row, str], pair)[place] for key, pair in entries.items()}
                for table, entries in both.tables.items()
            },
            dict(both.problems),
            head_tree,
            [],
            "rebuilt",
            {},
            kind,
        )
        for place, kind in enumerate(("rows", "texts"))
    }
    other = "texts" if shape == "rows" else "rows"
    if state_folder_trusted(root, git):
        _stored(root / STATE_DIR / LISTING_FILES[other], made[other])
    return made[shape]


def _chunks(entries: list[Any]) -> list[bytes]:
    return [
        pickle.dumps(entries[start : start + CHUNK], protocol=5) for start in range(0, len(entries), CHUNK)
    ]


def load_listing(root: Path, git: Git, shape: str = "rows", previous: Listing | None = None) -> Listing:
    """Every record's short fields (or, `shape="texts"`, searchable text) as they
    are on disk now, using and refreshing `.tracker/listing.pickle` (or
    `texts.pickle`), rebuilt from the full load when it cannot be used.
    `previous`, a listing of the same shape already in memory, is refreshed
    instead of reading the file again."""
    path = root / STATE_DIR / LISTING_FILES[shape]

    def read() -> Listing | None:
        return previous if previous is not None and previous.shape == shape else _read(path, shape)

    listing = load_cached(
        root,
        git,
        read,
        lambda head_tree: _rebuilt(root, git, shape, head_tree),
        lambda listing: listing.rows,
        lambda listing, relative: listing._reread(root, relative),
        lambda listing: _stored(path, listing),
    )
    listing.settled = len(listing.changed)
    return listing
