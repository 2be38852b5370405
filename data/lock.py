"""One writer at a time per clone.

The lock is an advisory `flock` on `.tracker/lock`. The kernel releases it when the
holding process dies, however it dies, so a killed Tracker never leaves the
register locked: there is no stale lock to recover. The file also names the
holder (process ID, command) so the message to a waiting user can say who.
"""

from __future__ import annotations

import fcntl
import os
import sys
import time
from pathlib import Path
from types import TracebackType

from data.errors import DamagedFile, RegisterBusy
from data.text import one_line


def _wait_seconds() -> float:
    try:
        return max(0.0, float(os.environ.get("TRACKER_LOCK_WAIT", "30")))
    except ValueError:
        return 30.0


WAIT_SECONDS = _wait_seconds()
"""How long a write waits for another Tracker's (a sync's, a long import's)
before giving up: long enough for a sync, short enough to say so."""


class WriterLock:
    def __init__(self, state_dir: Path, wait: float = WAIT_SECONDS):
        self.path = state_dir / "lock"
        self.wait = wait
        self._descriptor: int | None = None
        self._depth = 0

    def acquire(self) -> None:
        if self._descriptor is not None:
            self._depth += 1
            return
        if self.path.parent.is_symlink():
            raise DamagedFile(
                self.path.parent,
                "is a symbolic link; Tracker does not write through links (remove it: rm .tracker)",
            )
        self.path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
        deadline = time.monotonic() + self.wait
        while True:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = self._holder(descriptor)
                    os.close(descriptor)
                    raise RegisterBusy(
                        f"another Tracker ({holder}) is writing to this register; "
                        "try again when it has finished"
                    ) from None
                time.sleep(0.02)
        os.ftruncate(descriptor, 0)
        holder = one_line(" ".join(sys.argv[:3]))  # a command line may hold bytes that are not UTF-8
        os.write(descriptor, f"pid {os.getpid()}: {holder}\n".encode())
        self._descriptor = descriptor
        self._depth = 1

    def release(self) -> None:
        if self._descriptor is None:
            return
        self._depth -= 1
        if self._depth > 0:
            return
        fcntl.flock(self._descriptor, fcntl.LOCK_UN)
        os.close(self._descriptor)
        self._descriptor = None

    @staticmethod
    def _holder(descriptor: int) -> str:
        try:
            return os.pread(descriptor, 200, 0).decode("utf-8", "replace").strip() or "unknown"
        except OSError:
            return "unknown"

    def __enter__(self) -> WriterLock:
        self.acquire()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.release()


def git_running(root: Path) -> bool:
    """Whether a git process may be working in the repository at `root` (started
    with `-C root`, or running in it): its lock files are then not stale, however
    old. Read from /proc; where there is none, assume one may be."""
    proc = Path("/proc")
    if not proc.is_dir():
        return True
    target = str(root.resolve())
    for entry in proc.iterdir():
        if not entry.name.isdigit() or entry.name == str(os.getpid()):
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
            if not argv or not os.path.basename(argv[0].decode("utf-8", "replace")).startswith("git"):
                continue
            words = [word.decode("utf-8", "surrogateescape") for word in argv]
            cwd = os.readlink(entry / "cwd")
        except OSError:
            continue
        given = [words[i + 1] for i, word in enumerate(words[:-1]) if word == "-C"]
        places = [os.path.realpath(os.path.join(cwd, place)) for place in given] or [cwd]
        if any(place == target or place.startswith(target + os.sep) for place in places):
            return True
    return False


def wait_for_git(root: Path, seconds: float = WAIT_SECONDS) -> bool:
    """Wait (bounded) for git processes working in `root` to finish; True when
    none is left."""
    deadline = time.monotonic() + seconds
    while git_running(root):
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)
    return True
