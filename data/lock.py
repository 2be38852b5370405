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

WAIT_SECONDS = 5.0


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
        os.write(descriptor, f"pid {os.getpid()}: {' '.join(sys.argv[:3])}\n".encode())
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
