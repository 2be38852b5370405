"""One writer at a time: the register's writer lock and git's index.lock.

A second writer waits (data.lock.WAIT_SECONDS) then fails with a clear message;
a writer killed while holding the lock never leaves the register locked (the
kernel releases an flock); a stale `.git/index.lock` left by a crashed git is
cleared, a fresh one is waited for.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import git, run_tracker

from data.lock import WAIT_SECONDS
from tracker.register import Register

HOLD = """
import sys, time
from pathlib import Path
from data.model import to_document
from tracker.register import Register
register = Register.open(Path(sys.argv[1]))
with register.writing():
    issue = register.get(sys.argv[2])
    paths = register._save([{**to_document(issue), "title": "Half-way through a save"}])  # not yet committed
    print("holding", flush=True)
    time.sleep(float(sys.argv[3]))
    register._commit(paths, "Holder's own commit\\n")
print("released", flush=True)
"""


def _hold(register: Register, record_id: str, seconds: float) -> subprocess.Popen[str]:
    """Another Tracker process in the middle of a save, holding the lock."""
    process = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(register.root), record_id, str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert process.stdout is not None and process.stdout.readline().strip() == "holding"
    return process


def _commits(root: Path) -> list[str]:
    return git(root, "log", "--format=%s").splitlines()


def test_a_second_writer_waits_for_the_first_and_never_commits_its_half_done_write(
    register: Register,
) -> None:
    issue = register.add_issue(title="Receipts not allocated")
    holder = _hold(register, issue.id, 1.0)

    added = run_tracker("--register", str(register.root), "add", "Payroll run late")
    holder.communicate()

    assert added.returncode == 0, added.stderr
    assert "recovered" not in added.stderr  # it waited: it never saw the holder's file half-way
    subjects = _commits(register.root)
    assert subjects[:2] == [
        "ISS-" + added.stdout.strip()[4:] + ': new issue "Payroll run late"',
        "Holder's own commit",
    ]
    new_commit_files = git(register.root, "show", "--name-only", "--format=", "HEAD").split()
    assert new_commit_files == [f"issues/{added.stdout.strip()[4:6]}/{added.stdout.strip()}.json"]


def test_a_second_writer_gives_up_with_a_clear_message_and_writes_nothing(register: Register) -> None:
    issue = register.add_issue(title="Receipts not allocated")
    holder = _hold(register, issue.id, 60)
    try:
        started = time.monotonic()
        added = run_tracker("--register", str(register.root), "add", "Payroll run late")
        waited = time.monotonic() - started
    finally:
        os.killpg(holder.pid, signal.SIGKILL)
        holder.wait()

    assert added.returncode == 1
    assert added.stderr.count("\n") == 1
    assert f"another Tracker (pid {holder.pid}" in added.stderr
    assert "is writing to this register; try again when it has finished" in added.stderr
    assert waited >= WAIT_SECONDS
    assert len(list((register.root / "issues").rglob("*.json"))) == 1


def test_a_lock_held_by_a_killed_writer_is_released_without_help(register: Register) -> None:
    issue = register.add_issue(title="Receipts not allocated")
    holder = _hold(register, issue.id, 60)
    os.killpg(holder.pid, signal.SIGKILL)
    holder.wait()

    started = time.monotonic()
    added = run_tracker("--register", str(register.root), "add", "Payroll run late")

    assert added.returncode == 0, added.stderr
    assert time.monotonic() - started < WAIT_SECONDS  # no waiting for a dead holder
    assert "recovered uncommitted changes to " + issue.id in added.stderr
    assert git(register.root, "status", "--porcelain") == ""


def test_a_stale_index_lock_from_a_crashed_git_is_cleared(register: Register) -> None:
    lock = register.root / ".git" / "index.lock"
    lock.write_bytes(b"")
    os.utime(lock, (time.time() - 120, time.time() - 120))

    added = run_tracker("--register", str(register.root), "add", "Payroll run late")

    assert added.returncode == 0, added.stderr
    assert not lock.exists()


def test_a_fresh_index_lock_is_waited_for(register: Register) -> None:
    lock = register.root / ".git" / "index.lock"
    lock.write_bytes(b"")
    adding = subprocess.Popen(
        [sys.executable, "-m", "tracker", "--register", str(register.root), "add", "Payroll run late"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    journal = register.root / ".tracker" / "pending.json"
    while not journal.exists() and adding.poll() is None:  # the record is being written; its commit is next
        time.sleep(0.01)
    time.sleep(0.5)
    lock.unlink()  # the other git finished
    out, err = adding.communicate()
    assert adding.returncode == 0, err
    assert Register.open(register.root).get(out.strip()).title == "Payroll run late"


def test_a_busy_index_lock_fails_before_anything_is_written(register: Register) -> None:
    lock = register.root / ".git" / "index.lock"
    lock.write_bytes(b"")
    added = run_tracker("--register", str(register.root), "add", "Payroll run late")
    lock.unlink()
    assert added.returncode == 1
    assert "index.lock is held by another git command" in added.stderr
    assert list((register.root / "issues").rglob("*.json")) == []


@pytest.mark.parametrize("name", ["HEAD.lock", "refs/heads/main.lock"])
def test_a_stale_ref_lock_left_by_a_killed_commit_is_cleared(register: Register, name: str) -> None:
    lock = register.root / ".git" / name
    lock.write_bytes(b"")
    os.utime(lock, (time.time() - 120, time.time() - 120))

    added = run_tracker("--register", str(register.root), "add", "Payroll run late")

    assert added.returncode == 0, added.stderr
    assert not lock.exists()
