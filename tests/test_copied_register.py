"""A copied, rsynced or restored register: git's index holds stale stat data for
every file, yet no file changed. The first command refreshes the index once, no
byte-identical file is read again, and doctor calls none of them a hand edit; a
real hand edit in the copy is still found."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import orjson
import pytest
from conftest import git

import data.load
from data.files import encode, relative_path
from data.git import Git
from data.listing import load_listing
from data.load import STATE_DIR, load_register
from data.lock import WriterLock
from tracker.doctor import Finding, examine
from tracker.register import Register


def _copied(original: Register, target: Path) -> Path:
    """A copy as `cp -r`, a backup restore or rsync leaves one: the same bytes,
    new inodes, and every file's time moved, so git's stat data is stale."""
    original.documents("issue")  # the original's load cache and listing, copied along
    load_listing(original.root, original.git)
    shutil.copytree(original.root, target, symlinks=True)
    later = time.time_ns() + 5_000_000_000
    for folder, _dirs, names in os.walk(target / "issues"):
        for name in names:
            os.utime(Path(folder) / name, ns=(later, later))
    for folder, _dirs, names in os.walk(target / "lessons"):
        for name in names:
            os.utime(Path(folder) / name, ns=(later, later))
    return target


def _stale(root: Path) -> list[str]:
    return [
        line
        for line in git(root, "diff-files", "--name-only", "--", "issues", "lessons").splitlines()
        if line
    ]


@pytest.fixture
def few_files_are_many(monkeypatch: pytest.MonkeyPatch) -> None:
    """The demo register's 36 records count as "many" changed files."""
    monkeypatch.setattr(data.load, "STALE_STAT_AFTER", 10)


@pytest.fixture
def files_read(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every record file the load cache or the listing reads from disk."""
    read: list[str] = []
    original = data.load._apply_from_disk

    def counting(loaded: data.load.Loaded, root: Path, relative: str) -> None:
        read.append(relative)
        original(loaded, root, relative)

    monkeypatch.setattr(data.load, "_apply_from_disk", counting)
    monkeypatch.setattr("data.listing._apply_from_disk", counting)
    return read


def test_a_copied_register_refreshes_git_index_once_and_reads_no_file_again(
    demo_register: Register, tmp_path: Path, few_files_are_many: None, files_read: list[str]
):
    copy = _copied(demo_register, tmp_path / "copy")
    assert len(_stale(copy)) > 30, "the copy's stat data really is stale"

    loaded = load_register(copy, Git(copy))
    assert loaded.source == "cache", "the load cache is not rebuilt for identical content"
    assert files_read == [] and loaded.overlay == []
    assert _stale(copy) == [], "git's index was refreshed"
    original = load_register(demo_register.root, demo_register.git)
    assert loaded.tables == original.tables

    listing = load_listing(copy, Git(copy))
    assert listing.source == "cache" and files_read == []
    assert len(listing.rows["issues"]) == len(original.tables["issues"])


def test_a_hand_edit_in_a_copied_register_is_still_read(
    demo_register: Register, tmp_path: Path, few_files_are_many: None, files_read: list[str]
):
    copy = _copied(demo_register, tmp_path / "copy")
    record_id = sorted(demo_register.documents("issue"))[0]
    path = copy / relative_path(record_id)
    document = orjson.loads(path.read_bytes())
    document["title"] = "Edited by hand after the restore"
    path.write_bytes(encode(document))

    loaded = load_register(copy, Git(copy))
    assert loaded.tables["issues"][record_id]["title"] == "Edited by hand after the restore"
    assert files_read == [relative_path(record_id)]
    assert _stale(copy) == [relative_path(record_id)]


def test_while_another_tracker_writes_the_copy_is_read_as_git_reports_it(
    demo_register: Register, tmp_path: Path, few_files_are_many: None, files_read: list[str]
):
    copy = _copied(demo_register, tmp_path / "copy")
    stale = _stale(copy)
    with WriterLock(copy / STATE_DIR, wait=0.0):
        loaded = load_register(copy, Git(copy))
    assert sorted(files_read) == sorted(stale), "every file git reports is read, none skipped"
    assert _stale(copy) == stale, "the index was left to the writer"
    assert loaded.tables == load_register(demo_register.root, demo_register.git).tables


def _uncommitted(findings: list[Finding]) -> list[Finding]:
    return [finding for finding in findings if finding.check == "uncommitted"]


def test_doctor_calls_no_byte_identical_file_a_hand_edit_and_fix_refreshes_the_index(
    demo_register: Register, tmp_path: Path
):
    copy = _copied(demo_register, tmp_path / "copy")
    stale = len(_stale(copy))

    found = _uncommitted(examine(copy))
    assert [f.status for f in found] == ["advice", "ok"]
    assert f"stale file times for {stale} record file(s)" in found[0].message
    assert not any(
        finding.unhealthy for finding in examine(copy) if finding.check in ("uncommitted", "cache")
    )

    fixed = _uncommitted(examine(copy, fix=True))
    assert fixed[0].status == "fixed" and "refreshed git's index" in fixed[0].message
    assert _stale(copy) == []
    assert [f.status for f in _uncommitted(examine(copy))] == ["ok"]


def test_doctor_still_finds_a_real_hand_edit_in_a_copied_register(demo_register: Register, tmp_path: Path):
    copy = _copied(demo_register, tmp_path / "copy")
    record_id = sorted(demo_register.documents("issue"))[0]
    path = copy / relative_path(record_id)
    document = orjson.loads(path.read_bytes())
    document["title"] = "Edited by hand after the restore"
    path.write_bytes(encode(document))

    problems = [f for f in _uncommitted(examine(copy, fix=True)) if f.unhealthy]
    assert [f.path for f in problems] == [relative_path(record_id)]
    assert "a hand edit?" in problems[0].message
    assert _stale(copy) == [relative_path(record_id)], "the hand edit is left for a person to decide"
