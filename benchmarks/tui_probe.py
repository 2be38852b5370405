"""Times the Tracker TUI on one register, headless, and prints one JSON line.

    python benchmarks/tui_probe.py REGISTER STARTED_AT

`STARTED_AT` is the wall-clock time (time.time()) at which the parent started this
process, so "first paint" counts interpreter start-up and imports as a user waits
on them. The app is the one the CLI runs (`tracker.tui.app.build_app`), driven by
Textual's Pilot in a headless terminal of 120×40:

- first_paint: process start until the issues view shows the loaded register
  (the first snapshot published and the screen idle after it);
- keystrokes: each key of a filter typed into the filter bar (`/` then
  `status:open severity:high`), from key press until the app is idle again;
- saves: a status change through the same path as the status picker, until the
  commit has landed and the new snapshot is published (the app is let finish
  refreshing its tables between saves, as it would between a person's saves);
- blocked: the longest time the event loop (the UI thread) did not run a 5 ms
  ticker, over the whole session;
- peak_mb: the process's peak resident memory.
"""

from __future__ import annotations

import asyncio
import resource
import sys
import time
from pathlib import Path
from typing import Any

import orjson

FILTER = "status:open severity:high"


class BlockWatch:
    """Measures how late a 5 ms ticker runs: the longest the event loop was busy."""

    def __init__(self) -> None:
        self.longest = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _tick(self) -> None:
        while True:
            before = time.perf_counter()
            await asyncio.sleep(0.005)
            self.longest = max(self.longest, time.perf_counter() - before - 0.005)

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._tick())

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()


async def probe(root: Path, started: float) -> dict[str, Any]:
    from tracker.register import Register
    from tracker.tui.app import build_app

    app = build_app(Register.open(root))
    watch = BlockWatch()
    report: dict[str, Any] = {}
    async with app.run_test(size=(120, 40)) as pilot:
        watch.start()
        while app.snapshot is None:
            await pilot.pause(0.005)
        await pilot.pause()
        report["first_paint"] = time.time() - started
        report["keystrokes"] = await _type_filter(pilot)
        report["saves"] = await _save_statuses(app, pilot)
        watch.stop()
    report["blocked"] = watch.longest
    report["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return report


async def _type_filter(pilot: Any) -> list[float]:
    await pilot.press("slash")
    times = []
    for key in FILTER:
        began = time.perf_counter()
        await pilot.press("space" if key == " " else key)
        await pilot.pause()
        times.append(time.perf_counter() - began)
    await pilot.press("escape")
    return times


async def _save_statuses(app: Any, pilot: Any, count: int = 5) -> list[float]:
    """Status changes made as the status picker makes them (`_set` on the screen)."""
    screen = app.screen
    issues = [app.snapshot.find(record_id) for record_id in list(app.snapshot.rows["issue"])[:count]]
    times = []
    for document in issues:
        head = app.snapshot.head
        status = "in progress" if document["status"] != "in progress" else "open"
        began = time.perf_counter()
        screen._set(document["id"], "status", status)
        while app.snapshot.head == head:
            await pilot.pause(0.002)
        times.append(time.perf_counter() - began)
        await pilot.pause()  # the tables refresh before the next save, as between a person's saves
    return times


def main() -> int:
    root, started = Path(sys.argv[1]), float(sys.argv[2])
    report = asyncio.run(probe(root, started))
    print(orjson.dumps(report).decode())
    return 0


if __name__ == "__main__":
    sys.exit(main())
