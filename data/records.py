"""The record store: every record's whole document, read one at a time.

Exports need whole records (descriptions, updates), but parsing the load cache
(`data.load`, 108 MB at 50,000 issues) builds every document of the register
at once: 2 s and half a gigabyte before the first line of a report. The store
keeps the same validated documents in `.tracker/records.bin`, each as its own
JSON text, behind a small index: per record its place in the file and the
names it holds (`data.people.names_in`), so the publication gate learns every
name without reading a document, and a reader parses only the records it
asks for, one at a time, keeping none of them.

The file is a header (a pickle of lists, dicts, text and numbers, read with
the listing's unpickler that refuses every class) followed by the documents.
It is refreshed and trusted exactly as the load cache and the listing are
(`data.load.load_cached`: from `git diff` between the tree it was built from
and HEAD, plus the dirty paths; rebuilt when missing, damaged or foreign, never
used when git tracks it or it is a link). Records read again in this process
are kept in memory until the file is written back. The open file is held while
the store is in use, so a store written by another process meanwhile cannot
mix its documents into this one's.
"""

from __future__ import annotations

import itertools
import os
import pickle
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import repeat
from operator import add, itemgetter
from pathlib import Path
from typing import Any, BinaryIO, cast

import orjson

from data.errors import DamagedFile
from data.files import id_from_path, keep_cache_file, open_state_file, printable_path, table_of
from data.git import Git
from data.listing import _UNREADABLE, FIELDS, Row, _plain_load, as_documents, row_of
from data.load import (
    CACHE_FILE,
    RECORD_FOLDERS,
    STATE_DIR,
    Loaded,
    _apply_from_disk,
    _collector_paused,
    _from_blobs,
    load_cached,
    load_register,
)
from data.people import names_in

RECORDS_FILE = "records.bin"
MAGIC = b"TRKREC\x00\x01"
VERSION = (2, sys.version_info[:2])
_HEADER_LENGTH = 8
Names = tuple[str, ...]


Stored = tuple[Row, Names, bytes]


def stored_form(table: str, document: dict[str, Any]) -> Stored:
    """What the store keeps of a validated record: its listing row, its names
    and its JSON."""
    names = tuple(sorted(sys.intern(name) for name in names_in(document)))
    return row_of(table, document), names, orjson.dumps(document)


def _tables() -> dict[str, dict[str, Any]]:
    return {name: {} for name in RECORD_FOLDERS}


@dataclass
class RecordStore:
    """Every valid record by table and ID: its short fields (`rows`, as the
    listing keeps them: `data.listing.row_of`), the names it holds (`names`),
    and where its document is: in the open file (`located`, offset and length)
    or, read again in this process, in memory (`loose`). `changes` counts the
    records put or forgotten since it was loaded."""

    rows: dict[str, dict[str, Row]] = field(default_factory=_tables)
    names: dict[str, dict[str, Names]] = field(default_factory=_tables)
    located: dict[str, tuple[int, int]] = field(default_factory=dict)
    loose: dict[str, bytes] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)
    tree: str | None = None
    overlay: list[str] = field(default_factory=list)
    source: str = "cache"
    folders: dict[str, int] = field(default_factory=dict)
    file: BinaryIO | None = None
    changes: int = 0

    def listed(self, table: str) -> list[dict[str, Any]]:
        """Every record of a table with its short fields only, as documents."""
        return as_documents(table, self.rows[table].values())

    def encoded(self, record_id: str) -> bytes | None:
        """A record's document as JSON, or None when the store holds no such record."""
        if record_id in self.loose:
            return self.loose[record_id]
        place = self.located.get(record_id)
        if place is None or self.file is None:
            return None
        return os.pread(self.file.fileno(), place[1], place[0])

    def documents(self, ids: Iterable[str]) -> Iterator[dict[str, Any]]:
        """The whole documents of these records, one at a time, in the order
        asked (records the store does not hold are skipped)."""
        ahead = _ReadAhead(self)
        for record_id in ids:
            raw: bytes | memoryview | None = self.loose.get(record_id)
            if raw is None:
                raw = ahead.read(record_id)
            if raw is None:
                continue
            try:
                document = orjson.loads(raw)
            except orjson.JSONDecodeError:
                document = None
            if not isinstance(document, dict) or document.get("id") != record_id:
                raise DamagedFile(
                    Path(STATE_DIR) / RECORDS_FILE,
                    f"holds a damaged entry for {record_id}; delete the file and Tracker builds it again",
                )
            yield document

    def people(self) -> set[str]:
        """Every name any record holds in a name field or an update's author."""
        found: set[str] = set()
        for table in self.names.values():
            for names in table.values():
                found.update(names)
        return found

    def close(self) -> None:
        if self.file is not None:
            self.file.close()
            self.file = None

    def put(self, table: str, record_id: str, stored: Stored) -> None:
        self.rows[table][record_id], self.names[table][record_id], self.loose[record_id] = stored
        self.changes += 1

    def forget(self, table: str, record_id: str) -> None:
        self.rows[table].pop(record_id, None)
        self.names[table].pop(record_id, None)
        self.loose.pop(record_id, None)
        self.located.pop(record_id, None)
        self.changes += 1

    def reread(self, root: Path, relative: str) -> None:
        """Put one record file's content in as it is on disk now."""
        scratch = Loaded()
        _apply_from_disk(scratch, root, relative)
        record_id = id_from_path(relative)
        self.problems.pop(printable_path(relative), None)
        if record_id is not None:
            self.forget(table_of(record_id), record_id)
        self.problems.update(scratch.problems)
        for table, documents in scratch.tables.items():
            for key, document in documents.items():
                self.put(table, key, stored_form(table, document))


READ_AHEAD = 1 << 20
"""Records asked for in the order the file holds them (an export's) are read a
mebibyte at a time; a record asked for out of that order is read alone."""


class _ReadAhead:
    """Reads records' documents from a store's file, a block at a time while
    they are asked for in the file's order."""

    def __init__(self, store: RecordStore):
        self.store = store
        self.block = memoryview(b"")
        self.start = 0
        self.end: int | None = None

    def read(self, record_id: str) -> memoryview | None:
        place = self.store.located.get(record_id)
        if place is None or self.store.file is None:
            return None
        offset, length = place
        inside = offset - self.start
        if inside < 0 or inside + length > len(self.block):
            following = self.end is None or self.end <= offset < self.end + READ_AHEAD
            size = max(length, READ_AHEAD) if following else length
            self.block = memoryview(os.pread(self.store.file.fileno(), size, offset))
            self.start, inside = offset, 0
        self.end = offset + length
        return self.block[inside : inside + length]


def _read(path: Path) -> RecordStore | None:
    handle = open_state_file(path)
    if handle is None:
        return None
    try:
        store = _read_header(handle)
    except (*_UNREADABLE, AttributeError, OverflowError):
        store = None
    if store is None:
        handle.close()
    return store


def _read_header(handle: BinaryIO) -> RecordStore | None:
    start = handle.read(len(MAGIC) + _HEADER_LENGTH)
    if start[: len(MAGIC)] != MAGIC or len(start) != len(MAGIC) + _HEADER_LENGTH:
        return None
    length = int.from_bytes(start[len(MAGIC) :], "little")
    data = _plain_load(handle.read(length))
    if data["version"] != VERSION:
        return None
    body = len(start) + length
    size = os.fstat(handle.fileno()).st_size
    store = RecordStore(file=handle)
    for table in RECORD_FOLDERS:
        ids, offsets, lengths, names, rows = data["tables"][table]
        if not _well_formed(table, ids, offsets, lengths, names, rows, size - body):
            return None
        store.rows[table] = dict(zip(ids, rows, strict=True))
        store.names[table] = dict(zip(ids, names, strict=True))
        store.located.update(
            zip(ids, zip(map(add, offsets, repeat(body)), lengths, strict=True), strict=True)
        )
    tree = data["tree"]
    if tree is not None and not isinstance(tree, str):
        return None
    store.tree, store.overlay = tree, [str(path) for path in data["overlay"]]
    store.folders = {str(key): int(value) for key, value in data["folders"].items()}
    store.problems = {str(path): str(reason) for path, reason in data["problems"].items()}
    return store


def _well_formed(
    table: str,
    ids: list[Any],
    offsets: list[Any],
    lengths: list[Any],
    names: list[Any],
    rows: list[Any],
    body: int,
) -> bool:
    """Every entry an ID (text) with its place inside the body, its names and
    its listing row of the table's width, holding that ID first. (Checked a
    column at a time in C: a check per record in Python costs 50 ms a load.)"""
    if not len(ids) == len(offsets) == len(lengths) == len(names) == len(rows):
        return False
    if not ids:
        return True
    if set(map(type, ids)) != {str} or set(map(type, names)) != {tuple} or set(map(type, rows)) != {tuple}:
        return False
    if set(map(type, offsets)) != {int} or set(map(type, lengths)) != {int}:
        return False
    if min(offsets) < 0 or min(lengths) < 0 or max(map(add, offsets, lengths)) > body:
        return False
    return set(map(len, rows)) == {len(FIELDS[table])} and list(map(itemgetter(0), rows)) == ids


def _write(path: Path, store: RecordStore) -> None:
    """Write the store out whole, then read its documents from the new file."""
    tables: dict[str, tuple[list[str], list[int], list[int], list[Names], list[Row]]] = {}
    order: list[str] = []
    offset = 0
    for table, held in store.names.items():
        ids, offsets, lengths = list(held), [], []
        rows = store.rows[table]
        for record_id in ids:
            place = store.located.get(record_id)
            length = place[1] if place is not None else len(store.loose[record_id])
            offsets.append(offset)
            lengths.append(length)
            offset += length
        tables[table] = (ids, offsets, lengths, list(held.values()), [rows[record_id] for record_id in ids])
        order += ids
    header = pickle.dumps(
        {
            "version": VERSION,
            "tree": store.tree,
            "overlay": store.overlay,
            "folders": store.folders,
            "problems": store.problems,
            "tables": tables,
        },
        protocol=5,
    )
    start = MAGIC + len(header).to_bytes(_HEADER_LENGTH, "little") + header
    documents = (store.encoded(record_id) or b"" for record_id in order)
    if not keep_cache_file(path, itertools.chain([start], documents)):
        return
    written = _read(path)
    if written is not None:
        store.close()
        store.file, store.located, store.loose = written.file, written.located, {}


def _rebuilt(root: Path, git: Git, head_tree: str | None) -> RecordStore:
    """The store made anew: from the load cache when there is one (refreshed
    as usual), otherwise from git's blobs, one record at a time."""
    store = RecordStore(source="rebuilt", tree=head_tree)
    if (root / STATE_DIR / CACHE_FILE).is_file() or not head_tree:
        loaded = load_register(root, git)
        store.tree, store.overlay, store.folders = loaded.tree, list(loaded.overlay), dict(loaded.folders)
        with _collector_paused():
            for table, documents in loaded.tables.items():
                for record_id, document in documents.items():
                    store.put(table, record_id, stored_form(table, document))
    else:
        with _collector_paused():
            loaded = _from_blobs(git, head_tree, stored_form)
        for table, entries in loaded.tables.items():
            for record_id, stored in entries.items():
                store.put(table, record_id, cast(Stored, stored))
    store.problems = dict(loaded.problems)
    return store


def load_records(root: Path, git: Git) -> RecordStore:
    """Every record of the register as it is on disk now, ready to be read one
    at a time, using and refreshing `.tracker/records.bin`."""
    path = root / STATE_DIR / RECORDS_FILE
    return load_cached(
        root,
        git,
        lambda: _read(path),
        lambda head_tree: _rebuilt(root, git, head_tree),
        lambda store: store.rows,
        lambda store, relative: store.reread(root, relative),
        lambda store: _write(path, store),
    )
