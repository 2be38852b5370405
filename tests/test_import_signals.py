"""An import is one unit even when it is stopped: SIGTERM or SIGHUP (a closed
terminal, a dropped VPN) at any moment of a large `tracker import` leaves
either none of it or all of it committed, and the work tree clean."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import git

from tracker.register import Register

ROWS = 3000
RUNS = 4


def big_sheet(path: Path) -> Path:
    lines = ["Ref,Title,Status,Date raised,Cost"]
    lines += [f"R{n:05d},Issue {n},Open,01/04/2024,£{n}" for n in range(ROWS)]
    path.write_text("\n".join(lines) + "\n")
    return path


def start_import(register: Register, path: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "tracker", "--register", str(register.root), "import", str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def wait_for_writing(register: Register, process: subprocess.Popen[bytes], delay: float) -> None:
    """Until the import has started writing record files, then a random while
    more: the signal lands somewhere in the write, the commit or after it."""
    issues = register.root / "issues"
    while process.poll() is None and not (issues.exists() and any(issues.iterdir())):
        os.sched_yield()
    if process.poll() is None:
        try:
            process.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            pass


@pytest.mark.parametrize("number", [signal.SIGTERM, signal.SIGHUP])
def test_a_stopped_import_commits_all_of_it_or_none_of_it(register: Register, tmp_path: Path, number: int):
    path = big_sheet(tmp_path / "big.csv")
    randomness = random.Random(number)
    outcomes = set()
    for run in range(RUNS):
        head = git(register.root, "rev-parse", "HEAD").strip()
        process = start_import(register, path)
        wait_for_writing(register, process, randomness.uniform(0, 1.5) if run else 0.0)
        if process.poll() is None:
            process.send_signal(number)
        process.wait()
        reopened = Register.open(register.root)
        count = len(reopened.documents("issue"))
        assert count in (0, ROWS)
        assert git(register.root, "status", "--porcelain", "--untracked-files=all") == ""
        if count:
            assert git(register.root, "log", "-1", "--format=%s").startswith("Import big.csv: 3000 created")
            outcomes.add("all")
            git(register.root, "reset", "--hard", "--quiet", head)
            git(register.root, "clean", "-fdq")
        else:
            assert git(register.root, "rev-parse", "HEAD").strip() == head
            outcomes.add("none")
    assert "none" in outcomes
