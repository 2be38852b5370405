"""What Tracker relies on in TinyDB, pinned: every write of a table runs through
`Table._update_table(updater)` (which `data.storage.RecordTable` overrides to
save only the records touched), the updater reaches documents by item access
only, and reads hand back documents whose `doc_id` is the record ID. A TinyDB
release that changes any of this fails here, not in a user's register."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from tinydb import Query, TinyDB
from tinydb.table import Document, Table

from data.errors import InvalidRecord
from data.files import relative_path
from data.model import Issue, to_document
from data.storage import RecordTable, RegisterDatabase, RegisterStorage
from tracker.register import Register

NEW_ID, OTHER_ID = "ISS-4K7Q2M", "ISS-8H2Z1P"


def new_issue(record_id: str = NEW_ID, **fields: Any) -> dict[str, Any]:
    return to_document(Issue(id=record_id, title="Inserted", raised_by="Ann", **fields))


@pytest.fixture
def two_issues(register: Register) -> tuple[Register, str, str]:
    first = register.add_issue(title="First", area="finance")
    second = register.add_issue(title="Second", area="payroll")
    return register, first.id, second.id


class Watched:
    """A register database whose table counts `_update_table` calls and whose
    storage refuses TinyDB's whole-database `write`."""

    def __init__(self, root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.updates = 0
        original = RecordTable._update_table

        def counted(table: RecordTable, updater: Callable[[dict[Any, Any]], None]) -> None:
            self.updates += 1
            original(table, updater)

        def no_whole_write(storage: RegisterStorage, data: Any) -> None:
            raise AssertionError("TinyDB wrote the whole database instead of calling _update_table")

        monkeypatch.setattr(RecordTable, "_update_table", counted)
        monkeypatch.setattr(RegisterStorage, "write", no_whole_write)
        self.db = RegisterDatabase(root)
        self.table = self.db.issues()

    def written(self) -> list[str]:
        return self.db.register_storage.take_written()


WRITES: dict[str, Callable[[RecordTable, str, str], object]] = {
    "insert": lambda table, first, second: table.insert(new_issue()),
    "insert a Document": lambda table, first, second: table.insert(Document(new_issue(), NEW_ID)),  # type: ignore[arg-type]
    "insert_multiple": lambda table, first, second: table.insert_multiple([new_issue(), new_issue(OTHER_ID)]),
    "update by ID": lambda table, first, second: table.update({"severity": "high"}, doc_ids=[first]),  # type: ignore[list-item]
    "update by query": lambda table, first, second: table.update(
        lambda document: document.update(severity="high"), Query().area == "finance"
    ),
    "update_multiple": lambda table, first, second: table.update_multiple(
        [({"severity": "high"}, Query().area == "finance")]
    ),
    "upsert an existing record": lambda table, first, second: table.upsert(
        {"severity": "low"}, Query().title == "First"
    ),
    "upsert a new record": lambda table, first, second: table.upsert(
        new_issue(), Query().title == "Inserted"
    ),
    "remove": lambda table, first, second: table.remove(doc_ids=[first]),  # type: ignore[list-item]
}
TOUCHES = {
    "insert": [NEW_ID],
    "insert a Document": [NEW_ID],
    "insert_multiple": [NEW_ID, OTHER_ID],
    "update by ID": ["first"],
    "update by query": ["first"],
    "update_multiple": ["first"],
    "upsert an existing record": ["first"],
    "upsert a new record": [NEW_ID],
    "remove": ["first"],
}


@pytest.mark.parametrize("operation", list(WRITES))
def test_every_table_write_runs_through_update_table_and_writes_only_what_it_touched(
    two_issues: tuple[Register, str, str], monkeypatch: pytest.MonkeyPatch, operation: str
) -> None:
    register, first, second = two_issues
    watched = Watched(register.root, monkeypatch)
    untouched = register.root / relative_path(second)
    before = untouched.read_bytes()
    WRITES[operation](watched.table, first, second)
    assert watched.updates >= 1
    expected = [first if name == "first" else name for name in TOUCHES[operation]]
    assert watched.written() == sorted(relative_path(record_id) for record_id in expected)
    assert untouched.read_bytes() == before


def test_truncate_runs_through_update_table_and_removes_every_record_file(
    two_issues: tuple[Register, str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    register, first, second = two_issues
    watched = Watched(register.root, monkeypatch)
    watched.table.truncate()
    assert watched.updates == 1
    assert watched.written() == sorted(relative_path(record_id) for record_id in (first, second))
    assert not (register.root / relative_path(first)).exists()


def test_a_write_that_fails_validation_leaves_memory_and_files_as_they_were(
    two_issues: tuple[Register, str, str],
) -> None:
    register, first, _ = two_issues
    db = RegisterDatabase(register.root)
    path = register.root / relative_path(first)
    before = path.read_bytes()
    with pytest.raises(InvalidRecord, match=f"{first}: visibility"):
        db.issues().update({"visibility": "secret"}, Query().area == "finance")
    assert path.read_bytes() == before
    assert db.register_storage.read()["issues"][first]["visibility"] == "internal"
    assert db.register_storage.take_written() == []


def test_reads_give_documents_whose_doc_id_is_the_record_id(two_issues: tuple[Register, str, str]) -> None:
    register, first, second = two_issues
    table = RegisterDatabase(register.root).issues()
    assert sorted(document.doc_id for document in table) == sorted([first, second])
    assert sorted(document.doc_id for document in table.all()) == sorted([first, second])
    found = table.get(doc_id=first)  # type: ignore[arg-type]
    assert isinstance(found, Document) and found.doc_id == first and found["title"] == "First"
    assert [document.doc_id for document in table.search(Query().area == "payroll")] == [second]
    assert table.contains(doc_id=second)  # type: ignore[arg-type]


def test_a_record_without_an_id_is_refused_before_anything_is_written(register: Register) -> None:
    table = RegisterDatabase(register.root).issues()
    with pytest.raises(ValueError, match="own ID"):
        table.insert_multiple([new_issue(), {"title": "no id"}])
    assert list(register.root.glob("issues/*/*.json")) == []


def test_the_register_database_uses_tinydbs_documented_hooks() -> None:
    assert RegisterDatabase.table_class is RecordTable
    assert issubclass(RecordTable, Table) and RecordTable.document_id_class is str
    assert issubclass(RegisterDatabase, TinyDB)
    overridden_internals = {
        name for name in vars(RecordTable) if name.startswith("_") and not name.startswith("__")
    } - {"_abc_impl"}
    assert overridden_internals == {"_update_table"}
