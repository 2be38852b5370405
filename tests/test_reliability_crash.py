"""Crash safety: Tracker killed with SIGKILL at random moments loses nothing.

The shortened form of tests/crash_harness.py (run the full one by hand with
`python tests/crash_harness.py --kills 300 --at-least tui=100`), plus the
recovery of a write whose commit did not happen, shown step by step.
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

from conftest import git, run_tracker
from crash_harness import RECOVERY_NOTICE, run_harness

from data.files import relative_path
from data.model import to_document
from tracker.register import Register


def test_random_kills_lose_no_acknowledged_change_and_damage_nothing(tmp_path: Path) -> None:
    figures = run_harness(
        tmp_path, kills=20, seed=20261127, kill_share=0.7, with_app=False, next_commands=False
    )
    assert figures.corruptions == [], figures.summary()
    assert figures.kills >= 20
    assert figures.acknowledged > 0 and figures.found == figures.acknowledged
    assert figures.recoveries_explained == figures.recoveries_expected


def test_the_app_killed_while_saving_loses_no_save_it_reported_and_damages_nothing(tmp_path: Path) -> None:
    """The terminal app (tests/tui_saves.py: the form, quick add, the status
    picker, an update) killed at random moments of its saves."""
    figures = run_harness(tmp_path, kills=0, seed=20261130, at_least={"tui": 4})
    assert figures.corruptions == [], figures.summary()
    assert figures.tui_kills >= 4 and figures.kills_by_kind()["tui"] == figures.tui_kills
    assert figures.found == figures.acknowledged
    assert figures.recoveries_explained == figures.recoveries_expected


def test_a_write_killed_before_its_commit_is_recovered_by_the_next_write_with_a_notice(
    register: Register,
    cli: object,
) -> None:
    issue = register.add_issue(title="Receipts not allocated", area="finance")
    changed = {**to_document(issue), "severity": "critical"}
    register._save([changed])  # the journal names the file, the file is written; then the process "dies"
    head = git(register.root, "rev-parse", "HEAD")

    added = cli("add", "Payroll run late")  # type: ignore[operator]

    assert added.returncode == 0, added.stderr
    assert RECOVERY_NOTICE in added.stderr and issue.id in added.stderr
    subjects = git(register.root, "log", "--format=%s", f"{head.strip()}..HEAD").splitlines()
    assert subjects[-1] == "Recover uncommitted changes to 1 record(s)"
    assert git(register.root, "status", "--porcelain") == ""
    assert Register.open(register.root).documents("issue")[issue.id]["severity"] == "critical"


def test_a_record_write_that_fails_part_way_leaves_the_old_file_whole(tmp_path: Path) -> None:
    """The atomic write itself, without the register's roll back behind it: the
    disk fills up half-way through writing a record, and the old file is intact."""
    path = "issues/4K/ISS-4K7Q2M.json"
    (tmp_path / "issues" / "4K").mkdir(parents=True)
    (tmp_path / path).write_bytes(b'{"id": "ISS-4K7Q2M"}\n')
    script = (
        "import sys, pathlib\nfrom data.files import write_atomic\n"
        f"write_atomic(pathlib.Path({str(tmp_path)!r}), {path!r}, b'x' * 50_000)\n"
    )

    def full_disk() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (8192, 8192))

    failed = subprocess.run([sys.executable, "-c", script], capture_output=True, preexec_fn=full_disk)

    assert failed.returncode != 0 and b"File too large" in failed.stderr
    assert (tmp_path / path).read_bytes() == b'{"id": "ISS-4K7Q2M"}\n'
    assert list(tmp_path.rglob("*.tmp")) == []


def test_killing_a_writer_mid_commit_leaves_a_register_that_opens_and_fscks(register: Register) -> None:
    """A Tracker killed while git runs (process group and all) leaves old or new, never half."""
    issue = register.add_issue(title="Recruitment checks stalled", area="recruitment")
    script = (
        "import os, sys, time\n"
        "from tracker.register import Register\n"
        "import data.commits as g\n"
        "real = g.commit\n"
        "def slow(*a, **k):\n"
        "    print('committing', flush=True); time.sleep(5); return real(*a, **k)\n"
        "g.commit = slow\n"
        f"Register.open(__import__('pathlib').Path({str(register.root)!r})).edit({issue.id!r}, {{'severity': 'high'}})\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, start_new_session=True
    )
    assert process.stdout is not None and process.stdout.readline().strip() == "committing"
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()

    assert subprocess.run(["git", "-C", str(register.root), "fsck", "--no-progress"]).returncode == 0
    reopened = Register.open(register.root)
    assert reopened.problems() == {}
    assert reopened.documents("issue")[issue.id]["severity"] == "high"  # on disk: the new version, whole
    assert git(register.root, "status", "--porcelain", "--", "issues").strip()  # not committed yet
    after = run_tracker("--register", str(register.root), "list")
    assert after.returncode == 0 and issue.id in after.stdout


def _shared(tmp_path: Path, register: Register) -> tuple[Path, Path]:
    """A bare remote the register pushes to, and a colleague's clone of it."""
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "--quiet", "--bare", "--initial-branch=main", str(remote)], check=True)
    git(register.root, "remote", "add", "origin", str(remote))
    git(register.root, "push", "--quiet", "--set-upstream", "origin", "main")
    colleague = tmp_path / "colleague"
    assert run_tracker("clone", str(remote), str(colleague)).returncode == 0
    return remote, colleague


def test_a_recovery_made_by_sync_is_explained(register: Register, tmp_path: Path) -> None:
    _shared(tmp_path, register)
    issue = register.add_issue(title="Receipts not allocated")
    register._save([{**to_document(issue), "severity": "critical"}])  # interrupted before its commit

    synced = run_tracker("--register", str(register.root), "sync")

    assert synced.returncode == 0, synced.stderr
    assert f"{RECOVERY_NOTICE} to {issue.id}" in synced.stderr


KILL_AT_MERGE_COMMIT = """
import sys, time
import data.git as g
real = g.Git.run
def run(self, *args, **kwargs):
    if args and args[0] == "commit" and (self.root / ".git" / "MERGE_HEAD").exists():
        print("merging", flush=True)
        time.sleep(60)
    return real(self, *args, **kwargs)
g.Git.run = run
sys.argv = ["tracker", "--register", sys.argv[1], "sync"]
from tracker.cli import main
main()
"""


def test_a_sync_killed_in_the_middle_of_its_merge_is_undone_by_the_next_sync(
    register: Register, tmp_path: Path
) -> None:
    _remote, colleague = _shared(tmp_path, register)
    theirs = run_tracker("--register", str(colleague), "add", "Raised by a colleague")
    assert run_tracker("--register", str(colleague), "sync").returncode == 0
    ours = register.add_issue(title="Raised here")
    process = subprocess.Popen(
        [sys.executable, "-c", KILL_AT_MERGE_COMMIT, str(register.root)],
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert process.stdout is not None and process.stdout.readline().strip() == "merging"
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()

    again = run_tracker("--register", str(register.root), "sync")

    assert again.returncode == 0, again.stderr
    issues = Register.open(register.root).documents("issue")
    assert {theirs.stdout.strip(), ours.id} <= set(issues)
    assert not (register.root / ".git" / "MERGE_HEAD").exists()


KILL_BEFORE_RENAME = """
import os, sys, time
from pathlib import Path
real = os.replace
def replace(source, target, *args, **kwargs):
    if str(target).endswith(".json") and "/issues/" in str(target):
        print("written", flush=True)
        time.sleep(60)
    return real(source, target, *args, **kwargs)
os.replace = replace
from tracker.register import Register
Register.open(Path(sys.argv[1])).edit(sys.argv[2], {"severity": "critical"})
"""


def test_a_temporary_file_left_by_a_killed_write_is_removed_by_the_next_write(register: Register) -> None:
    issue = register.add_issue(title="Receipts not allocated", severity="low")
    folder = (register.root / relative_path(issue.id)).parent
    process = subprocess.Popen(
        [sys.executable, "-c", KILL_BEFORE_RENAME, str(register.root), issue.id],
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert process.stdout is not None and process.stdout.readline().strip() == "written"
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    [left] = folder.glob(f".{issue.id}.json.{process.pid}.*.tmp")
    live = folder / f".{issue.id}.json.{os.getpid()}.0badc0de.tmp"  # a writer still running: kept
    reused = folder / f".{issue.id}.json.{os.getpid()}.1badc0de.tmp"  # older than the process with its ID
    not_ours = folder / "notes.tmp"
    for path in (live, reused, not_ours):
        path.write_bytes(b"{}")
    os.utime(reused, (946_684_800, 946_684_800))

    before = run_tracker("--register", str(register.root), "doctor")
    added = run_tracker("--register", str(register.root), "add", "Payroll run late")
    after = run_tracker("--register", str(register.root), "doctor")

    assert before.returncode == 1 and f"{left.name}: left by an interrupted write" in before.stdout
    assert added.returncode == 0, added.stderr
    assert not left.exists() and not reused.exists()
    assert live.exists() and not_ours.exists()
    assert after.returncode == 0, after.stdout
    assert Register.open(register.root).get(issue.id).severity == "low"  # the killed edit never landed
