"""A shared register against hostile remotes and interrupted operations: one
fixture remote per case (attributes, encodings, links under `.tracker/`, deep
nesting, huge files, a removed `tracker.toml`, half-done syncs and imports).
Each case ends with nothing lost, nothing executed, a one-line message where
something was refused, and `git fsck --strict` clean."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import orjson
import pytest
from conftest import START, Clock, document, git, join, run_tracker, shared_issue, sync

from data.errors import SyncError
from data.files import relative_path
from data.gitconfig import driver_command
from data.journal import Journal
from tracker.doctor import examine
from tracker.register import Register


def push_by_hand(register: Register, message: str, change: Callable[[Path], None]) -> None:
    """What a hostile clone does with plain git: change files, commit, push."""
    change(register.root)
    git(register.root, "add", "-A", "-f")
    git(register.root, "commit", "--quiet", "--no-verify", "-m", message)
    git(register.root, "push", "--quiet", "origin", "main")


def tracker(register: Register, *args: str) -> subprocess.CompletedProcess[str]:
    return run_tracker(*args, cwd=register.root)


def fsck_clean(register: Register) -> None:
    checked = subprocess.run(
        ["git", "-C", str(register.root), "fsck", "--strict", "--no-progress"], capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stderr


# --- 1. Tracker owns how records merge ------------------------------------------------


def test_a_remotes_union_merge_attribute_is_outranked_and_records_merge_field_by_field(
    pair: tuple[Register, Register],
) -> None:
    ann, bo = pair
    record_id = shared_issue(ann, bo)
    push_by_hand(
        ann,
        "Attributes",
        lambda root: (root / ".gitattributes").write_text("issues/**/*.json merge=union\n"),
    )
    sync(bo.root)
    ann.edit(record_id, {"title": "Ann's title", "owner": "Cara Diaz"})
    sync(ann.root)
    bo.clock = Clock(START + timedelta(hours=1))
    bo.edit(record_id, {"title": "Bo's title", "severity": "high"})
    result = sync(bo.root)

    merged = document(bo, record_id)  # one valid JSON document, not two fused
    assert (merged["title"], merged["owner"], merged["severity"]) == ("Bo's title", "Cara Diaz", "high")
    assert [c.field for c in result.conflicts] == ["title"]  # type: ignore[attr-defined]
    assert ".gitattributes: issues/**/*.json merge=union" in " ".join(
        f.message for f in examine(bo.root) if f.check == "attributes"
    )
    fsck_clean(bo)


def test_a_remotes_working_tree_encoding_does_not_change_record_files(
    pair: tuple[Register, Register],
) -> None:
    ann, bo = pair
    push_by_hand(
        ann,
        "Encoding",
        lambda root: (root / ".gitattributes").write_text("*.json working-tree-encoding=UTF-16LE\n"),
    )
    record_id = ann.add_issue(title="Payroll run late").id
    sync(ann.root)
    sync(bo.root)
    listed = tracker(bo, "list", "--json")

    assert listed.returncode == 0, listed.stderr
    assert record_id in listed.stdout
    assert Register.open(bo.root).problems() == {}
    assert (bo.root / relative_path(record_id)).read_bytes().startswith(b"{\n")
    fsck_clean(bo)


def test_a_plain_git_pull_whose_driver_cannot_run_leaves_conflict_markers_not_one_side(
    pair: tuple[Register, Register],
) -> None:
    ann, bo = pair
    record_id = shared_issue(ann, bo)
    ann.edit(record_id, {"title": "Ann's title"})
    sync(ann.root)
    bo.edit(record_id, {"title": "Bo's title"})
    git(bo.root, "config", "merge.tracker.driver", driver_command("/opt/moved/python3"))
    pulled = subprocess.run(
        ["git", "-C", str(bo.root), "pull", "--no-rebase", "--no-edit"], capture_output=True, text=True
    )

    raw = (bo.root / relative_path(record_id)).read_text()
    assert pulled.returncode != 0
    assert "<<<<<<<" in raw and "Ann's title" in raw and "Bo's title" in raw


def test_doctor_finds_a_driver_left_behind_when_tracker_moved_and_fix_points_it_here(
    pair: tuple[Register, Register],
) -> None:
    _ann, bo = pair
    git(bo.root, "config", "merge.tracker.driver", driver_command("/opt/moved/python3"))
    (bo.root / ".git" / "info" / "attributes").unlink()

    found = {f.check: f for f in examine(bo.root) if f.unhealthy}
    fixed = examine(bo.root, fix=True)

    assert "merge.tracker.driver" in found["config"].message
    assert "tracker doctor --fix" in found["attributes"].message
    assert all(not f.unhealthy for f in examine(bo.root))
    assert git(bo.root, "config", "merge.tracker.driver").startswith(sys.executable)
    assert any(f.check == "attributes" and f.status == "fixed" for f in fixed)


def test_a_record_the_remote_sent_damaged_stops_the_sync_naming_it_with_nothing_lost(
    pair: tuple[Register, Register],
) -> None:
    ann, bo = pair
    record_id = shared_issue(ann, bo)
    push_by_hand(
        ann,
        "Damaged",
        lambda root: (root / relative_path(record_id)).write_text('{"id": "' + record_id + '", "title": 5}'),
    )
    mine = bo.add_issue(title="Kept here").id
    before = git(bo.root, "rev-parse", "HEAD")

    with pytest.raises(SyncError, match=relative_path(record_id)) as raised:
        sync(bo.root)

    assert "\n" not in str(raised.value)
    assert git(bo.root, "rev-parse", "HEAD") == before
    assert git(bo.root, "status", "--porcelain") == ""
    assert document(bo, mine)["title"] == "Kept here"
    fsck_clean(bo)


def test_a_remote_that_removed_tracker_toml_is_refused_by_sync(pair: tuple[Register, Register]) -> None:
    ann, bo = pair
    push_by_hand(ann, "Removed settings", lambda root: (root / "tracker.toml").unlink())
    bo.add_issue(title="Kept here")

    synced = tracker(bo, "sync")

    assert synced.returncode == 1 and synced.stderr.count("\n") == 1
    assert "no longer has tracker.toml" in synced.stderr
    assert (bo.root / "tracker.toml").is_file()
    fsck_clean(bo)


def test_a_register_without_tracker_toml_refuses_writes_instead_of_using_the_default(
    register: Register, isolated_environment: Path
) -> None:
    register.add_issue(title="Kept here")
    (register.root / "tracker.toml").unlink()

    added = tracker(register, "add", "Where does this go")

    assert added.returncode == 1 and added.stderr.count("\n") == 1
    assert "tracker.toml: missing from this register" in added.stderr
    assert not (isolated_environment / "data").exists() or not any(
        (isolated_environment / "data").rglob("*.json")
    )


# --- 2. Nothing untrusted is read before it is checked --------------------------------


@pytest.mark.parametrize(
    "name", ["cache.json", "listing.pickle", "texts.pickle", "pending.json", "sync.json"]
)
def test_state_files_that_are_links_to_dev_zero_are_never_read(register: Register, name: str) -> None:
    register.add_issue(title="Receipts not allocated")
    state = register.root / ".tracker"
    state.mkdir(exist_ok=True)
    (state / name).unlink(missing_ok=True)
    os.symlink("/dev/zero", state / name)
    reported = [f.message for f in examine(register.root) if f.check == "state-files" and f.unhealthy]

    added = tracker(register, "add", "Payroll run late")
    listed = tracker(register, "list")

    assert added.returncode == 0, added.stderr
    assert listed.returncode == 0 and "Payroll run late" in listed.stdout
    assert reported == [
        f".tracker/{name} is a symbolic link; Tracker ignores it (remove it with: tracker doctor --fix)"
    ]


def test_a_state_folder_committed_by_a_remote_is_ignored_and_reported(
    pair: tuple[Register, Register], remote: Path, tmp_path: Path
) -> None:
    ann, _bo = pair

    def plant(root: Path) -> None:
        (root / ".tracker").mkdir(exist_ok=True)
        for name in ("cache.json", "pending.json", "sync.json"):
            (root / ".tracker" / name).unlink(missing_ok=True)
            os.symlink("/dev/zero", root / ".tracker" / name)

    push_by_hand(ann, "Planted state", plant)
    fresh = join(remote, tmp_path / "fresh", "Cy New")
    added = tracker(fresh, "add", "Payroll run late")

    assert added.returncode == 0, added.stderr
    assert any(f.check == "state" and f.unhealthy for f in examine(fresh.root))
    fsck_clean(fresh)


def test_a_record_nested_500_deep_is_reported_as_damaged_never_a_recursion_error(
    register: Register,
) -> None:
    good = register.add_issue(title="Receipts not allocated").id
    bad = register.add_issue(title="Deep").id
    path = register.root / relative_path(bad)
    deep = b'{"x":' * 500 + b'"bottom"' + b"}" * 500
    path.write_bytes(path.read_bytes().rstrip()[:-1] + b', "extra": ' + deep + b"}")
    git(register.root, "commit", "--quiet", "-am", "deep")

    listed = tracker(register, "list")
    shown = tracker(register, "show", bad)
    doctor = tracker(register, "doctor")

    assert listed.returncode == 0 and good in listed.stdout
    assert "RecursionError" not in listed.stderr + shown.stderr + doctor.stdout + doctor.stderr
    assert shown.returncode == 1 and shown.stderr.count("\n") == 1 and "nests more than" in shown.stderr
    assert "nests more than" in doctor.stdout


def test_a_tracker_toml_nested_1000_deep_from_a_remote_falls_back_to_the_last_good_settings(
    pair: tuple[Register, Register],
) -> None:
    ann, bo = pair
    push_by_hand(
        ann,
        "Deep settings",
        lambda root: (root / "tracker.toml").write_text("x = " + "[" * 1000 + "]" * 1000),
    )
    bo.add_issue(title="Made before the damage arrived")
    assert tracker(bo, "sync").returncode == 0  # brings the damaged file in
    bo.add_issue(title="Made after")  # through the door, with the settings it opened with

    synced = tracker(bo, "sync")
    listed = tracker(bo, "list")
    doctor = tracker(bo, "doctor")

    assert synced.returncode == 0, synced.stderr
    assert "using the last good settings, from commit" in synced.stderr
    assert listed.returncode == 1 and listed.stderr.count("\n") == 1 and "tracker.toml" in listed.stderr
    assert "Traceback" not in doctor.stderr and "tracker.toml" in doctor.stdout
    fsck_clean(bo)


def test_a_huge_record_file_from_a_remote_is_refused_and_the_rest_loads(
    pair: tuple[Register, Register],
) -> None:
    ann, bo = pair
    record_id = ann.add_issue(title="Receipts not allocated").id
    huge = ann.add_issue(title="Huge").id

    def grow(root: Path) -> None:
        path = root / relative_path(huge)
        data = orjson.loads(path.read_bytes())
        path.write_bytes(orjson.dumps({**data, "description": "x" * 3_000_000}))

    push_by_hand(ann, "Huge", grow)
    sync(bo.root)
    listed = tracker(bo, "list")

    assert listed.returncode == 0 and record_id in listed.stdout
    assert relative_path(huge) in Register.open(bo.root).problems()
    fsck_clean(bo)


# --- 4. Every operation is one unit ---------------------------------------------------


def test_a_sync_killed_mid_merge_is_undone_by_the_next_write_which_says_so(
    pair: tuple[Register, Register],
) -> None:
    ann, bo = pair
    record_id = shared_issue(ann, bo)
    ann.edit(record_id, {"title": "Ann's title"})
    sync(ann.root)
    bo.edit(record_id, {"severity": "high"})
    git(bo.root, "fetch", "--quiet", "origin")
    theirs = git(bo.root, "rev-parse", "origin/main").strip()
    head = git(bo.root, "rev-parse", "HEAD").strip()
    (bo.root / ".tracker" / "sync-merge").write_text(f"{theirs}\n{head}\n")
    subprocess.run(
        ["git", "-C", str(bo.root), "-c", "merge.tracker.driver=false", "merge", "--no-commit", theirs],
        capture_output=True,
    )
    assert (bo.root / ".git" / "MERGE_HEAD").exists()

    added = tracker(bo, "add", "Written after the kill")

    assert added.returncode == 0, added.stderr
    assert "interrupted tracker sync" in added.stderr and "run tracker sync again" in added.stderr
    assert not (bo.root / ".git" / "MERGE_HEAD").exists()
    assert document(bo, record_id)["severity"] == "high"
    assert git(bo.root, "status", "--porcelain") == ""
    synced = tracker(bo, "sync")
    assert synced.returncode == 0, synced.stderr
    assert document(bo, record_id)["title"] == "Ann's title"
    fsck_clean(bo)


def test_a_merge_started_by_hand_refuses_writes_naming_tracker_sync(pair: tuple[Register, Register]) -> None:
    ann, bo = pair
    record_id = shared_issue(ann, bo)
    ann.edit(record_id, {"title": "Ann's title"})
    sync(ann.root)
    git(bo.root, "fetch", "--quiet", "origin")
    bo.edit(record_id, {"severity": "high"})
    subprocess.run(["git", "-C", str(bo.root), "merge", "--no-commit", "origin/main"], capture_output=True)

    added = tracker(bo, "add", "Refused")

    assert added.returncode == 1 and added.stderr.count("\n") == 1
    assert "tracker sync" in added.stderr


def test_an_import_killed_during_its_writes_is_rolled_back_whole_never_committed_in_part(
    register: Register,
) -> None:
    kept = register.add_issue(title="Kept").id
    head = git(register.root, "rev-parse", "HEAD")
    from data.model import Issue, to_document

    half = [Issue(id=f"ISS-{n}{n}ABCD", title=f"Imported {n}", raised_by="Import") for n in range(2, 6)]
    paths = [relative_path(issue.id) for issue in half]
    Journal(register.root / ".tracker").record(paths, unit="import")
    for issue in half[:2]:  # killed after two of four files
        target = register.root / relative_path(issue.id)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(orjson.dumps(to_document(issue)))

    added = tracker(register, "add", "Next command")

    assert added.returncode == 0, added.stderr
    assert "rolled back an interrupted import of 2 record file(s)" in added.stderr
    subjects = git(register.root, "log", "--format=%s", f"{head.strip()}..HEAD").splitlines()
    assert len(subjects) == 1 and not any("Recover" in s for s in subjects)
    assert all(not (register.root / p).exists() for p in paths)
    assert (register.root / relative_path(kept)).exists()
    fsck_clean(register)


def test_a_commit_refused_by_a_hook_keeps_an_uncommitted_hand_edit_of_the_same_record(
    register: Register,
) -> None:
    record_id = register.add_issue(title="Receipts not allocated").id
    path = register.root / relative_path(record_id)
    edited = path.read_bytes().replace(b"Receipts not allocated", b"Edited by hand")
    path.write_bytes(edited)
    hook = register.root / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\necho refused >&2\nexit 1\n")
    hook.chmod(0o755)

    refused = tracker(register, "edit", record_id, "--severity", "high")

    assert refused.returncode == 1
    assert path.read_bytes() == edited


def test_a_journal_committed_by_a_remote_never_rolls_back_a_local_hand_edit(
    pair: tuple[Register, Register], remote: Path, tmp_path: Path
) -> None:
    ann, _bo = pair
    record_id = ann.add_issue(title="Receipts not allocated").id

    def plant(root: Path) -> None:
        (root / ".tracker").mkdir(exist_ok=True)
        (root / ".tracker" / "pending.json").unlink(missing_ok=True)
        (root / ".tracker" / "pending.json").write_text(
            '{"paths": ["' + relative_path(record_id) + '"], "unit": "import"}'
        )

    push_by_hand(ann, "Planted journal", plant)
    fresh = join(remote, tmp_path / "fresh", "Cy New")
    path = fresh.root / relative_path(record_id)
    edited = path.read_bytes().replace(b"Receipts not allocated", b"Edited by hand, not yet committed")
    path.write_bytes(edited)

    added = tracker(fresh, "add", "Payroll run late")

    assert added.returncode == 0, added.stderr
    assert "Tracker ignores its journal" in added.stderr
    assert path.read_bytes() == edited
    fsck_clean(fresh)


def test_a_write_during_a_sync_waits_for_it_instead_of_refusing(register: Register) -> None:
    """A sync holds the writer lock with its merge under way (MERGE_HEAD present):
    a write started then waits for the lock and lands after the sync."""
    head = git(register.root, "rev-parse", "HEAD").strip()
    script = (
        "import os, sys, time, pathlib\n"
        "from data.lock import WriterLock\n"
        "root = pathlib.Path(sys.argv[1])\n"
        "with WriterLock(root / '.tracker'):\n"
        f"    (root / '.git' / 'MERGE_HEAD').write_text('{head}\\n')\n"
        "    print('holding', flush=True)\n"
        "    time.sleep(1.5)\n"
        "    (root / '.git' / 'MERGE_HEAD').unlink()\n"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", script, str(register.root)], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"

    added = tracker(register, "add", "Written during a sync")
    holder.wait()

    assert added.returncode == 0, added.stderr
    assert git(register.root, "log", "-1", "--format=%s").startswith(added.stdout.strip())


def test_a_file_name_that_is_not_utf8_from_a_remote_breaks_nothing(pair: tuple[Register, Register]) -> None:
    ann, bo = pair
    record_id = ann.add_issue(title="Receipts not allocated", visibility="public").id

    def plant(root: Path) -> None:
        (root / "issues" / "ZZ").mkdir(parents=True, exist_ok=True)
        (Path(os.fsdecode(bytes(root / "issues" / "ZZ") + b"/\xff\xfe.json"))).write_bytes(b"{}")

    push_by_hand(ann, "Odd name", plant)
    bo.add_issue(title="Kept here")
    sync(bo.root)

    listed = tracker(bo, "list")
    doctor = tracker(bo, "doctor", "--json")
    exported = tracker(bo, "export", "--format", "json", "--kind", "issues", "-o", "-")

    assert listed.returncode == 0 and record_id in listed.stdout
    assert doctor.stdout.startswith("{") and "issues/ZZ/\\\\xff\\\\xfe.json" in doctor.stdout
    assert exported.returncode == 0 and record_id in exported.stdout
    fsck_clean(bo)
