"""`tracker doctor` names each state that sharing or a kill can leave, and the
command that repairs it."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

from conftest import git

from data.files import relative_path
from data.journal import Journal
from tracker.doctor import examine
from tracker.register import Register


def problems(root: Path, check: str) -> list[str]:
    return [f.message for f in examine(root) if f.check == check and f.unhealthy]


def test_doctor_names_an_interrupted_sync_and_tracker_sync_as_its_repair(register: Register) -> None:
    head = git(register.root, "rev-parse", "HEAD").strip()
    (register.root / ".tracker").mkdir(exist_ok=True)
    (register.root / ".tracker" / "sync-merge").write_text(f"{head}\n{head}\n")

    [message] = problems(register.root, "interrupted")

    assert "a tracker sync was interrupted" in message and "run tracker sync" in message


def test_doctor_names_an_interrupted_import_and_says_the_next_write_rolls_it_back(register: Register) -> None:
    issue = register.add_issue(title="Receipts not allocated")
    Journal(register.root / ".tracker").record([relative_path(issue.id)], unit="import")

    [message] = problems(register.root, "interrupted")

    assert "an interrupted import" in message and "rolls all of it back" in message


def test_doctor_leaves_an_old_index_lock_alone_while_git_works_in_the_register(register: Register) -> None:
    lock = register.root / ".git" / "index.lock"
    lock.write_bytes(b"")
    os.utime(lock, (time.time() - 120, time.time() - 120))
    lead = subprocess.Popen(
        ["git", "-C", str(register.root), "cat-file", "--batch"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    try:
        fixed = examine(register.root, fix=True)
        kept = lock.exists()
    finally:
        lead.kill()
        lead.wait()

    assert kept
    assert any("a git command is still working" in f.message for f in fixed if f.check == "index-lock")


def test_doctor_says_sync_still_works_on_the_last_good_settings(register: Register) -> None:
    (register.root / "tracker.toml").write_text("x = " + "[" * 1000 + "]" * 1000)

    [message] = problems(register.root, "settings")

    assert "nests more than" in message and "tracker sync uses the last good settings" in message
