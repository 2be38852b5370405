"""Sharing a register through git: clone, sync, merges, ID collisions, push races,
a lead's plain `git pull`, and a network remote (git daemon). Real git everywhere."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import orjson
import pytest
from conftest import START, Clock, document, git, join, run_tracker, shared_issue, sync, tree

from data.errors import SyncError
from data.files import relative_path
from data.model import Issue, Lesson, to_document
from data.sync import NoRemote, check_new_remote, clone, sync_status
from tracker.register import Register


def test_edits_to_different_records_arrive_on_both_clones(pair: tuple[Register, Register]) -> None:
    ann, bo = pair
    mine = ann.add_issue(title="Bank file rejected").id
    theirs = bo.add_issue(title="Payroll run late").id
    sync(ann.root)
    result = sync(bo.root)
    sync(ann.root)
    assert result.received == 1 and result.sent == 1
    assert tree(ann) == tree(bo)
    assert (bo.root / relative_path(mine)).is_file() and (ann.root / relative_path(theirs)).is_file()
    assert git(bo.root, "log", "-1", "--format=%s").startswith("Sync: merge 1 change from origin")


def test_edits_to_different_fields_of_one_record_are_both_kept(pair: tuple[Register, Register]) -> None:
    ann, bo = pair
    record_id = shared_issue(ann, bo)
    ann.edit(record_id, {"status": "open"})
    bo.edit(record_id, {"severity": "high"})
    sync(ann.root)
    result = sync(bo.root)
    sync(ann.root)
    merged = document(bo, record_id)
    assert (merged["status"], merged["severity"]) == ("open", "high")
    assert result.conflicts == []
    assert tree(ann) == tree(bo)


def test_the_same_field_edited_on_both_clones_keeps_the_later_and_records_the_other(
    pair: tuple[Register, Register],
) -> None:
    ann, bo = pair
    record_id = shared_issue(ann, bo)
    bo.clock = Clock(START + timedelta(hours=1))
    ann.edit(record_id, {"status": "resolved"})
    bo.edit(record_id, {"status": "workaround in place"})
    sync(bo.root)
    result = sync(ann.root)
    sync(bo.root)
    merged = document(ann, record_id)
    assert merged["status"] == "workaround in place"
    assert merged["closed_on"] is None
    [entry] = [u for u in merged["updates"] if u["kind"] == "conflict"]
    assert "Ann Lee" in entry["text"] and "Bo Stone" in entry["text"] and '"resolved"' in entry["text"]
    assert [(c.record, c.field, c.kept_author) for c in result.conflicts] == [
        (record_id, "status", "Bo Stone")
    ]
    assert tree(ann) == tree(bo)
    message = git(ann.root, "log", "-1", "--format=%B")
    assert "status changed on both sides" in message and f"Tracker-Record: {record_id}" in message


def test_updates_added_on_both_clones_are_all_kept(pair: tuple[Register, Register]) -> None:
    ann, bo = pair
    record_id = shared_issue(ann, bo)
    for n in range(3):
        ann.add_update(record_id, f"Ann's note {n}")
        bo.add_update(record_id, f"Bo's note {n}")
    sync(ann.root)
    sync(bo.root)
    sync(ann.root)
    texts = sorted(u["text"] for u in document(ann, record_id)["updates"])
    assert texts == sorted([f"Ann's note {n}" for n in range(3)] + [f"Bo's note {n}" for n in range(3)])
    assert tree(ann) == tree(bo)


@pytest.mark.parametrize("deleter", ["local", "remote"])
def test_a_record_deleted_on_one_clone_and_edited_on_the_other_keeps_the_edit(
    pair: tuple[Register, Register], deleter: str
) -> None:
    ann, bo = pair
    record_id = shared_issue(ann, bo)
    editor, remover = (ann, bo) if deleter == "local" else (bo, ann)
    git(remover.root, "rm", "--quiet", relative_path(record_id))
    git(remover.root, "commit", "--quiet", "-m", f"{record_id}: removed")
    editor.edit(record_id, {"status": "open"})
    first, second = (editor, remover) if deleter == "local" else (remover, editor)
    sync(first.root)
    sync(second.root)
    sync(first.root)
    for register in (ann, bo):
        assert document(register, record_id)["status"] == "open"
    assert tree(ann) == tree(bo)


def test_records_created_under_the_same_id_offline_are_both_kept_and_the_unshared_one_renumbered(
    pair: tuple[Register, Register],
) -> None:
    ann, bo = pair
    same = "ISS-C0111D"
    ann.save_many(
        [Issue(id=same, title="Ann's issue", raised_by="Ann Lee", created_at=START)], "add", [], "create"
    )
    bos = Issue(id=same, title="Bo's issue", raised_by="Bo Stone", created_at=START + timedelta(minutes=5))
    bo.save_many([bos], "add", [], "create")
    lesson = bo.add_lesson(title="Check IDs", issues=[same])
    sync(ann.root)
    result = sync(bo.root)
    sync(ann.root)
    [moved] = result.renumbered
    assert (moved.old, moved.title) == (same, "Bo's issue")
    assert document(bo, same)["title"] == "Ann's issue"
    renumbered = document(bo, moved.new)
    assert renumbered["title"] == "Bo's issue" and "Renumbered from" in renumbered["updates"][-1]["text"]
    assert document(bo, lesson.id)["issues"] == [moved.new]
    assert tree(ann) == tree(bo)
    assert any(line.startswith(f"{same} is now {moved.new}") for line in result.summary())
    assert git(bo.root, "log", "--format=%s", "-1", "HEAD^1").startswith(f"Renumber {same} → {moved.new}")


def test_clones_syncing_at_the_same_time_lose_nothing(remote: Path, tmp_path: Path) -> None:
    clones = [join(remote, tmp_path / f"c{n}", f"Person {n}") for n in range(3)]
    created = {
        register.root: [register.add_issue(title=f"Issue {n} from {register.root.name}").id for n in range(3)]
        for register in clones
    }
    barrier = threading.Barrier(len(clones))
    failures: list[BaseException] = []

    def race(register: Register) -> None:
        barrier.wait()
        try:
            sync(register.root, retries=10)
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=race, args=(register,)) for register in clones]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    for register in clones:
        sync(register.root)
    assert len({tree(register) for register in clones}) == 1
    everything = [record_id for ids in created.values() for record_id in ids]
    assert all((clones[0].root / relative_path(record_id)).is_file() for record_id in everything)


def test_a_leads_plain_git_pull_merges_records_field_by_field(
    pair: tuple[Register, Register], tmp_path: Path
) -> None:
    ann, bo = pair
    record_id = shared_issue(ann, bo)
    ann.edit(record_id, {"status": "open", "owner": "Cara Diaz"})
    sync(ann.root)
    bo.clock = Clock(START + timedelta(hours=1))
    bo.edit(record_id, {"status": "in progress", "severity": "high"})
    pulled = subprocess.run(
        ["git", "-C", str(bo.root), "pull", "--no-rebase", "--no-edit", "--quiet"],
        capture_output=True,
        text=True,
    )
    assert pulled.returncode == 0, pulled.stderr
    raw = (bo.root / relative_path(record_id)).read_text()
    assert "<<<<<<<" not in raw
    merged = orjson.loads(raw)
    assert (merged["owner"], merged["severity"]) == ("Cara Diaz", "high")
    assert merged["status"] == "in progress"
    assert [u["conflict"]["replaced"]["value"] for u in merged["updates"] if u["kind"] == "conflict"] == [
        "open"
    ]


def test_a_damaged_record_on_the_remote_stops_the_sync_and_leaves_the_register_as_it_was(
    pair: tuple[Register, Register],
) -> None:
    ann, bo = pair
    record_id = shared_issue(ann, bo)
    (ann.root / relative_path(record_id)).write_text("{ not json")
    git(ann.root, "commit", "--quiet", "-am", "broken by hand")
    git(ann.root, "push", "--quiet", "origin", "main")
    bo.edit(record_id, {"status": "open"})
    before = git(bo.root, "rev-parse", "HEAD")
    with pytest.raises(SyncError, match=relative_path(record_id)):
        sync(bo.root)
    assert git(bo.root, "rev-parse", "HEAD") == before
    assert git(bo.root, "status", "--porcelain") == ""
    assert "not valid JSON" in (sync_status(bo.root).last_error or "")


def test_status_counts_changes_ahead_and_behind_without_the_network(pair: tuple[Register, Register]) -> None:
    ann, bo = pair
    bo.add_issue(title="Waiting to be shared")
    ann.add_issue(title="Shared first")
    ann.add_issue(title="Shared second")
    sync(ann.root)
    git(bo.root, "fetch", "--quiet")
    status = sync_status(bo.root)
    assert (status.ahead, status.behind, status.branch) == (1, 2, "main")
    assert status.remote_url and status.remote_url.endswith("shared.git")
    sync(bo.root)
    after = sync_status(bo.root)
    assert (after.ahead, after.behind, after.last_error) == (0, 0, None)
    assert after.last_sync is not None


def test_a_register_without_a_remote_says_so_in_one_line(register: Register) -> None:
    with pytest.raises(NoRemote, match="no remote 'origin'"):
        sync(register.root)
    result = run_tracker("--register", str(register.root), "sync")
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "git remote add origin URL" in result.stderr


def test_tracker_clone_and_sync_from_the_command_line(remote: Path, tmp_path: Path) -> None:
    cloned = run_tracker("clone", str(remote), cwd=tmp_path)
    assert cloned.returncode == 0, cloned.stderr
    folder = tmp_path / "shared"
    driver = git(folder, "config", "merge.tracker.driver").strip()
    assert driver.startswith(f"{sys.executable} -m tracker merge-file %O %A %B %P")
    assert run_tracker("add", "Logged on a clone", cwd=folder).returncode == 0
    synced = run_tracker("sync", cwd=folder)
    assert synced.returncode == 0, synced.stderr
    assert "sent 1 change" in synced.stdout


def test_cloning_something_that_is_not_a_register_keeps_nothing(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    git(plain, "init", "--quiet")
    (plain / "notes.txt").write_text("hello\n")
    git(plain, "add", ".")
    git(plain, "commit", "--quiet", "-m", "notes")
    result = run_tracker("clone", str(plain), str(tmp_path / "copy"))
    assert result.returncode == 1 and "not a Tracker register" in result.stderr
    assert not (tmp_path / "copy").exists()
    empty = tmp_path / "empty.git"
    git(tmp_path, "init", "--quiet", "--bare", str(empty))
    with pytest.raises(SyncError, match="tracker init --remote"):
        clone(str(empty), tmp_path / "from-empty")


def test_a_new_register_can_only_be_shared_to_an_empty_remote(remote: Path, tmp_path: Path) -> None:
    with pytest.raises(SyncError, match="tracker clone"):
        check_new_remote(str(remote))
    with pytest.raises(SyncError, match="cannot reach"):
        check_new_remote(str(tmp_path / "nowhere.git"))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def daemon(remote: Path) -> Iterator[str]:
    """`git daemon` serving the remote's folder on 127.0.0.1; yields the URL."""
    port = _free_port()
    process = subprocess.Popen(
        [
            "git",
            "daemon",
            "--reuseaddr",
            "--export-all",
            "--enable=receive-pack",
            "--listen=127.0.0.1",
            f"--port={port}",
            f"--base-path={remote.parent}",
            str(remote.parent),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.05)
    yield f"git://127.0.0.1:{port}/{remote.name}"
    process.terminate()
    process.wait(timeout=10)


def test_clones_share_a_register_over_the_network(daemon: str, tmp_path: Path) -> None:
    first = Register.open(clone(daemon, tmp_path / "net-a"))
    second = Register.open(clone(daemon, tmp_path / "net-b"))
    record_id = first.add_issue(title="Logged over the network").id
    sync(first.root)
    result = sync(second.root)
    assert result.received == 1
    assert (second.root / relative_path(record_id)).is_file()


def test_lessons_and_links_merge_across_clones(pair: tuple[Register, Register]) -> None:
    ann, bo = pair
    record_id = shared_issue(ann, bo)
    lesson = ann.add_lesson(title="Test bank files end to end")
    sync(ann.root)
    sync(bo.root)
    ann.link(record_id, lesson.id)
    bo.edit(lesson.id, {"action_status": "agreed"})
    sync(ann.root)
    sync(bo.root)
    sync(ann.root)
    merged = document(bo, lesson.id)
    assert (merged["issues"], merged["action_status"]) == ([record_id], "agreed")
    assert document(bo, record_id)["lessons"] == [lesson.id]
    assert to_document(Lesson(**merged)) == merged
    assert tree(ann) == tree(bo)


def test_sync_keeps_a_commit_graph_with_changed_path_filters(pair: tuple[Register, Register]) -> None:
    ann, bo = pair
    shared_issue(ann, bo)
    info = bo.root / ".git" / "objects" / "info"
    graphs = [info / "commit-graph", *(info / "commit-graphs").glob("*.graph")]
    assert any(b"BIDX" in path.read_bytes() for path in graphs if path.is_file())


def test_clones_changing_and_syncing_concurrently_end_identical_with_every_change(tmp_path: Path) -> None:
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    from sync_soak import soak

    report = soak(tmp_path, clones=3, changes=20, sync_every=5)
    assert report.identical
    assert report.missing == []
    assert report.records >= 3 * 5


def test_a_plain_git_pull_of_a_damaged_record_reports_a_conflict_and_keeps_the_local_record(
    pair: tuple[Register, Register],
) -> None:
    ann, bo = pair
    record_id = shared_issue(ann, bo)
    (ann.root / relative_path(record_id)).write_text("{ not json")
    git(ann.root, "commit", "--quiet", "-am", "broken by hand")
    git(ann.root, "push", "--quiet", "origin", "main")
    bo.edit(record_id, {"status": "open"})
    pulled = subprocess.run(
        ["git", "-C", str(bo.root), "pull", "--no-rebase", "--no-edit"], capture_output=True, text=True
    )
    assert pulled.returncode != 0
    assert "tracker merge-file" in pulled.stderr + pulled.stdout
    assert orjson.loads((bo.root / relative_path(record_id)).read_bytes())["status"] == "open"


def test_init_remote_then_clone_works_when_the_bare_repository_defaults_to_master(tmp_path: Path) -> None:
    bare = tmp_path / "shared.git"
    subprocess.run(
        ["git", "-c", "init.defaultBranch=master", "init", "--quiet", "--bare", str(bare)], check=True
    )
    shared = run_tracker("init", str(tmp_path / "first"), "--remote", str(bare))
    assert shared.returncode == 0, shared.stderr
    joined = run_tracker("clone", str(bare), str(tmp_path / "second"))
    assert joined.returncode == 0, joined.stderr
    assert (tmp_path / "second" / "tracker.toml").is_file()
    assert git(tmp_path / "second", "symbolic-ref", "--short", "HEAD").strip() == "main"
