""" "The later change wins" by the time of the change to that field: each side's
time and author for a field come from the commit that set it, not from the last
commit touching the record. Commit times are fixed (GIT_AUTHOR_DATE through the
register's clock), so every outcome here is deterministic. Also: a merge never
loosens visibility, whatever the clocks say."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from conftest import git, sync

from data.files import relative_path
from data.sync import add_remote, clone
from tracker.register import Register

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def at(minutes: int) -> Any:
    return lambda: START + timedelta(minutes=minutes)


@pytest.fixture
def pair(tmp_path: Path) -> tuple[Register, Register]:
    bare = tmp_path / "shared.git"
    subprocess.run(["git", "init", "--quiet", "--bare", "--initial-branch=main", str(bare)], check=True)
    founder = Register.init(tmp_path / "founder", name="Shared", clock=at(0))
    add_remote(founder.root, str(bare))
    sync(founder.root)
    people = []
    for name in ("Ann Lee", "Bo Stone"):
        register = Register.open(clone(str(bare), tmp_path / name.split()[0].lower()))
        git(register.root, "config", "user.name", name)
        git(register.root, "config", "user.email", f"{name.split()[0].lower()}@council.example")
        people.append(register)
    return people[0], people[1]


def document(register: Register, record_id: str) -> dict[str, Any]:
    return orjson.loads((register.root / relative_path(record_id)).read_bytes())


def shared(ann: Register, bo: Register) -> str:
    ann.clock = at(1)
    record_id = ann.add_issue(title="Receipts not allocated", area="finance").id
    sync(ann.root)
    sync(bo.root)
    return record_id


def conflicts(register: Register, record_id: str) -> list[dict[str, Any]]:
    return [u["conflict"] for u in document(register, record_id)["updates"] if u["kind"] == "conflict"]


def test_a_later_title_beats_an_earlier_one_even_when_the_other_side_touched_the_record_last(
    pair: tuple[Register, Register],
) -> None:
    ann, bo = pair
    record_id = shared(ann, bo)
    bo.clock = at(10)
    bo.edit(record_id, {"title": "Bo's early title"})
    ann.clock = at(20)
    ann.edit(record_id, {"title": "Ann's later title"})
    bo.clock = at(30)
    bo.edit(record_id, {"severity": "high"})  # Bo's last touch of the record, another field
    sync(ann.root)
    result = sync(bo.root)

    merged = document(bo, record_id)
    assert (merged["title"], merged["severity"]) == ("Ann's later title", "high")
    [conflict] = conflicts(bo, record_id)
    assert conflict["kept"]["author"] == "Ann Lee" and conflict["kept"]["at"].startswith("2026-03-02T09:20")
    assert conflict["replaced"]["author"] == "Bo Stone"
    assert conflict["replaced"]["at"].startswith("2026-03-02T09:10")
    assert [(c.kept_author, c.replaced_author) for c in result.conflicts] == [("Ann Lee", "Bo Stone")]  # type: ignore[attr-defined]


def test_the_field_time_is_the_commit_that_set_the_value_not_a_later_merge(
    pair: tuple[Register, Register],
) -> None:
    ann, bo = pair
    record_id = shared(ann, bo)
    ann.clock = at(12)
    ann.edit(record_id, {"severity": "high"})
    sync(ann.root)
    bo.clock = at(15)
    bo.edit(record_id, {"owner": "Dev Rao"})
    ann.clock = at(20)
    ann.edit(record_id, {"owner": "Cara Diaz"})  # later than Bo's owner, not yet shared
    sync(bo.root)  # Bo's merge commit touches the record, timed now: long after both
    result = sync(ann.root)

    merged = document(ann, record_id)
    assert (merged["owner"], merged["severity"]) == ("Cara Diaz", "high")
    [conflict] = conflicts(ann, record_id)
    assert (conflict["kept"]["author"], conflict["replaced"]["author"]) == ("Ann Lee", "Bo Stone")
    assert conflict["replaced"]["at"].startswith("2026-03-02T09:15")
    assert len(result.conflicts) == 1  # type: ignore[attr-defined]


def test_a_plain_git_pull_times_fields_the_same_way(pair: tuple[Register, Register]) -> None:
    ann, bo = pair
    record_id = shared(ann, bo)
    bo.clock = at(10)
    bo.edit(record_id, {"title": "Bo's early title"})
    ann.clock = at(20)
    ann.edit(record_id, {"title": "Ann's later title"})
    sync(ann.root)
    bo.clock = at(30)
    bo.edit(record_id, {"severity": "high"})
    pulled = subprocess.run(
        ["git", "-C", str(bo.root), "pull", "--no-rebase", "--no-edit"], capture_output=True, text=True
    )

    assert pulled.returncode == 0, pulled.stderr
    assert document(bo, record_id)["title"] == "Ann's later title"
    [conflict] = conflicts(bo, record_id)
    assert (conflict["kept"]["author"], conflict["replaced"]["author"]) == ("Ann Lee", "Bo Stone")


def test_a_merge_never_loosens_visibility_whatever_the_clocks_say(pair: tuple[Register, Register]) -> None:
    ann, bo = pair
    record_id = shared(ann, bo)
    ann.clock = at(5)
    ann.edit(record_id, {"visibility": "restricted", "description": "Names a resident"})
    bo.clock = at(50)
    bo.edit(record_id, {"visibility": "public", "severity": "high"})  # later, and public
    sync(ann.root)
    result = sync(bo.root)
    sync(ann.root)

    for register in (ann, bo):
        merged = document(register, record_id)
        assert (merged["visibility"], merged["description"], merged["severity"]) == (
            "restricted",
            "Names a resident",
            "high",
        )
    [conflict] = conflicts(bo, record_id)
    assert conflict["field"] == "visibility"
    assert (conflict["kept"]["value"], conflict["replaced"]["value"]) == ("restricted", "public")
    assert [c.field for c in result.conflicts] == ["visibility"]  # type: ignore[attr-defined]


def test_an_update_edited_on_both_sides_keeps_its_most_restrictive_visibility() -> None:
    from data.merge import merge_records
    from data.model import Issue, to_document

    base = to_document(Issue(id="ISS-4K7Q2M", title="T", raised_by="Ann Lee"))
    update = {
        "id": "UPD-4K7Q2M8H",
        "at": "2026-03-02T09:00:00Z",
        "author": "Ann Lee",
        "kind": "comment",
        "text": "First",
        "visibility": "public",
    }
    base = to_document(Issue.model_validate({**base, "updates": [update]}))
    ours = {**base, "updates": [{**update, "visibility": "restricted", "text": "Ours"}]}
    theirs = {**base, "updates": [{**update, "text": "Theirs, later"}]}
    result = merge_records(base, ours, theirs, START, START + timedelta(hours=1), "Ann Lee", "Bo Stone")

    assert result.document is not None
    [merged] = [u for u in result.document["updates"] if u["id"] == "UPD-4K7Q2M8H"]
    assert (merged["text"], merged["visibility"]) == ("Theirs, later", "restricted")


def test_racing_clones_converge_on_the_latest_change_by_field_time_and_lose_no_value(tmp_path: Path) -> None:
    """Five clones set the same field at known times, then sync all at once,
    round after round, until they agree: the latest value wins everywhere and
    every other value is in the timeline under the name of who set it."""
    from conftest import run_tracker

    bare = tmp_path / "shared.git"
    subprocess.run(["git", "init", "--quiet", "--bare", "--initial-branch=main", str(bare)], check=True)
    founder = Register.init(tmp_path / "founder", name="Shared", clock=at(0))
    add_remote(founder.root, str(bare))
    record_id = founder.add_issue(title="Receipts not allocated").id
    sync(founder.root)
    names = ["Ann Lee", "Bo Stone", "Cy Moss", "Di Park", "Ed Vale"]
    minutes = [30, 10, 50, 20, 40]  # Cy's change is the latest
    clones = []
    for name, minute in zip(names, minutes, strict=True):
        register = Register.open(clone(str(bare), tmp_path / name.split()[0].lower()))
        git(register.root, "config", "user.name", name)
        git(register.root, "config", "user.email", f"{name.split()[0].lower()}@council.example")
        register.clock = at(minute)
        register.edit(record_id, {"owner": f"Owner set by {name}"})
        clones.append(register)

    for _round in range(8):
        running = [
            subprocess.Popen(
                [sys.executable, "-m", "tracker", "sync"],
                cwd=r.root,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
            for r in clones
        ]
        for process in running:
            process.communicate()
        if len({git(r.root, "rev-parse", "HEAD^{tree}") for r in clones}) == 1:
            break
    assert run_tracker("sync", cwd=clones[0].root).returncode == 0

    for register in clones:
        merged = document(register, record_id)
        assert merged["owner"] == "Owner set by Cy Moss"
    entries = conflicts(clones[0], record_id)
    replaced = {entry["replaced"]["value"]: entry["replaced"]["author"] for entry in entries}
    assert {value: author for value, author in replaced.items()} == {
        f"Owner set by {name}": name for name in names if name != "Cy Moss"
    }
    assert all(entry["kept"]["at"] > entry["replaced"]["at"] for entry in entries)
