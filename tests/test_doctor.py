"""`tracker doctor`: finds what issue 7 lists, repairs only what is safe, and
never rewrites or deletes a record file."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from conftest import git, run_tracker

from data.files import encode, relative_path
from data.load import STATE_DIR
from data.model import to_document
from tracker.doctor import Finding, examine, healthy
from tracker.register import Register


def _problems(findings: list[Finding], check: str | None = None) -> list[str]:
    return [f.message for f in findings if f.unhealthy and (check is None or f.check == check)]


def _records(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for folder in ("issues", "lessons")
        for p in sorted((root / folder).rglob("*"))
        if p.is_file() and not p.is_symlink() and not p.name.endswith(".tmp")
    }


@pytest.fixture
def busy_register(register: Register) -> Register:
    register.add_issue(title="Receipts not allocated", area="finance")
    register.add_lesson(title="Escalate backlogs early")
    register.documents("issue")  # writes the load cache
    return register


def test_a_healthy_register_passes_and_exits_0(busy_register: Register) -> None:
    examine(busy_register.root, fix=True)  # writes the commit-graph: advice, not a problem
    result = run_tracker("--register", str(busy_register.root), "doctor")
    assert result.returncode == 0, result.stdout
    assert result.stdout.rstrip().endswith(": healthy")
    as_json = json.loads(run_tracker("--register", str(busy_register.root), "doctor", "--json").stdout)
    assert as_json["healthy"] is True and {f["check"] for f in as_json["findings"]} >= {
        "records",
        "cache",
        "config",
        "identity",
        "fsck",
        "index-lock",
        "lock",
        "uncommitted",
        "writable",
    }


def test_damaged_records_are_reported_with_path_and_never_touched_by_fix(busy_register: Register) -> None:
    root = busy_register.root
    (root / "issues" / "ZZ").mkdir()
    (root / "issues" / "ZZ" / "ISS-ZZ0000.json").write_bytes(b'{"id": "ISS-ZZ0000", "title": ')
    (root / "issues" / "ZZ" / "ISS-ZZ0001.json").write_bytes(b"")
    os.symlink("/etc/passwd", root / "issues" / "ZZ" / "ISS-ZZ0002.json")
    before = _records(root)

    fixed = examine(root, fix=True)
    result = run_tracker("--register", str(root), "doctor", "--fix")

    assert result.returncode == 1
    messages = _problems(fixed, "records")
    assert any(m.startswith("issues/ZZ/ISS-ZZ0000.json (not committed): is not valid JSON") for m in messages)
    assert any(m.startswith("issues/ZZ/ISS-ZZ0001.json (not committed): is empty") for m in messages)
    assert any(
        m.startswith("issues/ZZ/ISS-ZZ0002.json (not committed): is a symbolic link") for m in messages
    )
    assert _records(root) == before
    assert (root / "issues" / "ZZ" / "ISS-ZZ0002.json").is_symlink()


def test_a_write_interrupted_before_its_commit_is_committed_by_fix(busy_register: Register) -> None:
    issue = next(iter(busy_register.documents("issue").values()))
    busy_register._save([{**issue, "severity": "critical"}])  # then the process died
    before = _records(busy_register.root)

    found = examine(busy_register.root)
    fixed = examine(busy_register.root, fix=True)

    assert any("left changed but not committed by an interrupted write" in m for m in _problems(found))
    assert any(f.status == "fixed" and f.check == "uncommitted" for f in fixed)
    assert healthy(fixed) and _records(busy_register.root) == before
    assert git(busy_register.root, "status", "--porcelain") == ""
    assert git(busy_register.root, "log", "-1", "--format=%s").startswith("Recover uncommitted changes")


def test_a_hand_edit_left_uncommitted_is_reported_but_not_committed(busy_register: Register) -> None:
    issue = next(iter(busy_register.documents("issue").values()))
    path = busy_register.root / relative_path(issue["id"])
    path.write_bytes(encode({**issue, "title": "Edited by hand"}))
    head = git(busy_register.root, "rev-parse", "HEAD")

    fixed = examine(busy_register.root, fix=True)

    assert any("not by an interrupted Tracker write" in m for m in _problems(fixed, "uncommitted"))
    assert git(busy_register.root, "rev-parse", "HEAD") == head
    assert b"Edited by hand" in path.read_bytes()


def test_a_stale_index_lock_is_cleared_and_a_fresh_one_left_alone(busy_register: Register) -> None:
    lock = busy_register.root / ".git" / "index.lock"
    lock.write_bytes(b"")
    fresh = examine(busy_register.root, fix=True)
    assert lock.exists() and any("a git command is running" in m for m in _problems(fresh, "index-lock"))

    os.utime(lock, (time.time() - 120, time.time() - 120))
    found = examine(busy_register.root)
    fixed = examine(busy_register.root, fix=True)

    assert any("left by a git that stopped" in m for m in _problems(found, "index-lock"))
    assert not lock.exists() and not _problems(fixed, "index-lock")


@pytest.mark.parametrize("name", ["HEAD.lock", "refs/heads/main.lock", "next-index-4242.lock"])
def test_other_stale_git_locks_left_by_a_killed_commit_are_removed(
    busy_register: Register, name: str
) -> None:
    lock = busy_register.root / ".git" / name
    lock.write_bytes(b"")
    os.utime(lock, (time.time() - 120, time.time() - 120))

    found = examine(busy_register.root)
    fixed = examine(busy_register.root, fix=True)

    assert any(f".git/{name} was left by a git that stopped" in m for m in _problems(found, "index-lock"))
    assert not lock.exists() and not _problems(fixed, "index-lock")
    assert Register.open(busy_register.root).add_issue(title="Writes work again")


def test_temporary_files_of_dead_writers_are_removed_and_live_ones_kept(busy_register: Register) -> None:
    issue_id = next(iter(busy_register.documents("issue")))
    folder = (busy_register.root / relative_path(issue_id)).parent
    dead = folder / f".{issue_id}.json.999999999.0badc0de.tmp"
    live = folder / f".{issue_id}.json.{os.getpid()}.0badc0de.tmp"
    cache_leftover = busy_register.root / STATE_DIR / ".cache.json.999999999.0badc0de.tmp"
    listing_leftover = busy_register.root / STATE_DIR / ".texts.pickle.999999999.1f2e3d4c.tmp"
    store_leftover = busy_register.root / STATE_DIR / ".records.bin.999999999.2a3b4c5d.tmp"
    not_ours = folder / "notes.tmp"
    for path in (dead, live, cache_leftover, listing_leftover, store_leftover, not_ours):
        path.write_bytes(b"half a record")

    found = examine(busy_register.root)
    fixed = examine(busy_register.root, fix=True)

    assert len(_problems(found, "temporary")) == 4
    assert not dead.exists() and not cache_leftover.exists() and not listing_leftover.exists()
    assert not store_leftover.exists()
    assert live.exists() and not_ours.exists()
    assert not _problems(fixed, "temporary")


@pytest.mark.parametrize("damage", ["garbage", "forged", "missing tree"])
def test_a_damaged_or_wrong_cache_is_found_and_rebuilt(busy_register: Register, damage: str) -> None:
    cache = busy_register.root / STATE_DIR / "cache.json"
    data = json.loads(cache.read_bytes())
    if damage == "forged":
        next(iter(data["tables"]["issues"].values()))["title"] = "FORGED"
    elif damage == "missing tree":
        data["tree"] = "0" * 40
    cache.write_bytes(b"\x00garbage" if damage == "garbage" else json.dumps(data).encode())

    found = examine(busy_register.root)
    fixed = examine(busy_register.root, fix=True)

    assert _problems(found, "cache")
    assert not _problems(fixed, "cache") and any(f.check == "cache" and f.status == "fixed" for f in fixed)
    assert "FORGED" not in cache.read_text(encoding="utf-8")
    assert not _problems(examine(busy_register.root), "cache")


def test_missing_git_settings_are_set_and_the_commit_graph_written(busy_register: Register) -> None:
    git(busy_register.root, "config", "--unset", "gc.auto")
    git(busy_register.root, "config", "--unset", "merge.tracker.driver")
    graph = busy_register.root / ".git" / "objects" / "info" / "commit-graph"

    found = examine(busy_register.root)
    fixed = examine(busy_register.root, fix=True)

    assert any("gc.auto" in m and "merge.tracker.driver" in m for m in _problems(found, "config"))
    assert any(f.check == "commit-graph" and f.status == "advice" for f in found)
    assert git(busy_register.root, "config", "gc.auto").strip() == "0"
    assert healthy(fixed) and graph.exists()


def test_gc_runs_only_when_asked(busy_register: Register) -> None:
    packs = busy_register.root / ".git" / "objects" / "pack"
    examine(busy_register.root, fix=True)
    assert not list(packs.glob("*.pack"))
    examine(busy_register.root, gc=True)
    assert list(packs.glob("*.pack"))
    assert len(busy_register.documents("issue")) == 1


@pytest.mark.parametrize("situation", ["detached", "merge", "no identity"])
def test_git_state_and_identity_problems_are_reported_and_block_commits(
    busy_register: Register, situation: str, isolated_environment: Path
) -> None:
    from conftest import write_git_config

    issue = next(iter(busy_register.documents("issue").values()))
    busy_register._save([{**issue, "severity": "critical"}])  # an interrupted write to recover
    if situation == "detached":
        git(busy_register.root, "switch", "--quiet", "--detach", "HEAD")
    elif situation == "merge":
        (busy_register.root / ".git" / "MERGE_HEAD").write_text(git(busy_register.root, "rev-parse", "HEAD"))
    else:
        write_git_config(isolated_environment / ".gitconfig", identity=False)
    head = git(busy_register.root, "rev-parse", "HEAD")

    fixed = examine(busy_register.root, fix=True)

    expected = {
        "detached": "HEAD is detached",
        "merge": "a merge is in progress",
        "no identity": "no git identity",
    }[situation]
    assert any(expected in m for m in _problems(fixed))
    assert git(busy_register.root, "rev-parse", "HEAD") == head  # nothing committed in that state


def test_broken_git_objects_fail_fsck(busy_register: Register) -> None:
    issue_id = next(iter(busy_register.documents("issue")))
    blob = git(busy_register.root, "rev-parse", f"HEAD:{relative_path(issue_id)}").strip()
    (busy_register.root / ".git" / "objects" / blob[:2] / blob[2:]).unlink()

    assert any(
        "git fsck --connectivity-only failed" in m for m in _problems(examine(busy_register.root), "fsck")
    )


def test_settings_and_state_folder_problems_are_reported(busy_register: Register) -> None:
    (busy_register.root / "tracker.toml").write_text("[vocabulary]\nstatuses = []\n", encoding="utf-8")
    git(busy_register.root, "add", "-f", ".tracker/cache.json")

    findings = examine(busy_register.root, fix=True)

    assert any("tracker.toml" in m and "vocabulary.statuses" in m for m in _problems(findings, "settings"))
    assert any("committed to git" in m for m in _problems(findings, "state"))


def test_a_writer_holding_the_lock_is_reported_and_nothing_is_repaired(busy_register: Register) -> None:
    lock = busy_register.root / ".git" / "index.lock"
    lock.write_bytes(b"")
    os.utime(lock, (time.time() - 120, time.time() - 120))
    with busy_register.lock:
        findings = examine(busy_register.root, fix=True)
    assert any("another Tracker" in m for m in _problems(findings, "lock"))
    assert lock.exists()


def test_a_record_file_is_never_deleted_or_rewritten_by_fix_whatever_the_damage(
    busy_register: Register,
) -> None:
    root = busy_register.root
    issue = next(iter(busy_register.documents("issue").values()))
    busy_register._save([{**issue, "severity": "critical"}])
    (root / "issues" / "ZZ").mkdir()
    (root / "issues" / "ZZ" / "ISS-ZZ0000.json").write_bytes(b"\xff\xfe not json")
    (root / "issues" / "ZZ" / f"{issue['id']}.json").write_bytes(encode(issue))  # in the wrong shard
    (root / "lessons" / "notes.json").write_bytes(b"{}")
    (root / STATE_DIR / "cache.json").write_bytes(b"{")
    before = _records(root)

    examine(root, fix=True, gc=True)

    assert _records(root) == before
    assert to_document(Register.open(root).get(issue["id"]))["severity"] == "critical"


def test_a_read_only_register_is_reported(busy_register: Register) -> None:
    import subprocess
    import sys

    from test_reliability_environment import _make_read_only, _read_only_runner

    runner = _read_only_runner()
    _make_read_only(busy_register.root)
    try:
        result = subprocess.run(
            [sys.executable, "-m", "tracker", "--register", str(busy_register.root), "doctor"],
            capture_output=True,
            text=True,
            preexec_fn=runner,
        )
    finally:
        _make_read_only(busy_register.root, writable=True)
    assert result.returncode == 1
    assert f"problem  writable: {busy_register.root}: cannot be written (Permission denied)" in result.stdout


def test_every_atomic_write_names_its_temporary_file_one_way(tmp_path: Path) -> None:
    from data.files import temporary_for, temporary_writer

    for name in (
        "ISS-4K7Q2M.json",
        "cache.json",
        "listing.pickle",
        "texts.pickle",
        "records.bin",
        "status-history.pickle",
        "people-history.pickle",
        "pending.json",
        "sync.json",
    ):
        temporary = temporary_for(tmp_path / name)
        assert temporary.parent == tmp_path and temporary.name.startswith(".")
        assert temporary_writer(temporary.name) == (name, os.getpid())
    assert temporary_writer("notes.tmp") is None and temporary_writer(".cache.json") is None


def test_no_module_but_data_files_makes_up_a_temporary_name() -> None:
    root = Path(__file__).resolve().parent.parent
    shipped = [
        p for package in ("data", "exports", "tracker", "widgets") for p in (root / package).rglob("*.py")
    ]
    makers = [p.relative_to(root).as_posix() for p in shipped if '}.tmp"' in p.read_text(encoding="utf-8")]
    assert makers == ["data/files.py"]
