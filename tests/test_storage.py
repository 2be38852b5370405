"""Per-record storage behind TinyDB: atomic, minimal writes and a load cache that
is never trusted blindly."""

from __future__ import annotations

import os
from pathlib import Path

import orjson
import pytest
from conftest import git
from tinydb.table import Document

from data.errors import DamagedFile, InvalidRecord
from data.files import encode, read_bytes, relative_path, write_atomic
from data.load import load_register
from data.model import Issue, to_document
from data.storage import RegisterDatabase
from tracker.register import Register


def test_records_are_sharded_pretty_printed_utf8_with_a_final_newline(register: Register):
    issue = register.add_issue(title="Café receipts £ not allocated", raised_by="Zoë")
    path = register.root / "issues" / issue.id[4:6] / f"{issue.id}.json"
    raw = path.read_bytes()
    assert raw.endswith(b"}\n") and b'\n  "id": ' in raw
    assert "Café receipts £".encode() in raw
    assert list(orjson.loads(raw))[:3] == ["id", "title", "area"]


def test_atomic_write_leaves_no_temporary_files_and_replaces_whole_files(tmp_path: Path):
    write_atomic(tmp_path, "issues/4K/ISS-4K7Q2M.json", b"{}\n")
    write_atomic(tmp_path, "issues/4K/ISS-4K7Q2M.json", b'{"a": 1}\n')
    assert sorted(p.name for p in (tmp_path / "issues/4K").iterdir()) == ["ISS-4K7Q2M.json"]
    assert (tmp_path / "issues/4K/ISS-4K7Q2M.json").read_bytes() == b'{"a": 1}\n'


def test_a_failed_write_keeps_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    write_atomic(tmp_path, "issues/4K/ISS-4K7Q2M.json", b"old\n")

    def broken_replace(source, target):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        write_atomic(tmp_path, "issues/4K/ISS-4K7Q2M.json", b"new\n")
    assert (tmp_path / "issues/4K/ISS-4K7Q2M.json").read_bytes() == b"old\n"
    assert [p.name for p in (tmp_path / "issues/4K").iterdir()] == ["ISS-4K7Q2M.json"]


def test_symlinked_record_files_are_never_followed(tmp_path: Path):
    secret = tmp_path / "secret.txt"
    secret.write_text("do not read")
    (tmp_path / "issues/4K").mkdir(parents=True)
    (tmp_path / "issues/4K/ISS-4K7Q2M.json").symlink_to(secret)
    with pytest.raises(DamagedFile, match="symbolic link"):
        read_bytes(tmp_path, "issues/4K/ISS-4K7Q2M.json")
    with pytest.raises(DamagedFile, match="symbolic link"):
        write_atomic(tmp_path, "issues/4K/ISS-4K7Q2M.json", b"overwrite")
    assert secret.read_text() == "do not read"


def test_tinydb_queries_and_writes_touch_only_changed_records(register: Register):
    first = register.add_issue(title="First", area="finance")
    second = register.add_issue(title="Second", area="payroll")
    second_path = register.root / relative_path(second.id)
    before = second_path.stat().st_mtime_ns
    db = RegisterDatabase(register.root)
    table = db.issues()
    assert [d["title"] for d in table.search(lambda d: d["area"] == "finance")] == ["First"]
    table.update({"severity": "high"}, doc_ids=[first.id])
    assert db.register_storage.take_written() == [relative_path(first.id)]
    assert second_path.stat().st_mtime_ns == before
    stored = orjson.loads((register.root / relative_path(first.id)).read_bytes())
    assert stored["severity"] == "high"


def test_an_invalid_tinydb_update_writes_nothing(register: Register):
    issue = register.add_issue(title="First")
    path = register.root / relative_path(issue.id)
    before = path.read_bytes()
    db = RegisterDatabase(register.root)
    with pytest.raises(InvalidRecord, match=f"{issue.id}: visibility"):
        db.issues().update({"visibility": "secret"}, doc_ids=[issue.id])
    assert path.read_bytes() == before
    assert db.issues().get(doc_id=issue.id)["visibility"] == "internal"


def test_tinydb_insert_uses_record_ids(register: Register):
    db = RegisterDatabase(register.root)
    document = to_document(Issue(id="ISS-4K7Q2M", title="Inserted", raised_by="Ann"))
    db.issues().insert(Document(document, doc_id="ISS-4K7Q2M"))
    assert (register.root / "issues/4K/ISS-4K7Q2M.json").exists()
    with pytest.raises(ValueError):
        db.issues().insert({"title": "no id"})


def test_the_cache_is_used_then_refreshed_when_git_moves(register: Register):
    register.add_issue(title="One")
    first = load_register(register.root, register.git)
    assert first.source in ("rebuilt", "refreshed")
    assert load_register(register.root, register.git).source == "cache"
    Register.open(register.root).add_issue(title="Two")
    refreshed = load_register(register.root, register.git)
    assert refreshed.source == "refreshed"
    assert sorted(d["title"] for d in refreshed.tables["issues"].values()) == ["One", "Two"]


def test_files_changed_behind_the_caches_back_are_seen(register: Register):
    issue = register.add_issue(title="Original")
    load_register(register.root, register.git)
    path = register.root / relative_path(issue.id)
    document = orjson.loads(path.read_bytes())
    document["title"] = "Edited by hand"
    path.write_bytes(encode(document))
    assert load_register(register.root, register.git).tables["issues"][issue.id]["title"] == "Edited by hand"
    git(register.root, "checkout", "--", relative_path(issue.id))
    assert load_register(register.root, register.git).tables["issues"][issue.id]["title"] == "Original"
    path.write_bytes(encode(document))
    git(register.root, "commit", "-qam", "hand edit")
    assert load_register(register.root, register.git).tables["issues"][issue.id]["title"] == "Edited by hand"


@pytest.mark.parametrize(
    "garbage",
    [
        b"",
        b"{not json",
        b'{"version": 99}',
        b"[]",
        b'{"version": 3, "tree": null, "overlay": [], "problems": {}, "folders": {"issues": "x"},'
        b' "tables": {"issues": {}, "lessons": {}}}',
        b'{"version": 3, "tree": null, "overlay": [], "problems": [1], "tables": {"issues": {}, "lessons": {}}}',
    ],
)
def test_a_damaged_cache_is_rebuilt(register: Register, garbage: bytes):
    issue = register.add_issue(title="Kept")
    load_register(register.root, register.git)
    (register.root / ".tracker/cache.json").write_bytes(garbage)
    loaded = load_register(register.root, register.git)
    assert loaded.source == "rebuilt" and issue.id in loaded.tables["issues"]


def test_a_cache_naming_a_missing_tree_is_rebuilt(register: Register):
    issue = register.add_issue(title="Kept")
    load_register(register.root, register.git)
    cache = register.root / ".tracker/cache.json"
    data = orjson.loads(cache.read_bytes())
    data["tree"] = "0" * 40
    data["tables"]["issues"] = {}
    cache.write_bytes(orjson.dumps(data))
    assert issue.id in load_register(register.root, register.git).tables["issues"]


def test_a_damaged_file_is_reported_skipped_and_never_rewritten(register: Register):
    good = register.add_issue(title="Good")
    bad_path = register.root / "issues/4K/ISS-4K7Q2M.json"
    bad_path.parent.mkdir(parents=True, exist_ok=True)
    bad_path.write_bytes(b'{"id": "ISS-4K7Q2M", "title": ')
    fresh = Register.open(register.root)
    assert fresh.problems() == {"issues/4K/ISS-4K7Q2M.json": fresh.problems()["issues/4K/ISS-4K7Q2M.json"]}
    assert "not valid JSON" in fresh.problems()["issues/4K/ISS-4K7Q2M.json"]
    assert [d["id"] for d in fresh.search("")] == [good.id]
    fresh.edit(good.id, {"severity": "high"})
    assert bad_path.read_bytes() == b'{"id": "ISS-4K7Q2M", "title": '


def test_record_ids_are_allocated_in_one_place(register: Register) -> None:
    from data.files import free_record_id

    taken = {"ISS-000000"}
    record_id = free_record_id(register.root, "ISS", lambda candidate: candidate in taken)
    assert record_id.startswith("ISS-") and record_id not in taken
    root = Path(__file__).resolve().parent.parent
    shipped = [p for package in ("data", "exports", "tracker") for p in (root / package).rglob("*.py")]
    callers = sorted(
        p.relative_to(root).as_posix() for p in shipped if "new_id(" in p.read_text(encoding="utf-8")
    )
    assert callers == ["data/files.py", "data/ids.py", "data/model.py"]
