"""A register opened with no cache (a fresh clone, a deleted `.tracker/`) is read
from git's blobs and validated on every core: exactly the records, listing rows
and problems of one process doing it all, damaged records included."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import orjson
import pytest
from conftest import git

import data.load
import data.parallel
from data.files import encode, relative_path
from data.listing import load_listing
from data.load import STATE_DIR, _from_blobs, load_register
from data.model import Issue
from data.validation import Model
from tracker.register import Register


@pytest.fixture
def damaged_register(demo_register: Register) -> Register:
    """The demo register with damaged record files committed among the good ones."""
    root = demo_register.root
    issues = sorted(demo_register.documents("issue"))
    first = orjson.loads((root / relative_path(issues[0])).read_bytes())
    planted = {
        relative_path("ISS-0000AA"): b"{not json",
        relative_path("ISS-0000AB"): encode({**first, "id": "ISS-0000AB", "severity": ["high"]}),
        relative_path("ISS-0000AC"): encode({**first, "id": "ISS-0000AD"}),
        relative_path("ISS-0000AE"): encode({**first, "id": "ISS-0000AE", "updates": [{"text": ""}]}),
        relative_path("LES-0000AA"): encode({"id": "LES-0000AA", "title": "", "logged_by": "A"}),
        "issues/00/notes.json": b"{}",
        relative_path("ISS-0000AF"): encode({**first, "id": "ISS-0000AF", "title": "  Needs\tcleaning  "}),
    }
    for relative, raw in planted.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_bytes(raw)
    git(root, "add", "-f", "--", *planted)
    git(root, "commit", "-q", "-m", "Planted damaged records", "--no-verify")
    shutil.rmtree(root / STATE_DIR, ignore_errors=True)
    return demo_register


@pytest.fixture
def every_core(monkeypatch: pytest.MonkeyPatch) -> None:
    """Workers for even the demo register's few records, a few records each."""
    if data.parallel.cores() < 2:
        pytest.skip("one core: records are validated in the calling process")
    monkeypatch.setattr(data.parallel, "PARALLEL_FROM", 1)
    monkeypatch.setattr(data.parallel, "CHUNK", 4)


@pytest.fixture
def one_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(data.parallel, "PARALLEL_FROM", 10**9)


def _number(name: str, raw: bytes) -> tuple[str, int, int]:
    return name, int(raw), os.getpid()


def test_workers_read_the_files_in_other_processes_and_answer_in_order(every_core: None):
    files = [(f"n{number}", b"%d" % number) for number in range(40)]
    found = data.parallel.map_files(_number, iter(files), len(files))
    assert found is not None
    assert [(name, value) for name, value, _pid in found] == [(f"n{n}", n) for n in range(40)]
    assert os.getpid() not in {pid for _name, _value, pid in found}


def test_with_few_records_or_one_core_the_caller_reads_them(monkeypatch: pytest.MonkeyPatch):
    files = [("a", b"1"), ("b", b"2")]
    assert data.parallel.map_files(_number, files, len(files)) is None
    monkeypatch.setattr(data.parallel, "PARALLEL_FROM", 1)
    monkeypatch.setattr(data.parallel, "cores", lambda: 1)
    assert data.parallel.map_files(_number, files, len(files)) is None


def test_when_workers_cannot_start_the_register_is_read_in_one_process(
    damaged_register: Register, monkeypatch: pytest.MonkeyPatch, every_core: None
):
    head = damaged_register.git.head_tree()
    assert head is not None
    expected = _from_blobs(damaged_register.git, head)

    def refused(*args: Any, **kwargs: Any) -> None:
        raise OSError("fork: Resource temporarily unavailable")

    monkeypatch.setattr(data.parallel, "ProcessPoolExecutor", refused)
    again = _from_blobs(damaged_register.git, head)
    assert (again.tables, again.problems) == (expected.tables, expected.problems)


def test_records_validated_on_every_core_are_exactly_those_of_one_process(
    damaged_register: Register, monkeypatch: pytest.MonkeyPatch, every_core: None
):
    register = damaged_register
    head = register.git.head_tree()
    assert head is not None
    parallel = _from_blobs(register.git, head)
    monkeypatch.setattr(data.parallel, "PARALLEL_FROM", 10**9)
    alone = _from_blobs(register.git, head)

    assert list(parallel.tables["issues"].items()) == list(alone.tables["issues"].items())
    assert parallel.tables == alone.tables and parallel.problems == alone.problems
    assert set(parallel.problems) == {
        relative_path("ISS-0000AA"),
        relative_path("ISS-0000AB"),
        relative_path("ISS-0000AC"),
        relative_path("ISS-0000AE"),
        relative_path("LES-0000AA"),
        "issues/00/notes.json",
    }
    assert parallel.tables["issues"]["ISS-0000AF"]["title"] == "Needs cleaning", (
        "cleaned as one process cleans"
    )


def _cold_listing(root: Path) -> tuple[object, object, object, object]:
    shutil.rmtree(root / STATE_DIR, ignore_errors=True)
    rows = load_listing(root, Register.open(root).git)
    texts = load_listing(root, Register.open(root).git, "texts")
    full = load_register(root, Register.open(root).git)
    return rows.rows, rows.problems, texts.rows, (full.tables, full.problems)


def test_a_cold_start_lists_the_same_rows_and_problems_on_every_core_as_in_one_process(
    damaged_register: Register, monkeypatch: pytest.MonkeyPatch, every_core: None
):
    root = damaged_register.root
    answered: list[bool] = []
    original = data.parallel.map_files

    def spied(*args: Any) -> Any:
        found = original(*args)
        answered.append(found is not None)
        return found

    monkeypatch.setattr(data.parallel, "map_files", spied)
    parallel = _cold_listing(root)
    assert answered == [True, True], "the listings' pass and the full load were each read by workers"
    monkeypatch.setattr(data.parallel, "PARALLEL_FROM", 10**9)
    alone = _cold_listing(root)
    assert parallel == alone
    rows, problems, _texts, _full = parallel
    assert "ISS-0000AB" not in rows["issues"] and relative_path("ISS-0000AB") in problems  # type: ignore[index,operator]


def test_record_files_are_read_from_the_working_tree_only_where_they_hold_head_s_blob(
    damaged_register: Register, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    """With no cache, a record file is read from the working tree when it holds
    exactly HEAD's blob, and from git's objects when it was edited, removed,
    replaced by a link or sits in a linked folder: the records and problems are
    exactly those read from git alone."""
    register = damaged_register
    root, head = register.root, register.git.head_tree()
    assert head is not None
    ids = sorted(register.documents("issue"))
    edited, removed, linked = (root / relative_path(record_id) for record_id in ids[:3])
    edited.write_bytes(edited.read_bytes().replace(b'"title": "', b'"title": "Edited '))
    removed.unlink()
    copy = tmp_path / "copy.json"
    copy.write_bytes(linked.read_bytes())
    linked.unlink()
    linked.symlink_to(copy)
    folder = (root / relative_path(ids[-1])).parent
    moved = tmp_path / "moved"
    shutil.move(folder, moved)
    folder.symlink_to(moved, target_is_directory=True)
    in_linked_folder = {f"{folder.relative_to(root)}/{name.name}" for name in moved.iterdir()}

    asked: list[str] = []
    original = data.load.stream_blobs

    def spied(git: Any, shas: list[str]) -> Any:
        asked.extend(shas)  # once git is asked for them
        yield from original(git, shas)

    monkeypatch.setattr(data.load, "stream_blobs", spied)
    found = _from_blobs(register.git, head)
    expected_from_git = {str(p.relative_to(root)) for p in (edited, removed, linked)} | in_linked_folder
    assert len(asked) == len(expected_from_git)

    monkeypatch.setattr(data.load, "_read_checked_out", lambda *args: None)
    from_git = _from_blobs(register.git, head)
    assert (found.tables, found.problems) == (from_git.tables, from_git.problems)
    assert found.tables["issues"][ids[0]]["title"] == from_git.tables["issues"][ids[0]]["title"]
    assert not found.tables["issues"][ids[0]]["title"].startswith("Edited"), "HEAD's record, as git has it"


def test_a_cold_start_with_the_fast_check_is_exactly_one_that_validates_every_record_in_full(
    damaged_register: Register, monkeypatch: pytest.MonkeyPatch
):
    root = damaged_register.root
    proved: list[bool] = []
    original = Issue.proves.__func__  # type: ignore[attr-defined]

    def spied(kind: Any, document: Any) -> bool:
        proved.append(original(kind, document))
        return proved[-1]

    monkeypatch.setattr(data.parallel, "PARALLEL_FROM", 10**9)  # the spy sees every record
    monkeypatch.setattr(Model, "proves", classmethod(spied))
    fast = _cold_listing(root)
    assert proved.count(True) >= len(damaged_register.documents("issue")), "good records took the fast path"
    monkeypatch.setattr(Model, "proves", classmethod(lambda kind, document: False))
    assert _cold_listing(root) == fast
