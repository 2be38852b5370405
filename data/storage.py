"""TinyDB over one JSON file per record.

`RegisterStorage` is a TinyDB `Storage` (TinyDB's documented `read()` /
`write(data)` / `close()` contract): `read()` returns every record, loaded
through the load cache and kept in memory; writing saves only the records that
changed, each atomically, after validating all of them (so a bad record means
nothing is written). `RecordTable` is the TinyDB table that goes with it
(`TinyDB.table_class`): record IDs are its document IDs (`document_id_class`),
each record is inserted under its own ID, and it tells the storage which
documents an operation touched, so a save at 50,000 records costs one file, not
a comparison of them all.

That last part is the one place Tracker relies on TinyDB's internals: every
write of a TinyDB table runs through `Table._update_table(updater)`, which
`RecordTable` overrides. tests/test_storage_tinydb.py pins that behaviour, so a
TinyDB release that changes it fails the tests instead of writing the wrong
files.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import orjson
from tinydb import TinyDB
from tinydb.storages import Storage
from tinydb.table import Document, Table

from data.errors import InvalidRecord
from data.files import encode, relative_path, remove, write_many_atomic
from data.git import Git
from data.load import Loaded, load_register
from data.model import from_document, problems, to_document
from data.validation import ValidationError

Tables = dict[str, dict[str, dict[str, Any]]]


class _Touched(dict[str, Any]):
    """A table dict that remembers which keys an update wrote or removed, and
    hands out deep copies so that an update which fails validation leaves the
    records in memory as they were."""

    def __init__(self, data: dict[str, Any], touched: set[str]):
        super().__init__(data)
        self.touched = touched

    def __getitem__(self, key: str) -> Any:
        if key not in self.touched:
            self.touched.add(key)
            super().__setitem__(key, orjson.loads(orjson.dumps(super().__getitem__(key))))
        return super().__getitem__(key)

    def __setitem__(self, key: str, value: Any) -> None:
        self.touched.add(key)
        super().__setitem__(key, value)

    def __delitem__(self, key: str) -> None:
        self.touched.add(key)
        super().__delitem__(key)

    def pop(self, key: str, *default: Any) -> Any:
        self.touched.add(key)
        return super().pop(key, *default)

    def clear(self) -> None:
        self.touched.update(self)
        super().clear()


class RegisterStorage(Storage):
    """Records in memory, written back one file per changed record."""

    def __init__(self, root: Path, git: Git | None = None):
        self.root = root
        self.git = git or Git(root)
        self._loaded: Loaded | None = None
        self.written: list[str] = []

    @property
    def loaded(self) -> Loaded:
        if self._loaded is None:
            self._loaded = load_register(self.root, self.git)
        return self._loaded

    def reload(self) -> None:
        self._loaded = None

    def read(self) -> Tables:
        return self.loaded.tables

    def write(self, data: Mapping[str, Mapping[str, Any]]) -> None:
        """TinyDB's whole-database write: save the records that are new, replaced
        or gone, comparing with what is in memory."""
        tables = self.loaded.tables
        for name, table in tables.items():
            incoming = data.get(name, {})
            changed = {key for key, doc in incoming.items() if table.get(key) is not doc}
            changed |= set(table) - set(incoming)
            self.save(name, dict(incoming), changed)

    def save(self, name: str, table: dict[str, Any], touched: set[str]) -> None:
        """Validate the touched documents, then write or remove their files."""
        current = self.loaded.tables[name]
        ready: dict[str, dict[str, Any] | None] = {}
        for record_id in sorted(touched):
            document = table.get(record_id)
            if document is None:
                ready[record_id] = None
                continue
            try:
                ready[record_id] = to_document(from_document({**document, "id": record_id}))
            except (ValidationError, ValueError) as error:
                lines = problems(error) if isinstance(error, ValidationError) else [str(error)]
                raise InvalidRecord(record_id, lines) from None
        writes: list[tuple[str, str, dict[str, Any]]] = []
        for record_id, document in ready.items():
            path = relative_path(record_id)
            if document is None:
                if record_id in current:
                    remove(self.root, path)
                    del current[record_id]
                    self.written.append(path)
            elif current.get(record_id) != document or record_id not in current:
                writes.append((record_id, path, document))
        if writes:
            write_many_atomic(self.root, [(path, encode(document)) for _, path, document in writes])
        for record_id, path, document in writes:
            current[record_id] = document
            self.written.append(path)

    def take_written(self) -> list[str]:
        """The record paths written since last asked: what the next commit holds."""
        written, self.written = sorted(set(self.written)), []
        return written

    def close(self) -> None:
        self._loaded = None


class RecordTable(Table):
    """A TinyDB table whose document IDs are record IDs (`ISS-4K7Q2M`)."""

    document_id_class = str  # type: ignore[assignment]

    def insert(self, document: Mapping[str, Any]) -> str:  # type: ignore[override]
        """Insert one record under its own ID (its `id` field, or a `Document`'s
        `doc_id`): TinyDB's numbering has no place in a register."""
        return str(super().insert(_with_record_id(document)))

    def insert_multiple(self, documents: Iterable[Mapping[str, Any]]) -> list[str]:  # type: ignore[override]
        return [str(doc_id) for doc_id in super().insert_multiple([_with_record_id(d) for d in documents])]

    def put_many(self, documents: list[dict[str, Any]]) -> None:
        """Insert or replace many records in one table update (imports, sync)."""

        def put(table: dict[str, Any]) -> None:
            for document in documents:
                table[document["id"]] = document

        self._update_table(put)

    # The one override of a TinyDB internal (pinned by tests/test_storage_tinydb.py).
    def _update_table(self, updater: Callable[[dict[Any, Mapping[Any, Any]]], None]) -> None:
        """Run a TinyDB write on a copy-on-access view of the table and save only
        the documents it touched; TinyDB's own version would hand the storage
        the whole database to compare."""
        storage = self._storage
        if not isinstance(storage, RegisterStorage):
            super()._update_table(updater)
            return
        touched: set[str] = set()
        working = _Touched(dict(storage.read()[self.name]), touched)
        updater(working)
        storage.save(self.name, working, touched)
        self.clear_cache()


def _with_record_id(document: Mapping[str, Any]) -> Document:
    if isinstance(document, Document):
        return document
    record_id = document.get("id")
    if not isinstance(record_id, str) or not record_id:
        raise ValueError("a record is inserted with its own ID: the document has no `id`")
    return Document(document, record_id)  # type: ignore[arg-type]


class RegisterDatabase(TinyDB):
    """TinyDB with Tracker's tables; `issues` and `lessons` are the two tables."""

    table_class = RecordTable
    default_table_name = "issues"

    def __init__(self, root: Path, git: Git | None = None):
        super().__init__(root, git, storage=RegisterStorage)

    @property
    def register_storage(self) -> RegisterStorage:
        storage = self.storage
        if not isinstance(storage, RegisterStorage):
            raise TypeError(f"the register database holds a {type(storage).__name__}, not a RegisterStorage")
        return storage

    def records(self, table: str) -> RecordTable:
        """One kind's table (`issues`, `lessons`); no query cache, since the
        storage may be reloaded under it."""
        found = self.table(table, cache_size=0)
        if not isinstance(found, RecordTable):
            raise TypeError(f"{table}: not a record table")
        return found

    def issues(self) -> RecordTable:
        return self.records("issues")

    def lessons(self) -> RecordTable:
        return self.records("lessons")
