"""Times the Tracker TUI as a person sees it: in a real terminal (tmux), the
screen read from outside every 10 ms, and prints one JSON line.

    python benchmarks/tmux_probe.py REGISTER [--tracker "python -m tracker"] [--cold]

Nothing runs inside Tracker's process: the probe starts `tracker` in a tmux
window of 120×40, presses keys with `tmux send-keys` and polls `tmux
capture-pane` (and the branch's ref file, for commits) every 10 ms.

- first_paint: from starting the terminal until issue rows and the "N of N"
  count are on screen (`--cold` deletes `.tracker/` first: a fresh clone);
- loaded: until the whole register has loaded ("Loading register…" gone from
  the status bar); rows painted from the first page come before it, and the
  keys below are sent only after it;
- keystrokes: `/`, then each key of `status:open severity:high`, one at a time;
  `echo` is until the typed text shows in the filter bar, `result` until the
  screen last changed before it stayed still for 0.4 s (the new rows and count
  painted), both from the key being sent;
- saves: a status change with `s`, an arrow key and Enter on the first row;
  `commit` is until the branch moves, `settled` until the screen stays still;
- peak_mb: the TUI process's peak resident memory (VmHWM), read just before
  quitting.

Keys are sent one at a time and each waits for the screen to settle, so the
figures are per key, not a typing burst. Each `capture-pane` is itself a
process (a few ms), so times are good to about 10 ms.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

FILTER = "status:open severity:high"
POLL = 0.010
QUIET = 0.4
COUNT = re.compile(r"([\d,]+) of ([\d,]+)\s*$")


class Terminal:
    """One tmux server on its own socket, running one command in a 120×40 window."""

    def __init__(self, command: list[str], cwd: Path, env: dict[str, str]) -> None:
        self.socket = f"tracker-probe-{uuid.uuid4().hex[:8]}"
        self.env = env
        self.started = time.perf_counter()
        self.tmux("new-session", "-d", "-s", "probe", "-x", "120", "-y", "40", "-c", str(cwd))
        self.tmux("send-keys", "-t", "probe", "exec " + shlex.join(command), "Enter")

    def tmux(self, *args: str) -> str:
        done = subprocess.run(
            ["tmux", "-L", self.socket, *args], capture_output=True, text=True, env=self.env, check=True
        )
        return done.stdout

    def screen(self) -> list[str]:
        return self.tmux("capture-pane", "-p", "-t", "probe").splitlines()

    def pid(self) -> int:
        return int(self.tmux("list-panes", "-t", "probe", "-F", "#{pane_pid}").strip())

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True, env=self.env)


def poll_until(
    terminal: Terminal, began: float, done: Callable[[list[str]], bool], limit: float = 300.0
) -> tuple[float, list[str]]:
    """Seconds from `began` until `done(screen)`, polling every 10 ms."""
    while True:
        screen = terminal.screen()
        now = time.perf_counter()
        if done(screen):
            return now - began, screen
        if now - began > limit:
            raise TimeoutError(f"after {limit:.0f} s the screen shows: " + " / ".join(screen[:6]))
        time.sleep(max(0.0, POLL - (time.perf_counter() - now)))


def settle(terminal: Terminal, began: float, extra: Callable[[], bool] | None = None) -> dict[str, float]:
    """When the screen last changed (from `began`) before it stayed the same for
    QUIET seconds; and, with `extra`, when `extra()` first became true."""
    last_screen = terminal.screen()
    changed = 0.0
    seen: dict[str, float] = {}
    quiet_since = time.perf_counter()
    while time.perf_counter() - quiet_since < QUIET or (extra is not None and "extra" not in seen):
        time.sleep(POLL)
        screen = terminal.screen()
        now = time.perf_counter()
        if extra is not None and "extra" not in seen and extra():
            seen["extra"] = now - began
        if screen != last_screen:
            last_screen, changed, quiet_since = screen, now - began, now
        if now - began > 60:
            break
    return {"settled": changed, **seen}


def first_paint(terminal: Terminal) -> float:
    def rows_shown(screen: list[str]) -> bool:
        return any(line.startswith(" ISS-") for line in screen) and any(COUNT.search(line) for line in screen)

    seconds, _screen = poll_until(terminal, terminal.started, rows_shown)
    return seconds


def loaded(terminal: Terminal) -> float:
    """From starting the terminal until the whole register has loaded (rows
    painted from the first page come before it, and cannot be acted on yet)."""
    seconds, _screen = poll_until(
        terminal, terminal.started, lambda screen: not any("Loading register" in line for line in screen)
    )
    return seconds


def type_filter(terminal: Terminal) -> list[dict[str, float]]:
    settle(terminal, time.perf_counter())
    terminal.tmux("send-keys", "-t", "probe", "/")
    settle(terminal, time.perf_counter())
    keys = []
    for place, key in enumerate(FILTER):
        typed = FILTER[: place + 1]
        began = time.perf_counter()
        if key == " ":
            terminal.tmux("send-keys", "-t", "probe", "Space")
        else:
            terminal.tmux("send-keys", "-t", "probe", "-l", key)
        echo, _screen = poll_until(terminal, began, lambda s, t=typed: any(x.startswith(t) for x in s), 30)
        result = settle(terminal, began)["settled"]
        keys.append({"echo": echo, "result": max(echo, result)})
    return keys


def branch_ref(register: Path) -> Path:
    head = (register / ".git" / "HEAD").read_text().strip()
    return register / ".git" / head.removeprefix("ref: ")


def save_statuses(terminal: Terminal, register: Path, count: int) -> list[dict[str, float]]:
    terminal.tmux("send-keys", "-t", "probe", "Escape")
    settle(terminal, time.perf_counter())
    terminal.tmux("send-keys", "-t", "probe", "Escape")
    settle(terminal, time.perf_counter())
    ref = branch_ref(register)
    saves = []
    for _ in range(count):
        terminal.tmux("send-keys", "-t", "probe", "s")
        _seconds, screen = poll_until(
            terminal, time.perf_counter(), lambda s: any(": status" in x for x in s), 30
        )
        current = next((line for line in screen if "● " in line), "")
        arrow = "Up" if "● closed" in current else "Down"
        terminal.tmux("send-keys", "-t", "probe", arrow)
        settle(terminal, time.perf_counter())
        before = ref.read_bytes() if ref.exists() else b""
        began = time.perf_counter()
        terminal.tmux("send-keys", "-t", "probe", "Enter")
        found = settle(terminal, began, lambda old=before: ref.exists() and ref.read_bytes() != old)
        if "extra" not in found:
            raise TimeoutError("the status change was not committed within 60 s")
        saves.append({"commit": found["extra"], "settled": max(found["settled"], found["extra"])})
    return saves


def peak_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def probe(register: Path, tracker: list[str], cold: bool, saves: int, env: dict[str, str]) -> dict[str, Any]:
    if cold:
        shutil.rmtree(register / ".tracker", ignore_errors=True)
    terminal = Terminal([*tracker, "-r", str(register)], register, env)
    try:
        report: dict[str, Any] = {"first_paint": first_paint(terminal), "loaded": loaded(terminal)}
        if not cold:
            report["keystrokes"] = type_filter(terminal)
            report["saves"] = save_statuses(terminal, register, saves)
        settle(terminal, time.perf_counter())
        report["peak_mb"] = peak_mb(terminal.pid())
        return report
    finally:
        terminal.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("register", type=Path)
    parser.add_argument("--tracker", default=f"{sys.executable} -m tracker", help="The command to run.")
    parser.add_argument("--cold", action="store_true", help="Delete .tracker/ first (no cache at all).")
    parser.add_argument("--saves", type=int, default=5, help="Status changes to time.")
    args = parser.parse_args()
    if shutil.which("tmux") is None:
        raise SystemExit("tmux is not installed (apt-get install tmux)")
    env = {**os.environ, "TERM": "xterm-256color"}
    report = probe(args.register.resolve(), args.tracker.split(), args.cold, args.saves, env)
    print(orjson.dumps(report).decode())
    return 0


if __name__ == "__main__":
    sys.exit(main())
