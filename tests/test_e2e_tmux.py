"""End to end in a real terminal: `tracker demo` runs under tmux, a person files an
issue with the keyboard, and the issue is on screen and in the demo register's
git log, authored by them."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import TEST_NAME, git

pytestmark = pytest.mark.skipif(
    shutil.which("tmux") is None, reason="tmux is not installed (.ci/run installs it)"
)

TITLE = "Bank file rejected at month end"


class Terminal:
    """One tmux server (its own socket) running one command in an 80×24 window."""

    def __init__(self, command: list[str]) -> None:
        self.socket = f"tracker-e2e-{uuid.uuid4().hex[:8]}"
        self.tmux("new-session", "-d", "-s", "e2e", "-x", "80", "-y", "24", shlex.join(command))

    def tmux(self, *args: str) -> str:
        result = subprocess.run(
            ["tmux", "-L", self.socket, *args], capture_output=True, text=True, check=True
        )
        return result.stdout

    def keys(self, *keys: str) -> None:
        self.tmux("send-keys", "-t", "e2e", *keys)

    def type(self, text: str) -> None:
        self.tmux("send-keys", "-t", "e2e", "-l", text)

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", "e2e")

    def wait_for(self, found: Callable[[str], bool], seconds: float, what: str) -> str:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            text = self.screen()
            if found(text):
                return text
            time.sleep(0.2)
        raise AssertionError(f"timed out waiting for {what}; the screen shows:\n{self.screen()}")

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True)


@pytest.fixture
def terminal(isolated_environment: Path) -> Iterator[Terminal]:
    installed = shutil.which("tracker")
    command = [installed, "demo"] if installed else [sys.executable, "-m", "tracker", "demo"]
    assert os.environ["TRACKER_DATA_DIR"].startswith(str(isolated_environment))
    session = Terminal(command)
    try:
        yield session
    finally:
        session.close()


def test_filing_an_issue_in_the_demo_under_a_real_terminal(terminal: Terminal, isolated_environment: Path):
    terminal.wait_for(lambda text: "issues ·" in text and "ISS-" in text, 240, "the demo register to open")
    terminal.keys("n")
    terminal.wait_for(lambda text: "New issue" in text, 30, "the new issue form")
    terminal.type(TITLE)
    terminal.wait_for(lambda text: TITLE in text, 30, "the title to be typed")
    terminal.keys("C-s")
    screen = terminal.wait_for(
        lambda text: "added" in text and "New issue" not in text, 60, "the issue to be saved"
    )
    assert "Bank file rej" in screen
    demo = Path(os.environ["TRACKER_DATA_DIR"]) / "demo"
    assert git(demo, "log", "-1", "--format=%an").strip() == TEST_NAME
    assert TITLE in git(demo, "log", "-1", "--format=%s")
    terminal.keys("q")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if subprocess.run(
            ["tmux", "-L", terminal.socket, "has-session", "-t", "e2e"], capture_output=True
        ).returncode:
            break
        time.sleep(0.2)
    else:
        raise AssertionError("tracker did not quit on q")
