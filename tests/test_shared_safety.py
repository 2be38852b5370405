"""The smaller ways a shared register could be bent: names that are not UTF-8,
a git still at work, a read-only mount, one-way lesson links, whose name an
update carries, what a remote's hooks print or how long they take, a hostile
`sync.remote`, hostile tag names."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import orjson
import pytest
from conftest import git, run_tracker, sync

from data.files import relative_path
from data.sync import add_remote, clone
from tracker.register import Register


def tracker(
    register: Register, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return run_tracker("--register", str(register.root), *args, env=env)


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 1 and result.stderr.count("\n") == 1, result.stderr
    return result.stderr


@pytest.fixture
def shared(tmp_path: Path) -> tuple[Path, Register]:
    bare = tmp_path / "shared.git"
    subprocess.run(["git", "init", "--quiet", "--bare", "--initial-branch=main", str(bare)], check=True)
    first = Register.init(tmp_path / "founder", name="Shared register")
    add_remote(first.root, str(bare))
    sync(first.root)
    return bare, Register.open(clone(str(bare), tmp_path / "clone"))


def test_a_file_name_that_is_not_utf8_breaks_neither_exports_nor_doctor_json(register: Register) -> None:
    register.add_issue(title="Receipts not allocated", visibility="public")
    (register.root / "issues" / "ZZ").mkdir(parents=True)
    (
        register.root / os.fsencode("issues/ZZ/\udcff\udcfe.json").decode("utf-8", "surrogateescape")
    ).write_bytes(b"{}")

    doctor = tracker(register, "doctor", "--json")
    listed = tracker(register, "list")
    exported = {
        kind: tracker(register, "export", "--format", kind, "-o", "-")
        for kind in ("md", "html", "csv", "json")
    }

    findings = json.loads(doctor.stdout)["findings"]
    assert any("issues/ZZ/\\xff\\xfe.json" in f["message"] for f in findings)
    assert listed.returncode == 0 and "Receipts not allocated" in listed.stdout
    for kind, result in exported.items():
        assert result.returncode == 0, (kind, result.stderr)
        assert "Traceback" not in result.stderr


def test_an_old_index_lock_is_kept_while_a_git_process_works_in_the_register(register: Register) -> None:
    register.add_issue(title="Receipts not allocated")
    lock = register.root / ".git" / "index.lock"
    lock.write_bytes(b"")
    os.utime(lock, (time.time() - 120, time.time() - 120))
    lead = subprocess.Popen(  # a lead's git, still running in the register
        ["git", "-C", str(register.root), "cat-file", "--batch"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    try:
        refused = tracker(register, "add", "Payroll run late")
        assert lock.exists()
    finally:
        lead.kill()
        lead.wait()
    added = tracker(register, "add", "Payroll run late")

    assert "index.lock is held by another git command" in one_line(refused)
    assert added.returncode == 0, added.stderr
    assert not lock.exists()


def test_list_and_export_work_on_a_read_only_mount(register: Register) -> None:
    register.add_issue(title="Receipts not allocated", visibility="public")
    shutil.rmtree(register.root / ".tracker", ignore_errors=True)
    if not shutil.which("unshare"):
        pytest.skip("unshare is not installed")
    root = str(register.root)
    script = (
        f'mount --bind "{root}" "{root}" && mount -o remount,ro,bind "{root}" && '
        f'touch "{root}/probe" 2>/dev/null && exit 3; '
        f'"$0" -m tracker --register "{root}" list && "$0" -m tracker --register "{root}" export -o -'
    )
    import sys

    result = subprocess.run(
        ["unshare", "--mount", "--map-root-user", "sh", "-c", script, sys.executable],
        capture_output=True,
        text=True,
    )
    if "mount:" in result.stderr or result.returncode == 3:
        pytest.skip(f"cannot make a read-only mount here: {result.stderr.strip()[:200]}")
    assert result.returncode == 0, result.stderr
    assert "Receipts not allocated" in result.stdout


def test_lesson_add_with_an_issue_links_both_ways_in_one_commit(register: Register) -> None:
    issue = register.add_issue(title="Receipts not allocated")
    before = git(register.root, "rev-list", "--count", "HEAD")

    lesson = register.add_lesson(title="Test with real bank files", issues=[issue.id])

    assert register.get(issue.id).lessons == [lesson.id]  # type: ignore[union-attr]
    assert int(git(register.root, "rev-list", "--count", "HEAD")) == int(before) + 1
    assert set(git(register.root, "show", "--name-only", "--format=", "HEAD").split()) == {
        relative_path(issue.id),
        relative_path(lesson.id),
    }


def test_an_updates_author_is_the_repositorys_own_identity_like_the_commits(register: Register) -> None:
    issue = register.add_issue(title="Receipts not allocated")
    git(register.root, "config", "user.name", "Local Lead")
    git(register.root, "config", "user.email", "lead@council.example")

    updated = tracker(register, "update", issue.id, "Called the bank")

    assert updated.returncode == 0, updated.stderr
    document = orjson.loads((register.root / relative_path(issue.id)).read_bytes())
    assert document["updates"][-1]["author"] == "Local Lead"
    assert git(register.root, "log", "-1", "--format=%an").strip() == "Local Lead"


def _remote_hook(bare: Path, body: str) -> None:
    hook = bare / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\n" + body + "\n")
    hook.chmod(0o755)


def test_what_a_remotes_hook_prints_reaches_the_terminal_only_as_visible_text(
    shared: tuple[Path, Register],
) -> None:
    bare, register = shared
    _remote_hook(bare, "printf '\\033]0;owned\\007\\033[31mREJECTED\\n' >&2; exit 1")
    register.add_issue(title="Receipts not allocated")

    synced = run_tracker("sync", cwd=register.root)

    message = one_line(synced)
    assert "\x1b" not in message and "\x07" not in message
    assert "\\x1b[31mREJECTED" in message


def _running(command_line: str) -> bool:
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and command_line.encode() in (entry / "cmdline").read_bytes():
                return True
        except OSError:
            continue
    return False


def test_a_remote_hook_that_hangs_is_stopped_after_the_network_timeout(shared: tuple[Path, Register]) -> None:
    bare, register = shared
    _remote_hook(bare, "sleep 600")
    register.add_issue(title="Receipts not allocated")

    synced = run_tracker("sync", cwd=register.root, env={"TRACKER_GIT_TIMEOUT": "2"})

    assert "took longer than 2 s and was stopped" in one_line(synced)
    assert "TRACKER_GIT_TIMEOUT" in synced.stderr
    assert not _running("sleep\x00600")  # the hook was stopped with git


def test_a_hostile_sync_remote_is_refused_and_never_echoed(shared: tuple[Path, Register]) -> None:
    _bare, register = shared
    settings = register.root / "tracker.toml"
    settings.write_text(
        settings.read_text().replace('remote = "origin"', 'remote = "x; rm -rf ~ #\\u001b[2J"')
    )

    synced = run_tracker("sync", cwd=register.root)

    message = one_line(synced)
    assert "rm -rf" not in message and "\x1b" not in message
    assert "not a git remote name" in message


def test_hostile_tag_and_branch_names_on_the_remote_sync_without_harm(
    shared: tuple[Path, Register], tmp_path: Path
) -> None:
    bare, register = shared
    for ref in (
        "refs/tags/report/2026-01-01--<img/src=x/onerror=alert(1)>",
        "refs/heads/$(touch${IFS}pwned)",
        "refs/heads/-ugly;touch${IFS}pwned",
    ):
        git(bare, "update-ref", ref, git(bare, "rev-parse", "main").strip())
    register.add_issue(title="Receipts not allocated")

    synced = run_tracker("sync", cwd=register.root)
    listed = run_tracker("list", cwd=register.root)

    assert synced.returncode == 0, synced.stderr
    assert listed.returncode == 0
    assert not (register.root / "pwned").exists() and not (tmp_path / "pwned").exists()
    checked = subprocess.run(
        ["git", "-C", str(register.root), "fsck", "--strict"], capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stderr
