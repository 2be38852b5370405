"""Hostile repository content from a remote.

Each test builds a bare repository with crafted commits using plain git (what a
malicious or broken clone could push), clones it, and opens the clone with
Tracker. Symbolic links are never followed for reading or writing, enormous
files and misnamed files are refused, a bad `tracker.toml` is refused, each
with a clear message, and nothing outside the register is read or written.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import git, run_tracker

from data.errors import DamagedFile, InvalidSettings
from data.files import encode, relative_path
from data.model import Issue, to_document
from tracker.register import Register

SECRET_ID = "ISS-AB0000"
SECRET_TITLE = "SECRET outside the register"


def _record(record_id: str, title: str) -> bytes:
    return encode(to_document(Issue(id=record_id, title=title, raised_by="Someone")))


def _outside(tmp_path: Path) -> Path:
    """A folder outside the register, holding what an attacker would like read or overwritten."""
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / f"{SECRET_ID}.json").write_bytes(_record(SECRET_ID, SECRET_TITLE))
    (folder / "secret.toml").write_text('name = "SECRET REGISTER NAME"\n', encoding="utf-8")
    return folder


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def _hostile_clone(register: Register, tmp_path: Path, craft: Callable[[Path], None]) -> Path:
    """Push a crafted commit from `register` to a bare remote and clone it afresh."""
    issue = register.add_issue(title="An honest issue", area="finance")
    assert issue.id != SECRET_ID
    craft(register.root)
    git(register.root, "add", "-A", "-f", ".")
    git(register.root, "commit", "--quiet", "-m", "Crafted")
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "clone", "--quiet", "--bare", str(register.root), str(remote)], check=True)
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "--quiet", str(remote), str(clone)], check=True)
    return clone


def _tracker(clone: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_tracker("--register", str(clone), *args)


def test_a_record_file_that_is_a_symlink_is_neither_read_nor_written(
    register: Register, tmp_path: Path
) -> None:
    outside = _outside(tmp_path)
    before = _snapshot(outside)

    def craft(root: Path) -> None:
        (root / "issues" / "AB").mkdir(parents=True)
        os.symlink(outside / f"{SECRET_ID}.json", root / relative_path(SECRET_ID))

    clone = _hostile_clone(register, tmp_path, craft)
    assert (clone / relative_path(SECRET_ID)).is_symlink()

    listed = _tracker(clone, "list")
    shown = _tracker(clone, "show", SECRET_ID)
    edited = _tracker(clone, "edit", SECRET_ID, "--title", "Overwritten")
    updated = _tracker(clone, "update", SECRET_ID, "Overwritten")

    assert listed.returncode == 0 and "An honest issue" in listed.stdout
    assert f"skipped {relative_path(SECRET_ID)}: is a symbolic link" in listed.stderr
    for refused in (shown, edited, updated):
        assert (
            refused.returncode == 1 and "symbolic link" in refused.stderr and refused.stderr.count("\n") == 1
        )
    for result in (listed, shown, edited, updated):
        assert "SECRET" not in result.stdout + result.stderr
    assert _snapshot(outside) == before


def test_a_shard_folder_that_is_a_symlink_is_neither_read_nor_written(
    register: Register, tmp_path: Path
) -> None:
    outside = _outside(tmp_path)
    before = _snapshot(outside)

    def craft(root: Path) -> None:
        (root / "issues").mkdir(exist_ok=True)
        os.symlink(outside, root / "issues" / "AB")

    clone = _hostile_clone(register, tmp_path, craft)

    listed = _tracker(clone, "list")
    edited = _tracker(clone, "edit", SECRET_ID, "--title", "Overwritten")
    with pytest.raises(DamagedFile, match="symbolic link"):
        Register.open(clone).get(SECRET_ID)

    assert listed.returncode == 0 and "SECRET" not in listed.stdout and "An honest issue" in listed.stdout
    assert "skipped issues/AB: is a symbolic link" in listed.stderr
    assert edited.returncode == 1 and "symbolic link" in edited.stderr and "SECRET" not in edited.stderr
    assert _snapshot(outside) == before


def test_a_records_folder_that_is_a_symlink_stops_writes_with_a_clear_message(
    register: Register, tmp_path: Path
) -> None:
    outside = _outside(tmp_path)
    (outside / "AB").mkdir()
    (outside / "AB" / f"{SECRET_ID}.json").write_bytes(_record(SECRET_ID, SECRET_TITLE))
    before = _snapshot(outside)

    def craft(root: Path) -> None:
        os.rename(root / "issues", tmp_path / "honest-issues")
        os.symlink(outside, root / "issues")

    clone = _hostile_clone(register, tmp_path, craft)

    listed = _tracker(clone, "list")
    added = _tracker(clone, "add", "Written through the link?")

    assert "SECRET" not in listed.stdout and "skipped issues: is a symbolic link" in listed.stderr
    assert added.returncode == 1 and "symbolic link" in added.stderr and added.stderr.count("\n") == 1
    assert _snapshot(outside) == before


def test_an_enormous_record_file_is_refused_and_the_rest_loads(register: Register, tmp_path: Path) -> None:
    big_id = "ISS-BB0000"

    def craft(root: Path) -> None:
        document = to_document(Issue(id=big_id, title="Big", raised_by="Someone"))
        document["padding"] = "x" * 3_000_000
        (root / "issues" / "BB").mkdir(parents=True)
        (root / relative_path(big_id)).write_bytes(encode(document))

    clone = _hostile_clone(register, tmp_path, craft)
    listed = _tracker(clone, "list")
    shown = _tracker(clone, "show", big_id)

    assert listed.returncode == 0 and "An honest issue" in listed.stdout
    assert f"skipped {relative_path(big_id)}: is 3,000," in listed.stderr
    assert "larger than a record can be" in listed.stderr
    assert shown.returncode == 1 and "larger than a record can be" in shown.stderr


@pytest.mark.parametrize(
    "name",
    [
        "issues/AB/ISS-AB00U0.json",
        "issues/AB/iss-ab0000.json",
        "issues/AB/notes.json",
        "issues/ISS-AB0000.json",
        "lessons/AB/ISS-AB0000.json",
        "issues/AB/ISS-AB0000.json.json",
        "issues/AB/$(touch pwned).json",
    ],
)
def test_files_not_named_like_records_are_reported_and_skipped(
    register: Register, tmp_path: Path, name: str
) -> None:
    def craft(root: Path) -> None:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(_record(SECRET_ID, SECRET_TITLE))

    clone = _hostile_clone(register, tmp_path, craft)
    reopened = Register.open(clone)

    assert [d["title"] for d in reopened.documents("issue").values()] == ["An honest issue"]
    assert reopened.problems() == {name: "is not named and placed like a record (issues/4K/ISS-4K7Q2M.json)"}
    assert not (clone / "pwned").exists() and not Path("pwned").exists()


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('name = "X"\n[vocabulary]\nstatuses = []\n', "vocabulary.statuses: must list at least one word"),
        ('name = "X"\nunexpected = 1\n', "unexpected: is not a known setting"),
        ("[report]\nsmall_count_threshold = -4\n", "report.small_count_threshold"),
        ("name = \n", "is not valid TOML"),
    ],
)
def test_a_tracker_toml_with_bad_values_is_refused_naming_file_and_field(
    register: Register, tmp_path: Path, content: str, expected: str
) -> None:
    def craft(root: Path) -> None:
        (root / "tracker.toml").write_text(content, encoding="utf-8")

    clone = _hostile_clone(register, tmp_path, craft)
    listed = _tracker(clone, "list")

    assert listed.returncode == 1 and listed.stderr.count("\n") == 1
    assert f"{clone / 'tracker.toml'}: " in listed.stderr and expected in listed.stderr


def test_a_tracker_toml_that_is_a_symlink_is_not_read(register: Register, tmp_path: Path) -> None:
    outside = _outside(tmp_path)

    def craft(root: Path) -> None:
        (root / "tracker.toml").unlink()
        os.symlink(outside / "secret.toml", root / "tracker.toml")

    clone = _hostile_clone(register, tmp_path, craft)
    listed = _tracker(clone, "list")
    with pytest.raises(InvalidSettings, match="symbolic link"):
        Register.open(clone)

    assert listed.returncode == 1 and "SECRET" not in listed.stdout + listed.stderr
    assert "symbolic link" in listed.stderr or "not a Tracker register" in listed.stderr


def test_a_load_cache_committed_by_a_remote_is_never_trusted(register: Register, tmp_path: Path) -> None:
    def craft(root: Path) -> None:
        import orjson

        Register.open(root).documents("issue")
        cache = root / ".tracker" / "cache.json"
        data = orjson.loads(cache.read_bytes())
        for document in data["tables"]["issues"].values():
            document["title"], document["visibility"] = "FORGED by the remote", "public"
        cache.write_bytes(orjson.dumps(data))

    clone = _hostile_clone(register, tmp_path, craft)
    listed = _tracker(clone, "list")

    assert "FORGED" not in listed.stdout and "An honest issue" in listed.stdout


def test_a_state_folder_that_is_a_symlink_is_never_written_through(
    register: Register, tmp_path: Path
) -> None:
    outside = _outside(tmp_path)
    before = _snapshot(outside)

    def craft(root: Path) -> None:
        os.symlink(outside, root / ".tracker-link")
        git(root, "rm", "-r", "--cached", "--quiet", "--ignore-unmatch", ".tracker")
        import shutil

        shutil.rmtree(root / ".tracker", ignore_errors=True)
        os.rename(root / ".tracker-link", root / ".tracker")

    clone = _hostile_clone(register, tmp_path, craft)
    _tracker(clone, "list")
    _tracker(clone, "add", "Through the link?")

    assert _snapshot(outside) == before
