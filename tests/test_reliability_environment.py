"""Environment trouble: no git identity, a read-only register, a full disk, a
detached HEAD or a merge or rebase in progress, git missing from PATH. Each
gives one clear line and loses nothing."""

from __future__ import annotations

import ctypes
import os
import resource
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import git, run_tracker

from data.files import relative_path
from tracker.register import Register

CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, PR_CAPBSET_DROP = 1, 2, 24


def _state(register: Register) -> tuple[str, str, list[str]]:
    """HEAD, the working tree's changes, and every file under the register but .git."""
    files = sorted(
        p.relative_to(register.root).as_posix()
        for p in register.root.rglob("*")
        if p.is_file() and ".git" not in p.parts and ".tracker" not in p.parts
    )
    return git(register.root, "rev-parse", "HEAD"), git(register.root, "status", "--porcelain"), files


def _tracker(
    register: Register,
    *args: str,
    preexec: Callable[[], None] | None = None,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tracker", "--register", str(register.root), *args],
        capture_output=True,
        text=True,
        preexec_fn=preexec,
        env={**os.environ, **(env or {})},
    )


def _one_clear_line(result: subprocess.CompletedProcess[str], *words: str) -> None:
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stderr.startswith("tracker: ") and result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.stderr
    for word in words:
        assert word in result.stderr


def test_without_a_git_identity_tracker_says_how_to_set_one_and_writes_nothing(
    register: Register, no_identity: None
) -> None:
    before = _state(register)

    added = run_tracker("--register", str(register.root), "add", "Payroll run late")

    _one_clear_line(
        added, "no git identity", 'git config --global user.name "Your Name"', "nothing was written"
    )
    assert _state(register) == before


def _without_root_powers() -> None:
    """Run as root but without the power to ignore file permissions (CI runs as root)."""
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH):
        if libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) refused")


def _read_only_runner() -> Callable[[], None] | None:
    if os.geteuid() != 0:
        return None
    probe = subprocess.run(
        [sys.executable, "-c", "pass"], preexec_fn=_without_root_powers, capture_output=True
    )
    if probe.returncode != 0:
        pytest.skip("running as root without CAP_SETPCAP: cannot make a folder read-only to this process")
    return _without_root_powers


def _make_read_only(root: Path, writable: bool = False) -> None:
    for folder, dirs, files in os.walk(root):
        for name in [*dirs, *files]:
            path = Path(folder) / name
            if not path.is_symlink():
                path.chmod(path.stat().st_mode | 0o222 if writable else path.stat().st_mode & ~0o222)
    root.chmod(root.stat().st_mode | 0o222 if writable else root.stat().st_mode & ~0o222)


def test_a_read_only_register_can_be_read_and_refuses_writes_in_one_line(register: Register) -> None:
    issue = register.add_issue(title="Receipts not allocated")
    runner = _read_only_runner()
    before = _state(register)
    _make_read_only(register.root)
    try:
        listed = _tracker(register, "list", preexec=runner)
        added = _tracker(register, "add", "Payroll run late", preexec=runner)
        edited = _tracker(register, "edit", issue.id, "--severity", "high", preexec=runner)
    finally:
        _make_read_only(register.root, writable=True)

    assert listed.returncode == 0 and "Receipts not allocated" in listed.stdout, listed.stderr
    _one_clear_line(added, "Permission denied", str(register.root))
    _one_clear_line(edited, "Permission denied")
    assert _state(register) == before


def _file_size_limit(limit: int) -> Callable[[], None]:
    """A full disk, as a process sees it: writes past `limit` bytes fail with EFBIG."""

    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def test_a_full_disk_loses_nothing_and_says_so_in_one_line(register: Register) -> None:
    issue = register.add_issue(title="Receipts not allocated", description="Short.")
    path = register.root / relative_path(issue.id)
    original = path.read_bytes()
    before = _state(register)

    edited = _tracker(
        register, "edit", issue.id, "--description", "A long account. " * 1000, preexec=_file_size_limit(8192)
    )

    _one_clear_line(edited, "File too large")
    assert path.read_bytes() == original
    assert _state(register) == before
    assert list(register.root.rglob("*.tmp")) == []
    again = _tracker(register, "edit", issue.id, "--description", "A long account. " * 1000)
    assert again.returncode == 0, again.stderr


def test_a_commit_that_git_cannot_store_never_leaves_the_record_silently_uncommitted(
    register: Register,
) -> None:
    """The record file is written but git cannot store the commit (its folder is
    read-only, as on a full or failing disk): the failed write is rolled back, or,
    if even that fails, the next write commits it and says so. Never a change on
    disk that git silently lacks."""
    issue = register.add_issue(title="Receipts not allocated")
    runner = _read_only_runner()
    _make_read_only(register.root / ".git")
    try:
        edited = _tracker(register, "edit", issue.id, "--severity", "high", preexec=runner)
    finally:
        _make_read_only(register.root / ".git", writable=True)
    again = _tracker(register, "add", "Payroll run late")

    _one_clear_line(edited, "git ", "failed")
    assert again.returncode == 0, again.stderr
    assert git(register.root, "status", "--porcelain") == ""
    recovered = f"recovered uncommitted changes to {issue.id}" in again.stderr
    assert Register.open(register.root).documents("issue")[issue.id]["severity"] == (
        "high" if recovered else "medium"
    )


def _conflicting_branch(register: Register) -> None:
    git(register.root, "switch", "--quiet", "-c", "other")
    (register.root / "notes.txt").write_text("theirs\n", encoding="utf-8")
    git(register.root, "add", "notes.txt")
    git(register.root, "commit", "--quiet", "-m", "Theirs")
    git(register.root, "switch", "--quiet", "main")
    (register.root / "notes.txt").write_text("ours\n", encoding="utf-8")
    git(register.root, "add", "notes.txt")
    git(register.root, "commit", "--quiet", "-m", "Ours")


@pytest.mark.parametrize(
    ("situation", "message"),
    [
        ("detached", "HEAD is detached; check out a branch"),
        ("merge", "a merge is in progress in the register; finish or abort it first"),
        ("rebase", "a rebase is in progress in the register; finish or abort it first"),
    ],
)
def test_a_half_done_git_operation_stops_writes_with_a_clear_message(
    register: Register, situation: str, message: str
) -> None:
    issue = register.add_issue(title="Receipts not allocated")
    if situation == "detached":
        git(register.root, "switch", "--quiet", "--detach", "HEAD")
    else:
        _conflicting_branch(register)
        command = ["merge", "other"] if situation == "merge" else ["rebase", "other"]
        assert (
            subprocess.run(["git", "-C", str(register.root), *command], capture_output=True).returncode != 0
        )
    before = _state(register)

    added = run_tracker("--register", str(register.root), "add", "Payroll run late")
    edited = run_tracker("--register", str(register.root), "edit", issue.id, "--severity", "high")

    _one_clear_line(added, message, "nothing was written")
    _one_clear_line(edited, message)
    assert _state(register) == before


def test_git_missing_from_path_is_a_clear_message(register: Register, tmp_path: Path) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    for args in (["list"], ["add", "Payroll run late"]):
        result = run_tracker("--register", str(register.root), *args, env={"PATH": str(empty)})
        _one_clear_line(result, "git is not installed or not on PATH")
