"""Saves made in the real terminal app, for the crash harness to kill.

Runs `TrackerApp` headless (Textual's `run_test()` Pilot) on a register and makes
saves the way a person does, one after another: edit a title in the full form
and press ctrl+s, quick add a line, change a status with the picker, add an
update. Prints one line per step on standard output, flushed at once, so that
what a SIGKILL cut short can still be read from the pipe:

    READY                      the register is loaded, saving starts
    TRY {"save": ..., ...}     a save is asked for (it may or may not land)
    ACK {"save": ..., ...}     the app said it landed (its notification), with the record's ID
    FAILED "..."               the app reported an error instead
    NOTICE "..."               any other warning the app showed (a recovery, say)

    python tests/tui_saves.py REGISTER --seed 7 --saves 5
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Input, OptionList, TextArea

from tracker.register import Register
from tracker.tui.app import Preferences, TrackerApp, build_app
from tracker.tui.screens.quick_add import QuickAdd
from tracker.tui.screens.record_form import RecordForm
from tracker.tui.screens.register_view import RegisterScreen
from tracker.tui.screens.update_form import UpdateForm

SAVES = ("form", "quick", "status", "update")
WAIT_SECONDS = 60.0  # a save waits up to 30 s for another Tracker's lock


def say(tag: str, value: object = None) -> None:
    print(tag if value is None else f"{tag} {json.dumps(value)}", flush=True)


class Driver:
    """One app, one random sequence of saves."""

    def __init__(self, app: TrackerApp, pilot: Pilot[None], seed: int, label: str) -> None:
        self.app, self.pilot, self.label = app, pilot, label
        self.random = random.Random(seed)
        self.pending: dict[str, Any] | None = None
        self.expect: re.Pattern[str] | None = None
        self.outcome: str | None = None
        shown = app.notify

        def notify(message: str, *args: Any, **kwargs: Any) -> None:
            self._noticed(str(message), kwargs.get("severity", "information"))
            shown(message, *args, **kwargs)

        app.notify = notify  # type: ignore[method-assign]

    def _noticed(self, message: str, severity: str) -> None:
        """The app's notification is its report to the person: a save landed, or not."""
        if severity == "warning":
            say("NOTICE", message)
        if self.pending is None:
            if severity == "error":  # a record that cannot be opened for a save, say
                say("FAILED", message)
                self.outcome = "failed"
            return
        matched = self.expect.fullmatch(message) if self.expect else None
        if matched is not None:
            say("ACK", {**self.pending, "id": self.pending.get("id") or matched.group("id")})
            self.pending, self.outcome = None, "saved"
        elif severity == "error":
            say("FAILED", message)
            self.pending, self.outcome = None, "failed"

    async def until(self, ready: Callable[[], bool]) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + WAIT_SECONDS
        while not ready():
            if loop.time() > deadline:
                raise TimeoutError(f"the app did not get there in {WAIT_SECONDS:.0f} s")
            await self.pilot.pause(0.01)

    def _register_screen(self) -> RegisterScreen:
        screen = self.app.screen
        assert isinstance(screen, RegisterScreen), screen
        return screen

    def _issues(self) -> list[str]:
        snapshot = self.app.snapshot
        return sorted(snapshot.documents["issue"]) if snapshot is not None else []

    async def _select(self, record_id: str) -> None:
        """Put the cursor on the record (its row may reach the table a moment
        after the snapshot: the table is filled by a worker)."""
        self.outcome = None
        table = self._register_screen().table("issue")

        def there() -> bool:
            table.move_cursor_to_key(record_id)
            return table.cursor_key == record_id

        await self.until(there)

    def _ask(self, save: dict[str, Any], expect: str) -> None:
        self.pending, self.expect, self.outcome = save, re.compile(expect), None
        say("TRY", save)

    async def save_once(self, number: int) -> None:
        issues = self._issues()
        kind = self.random.choice(SAVES) if issues else "quick"
        record_id = self.random.choice(issues) if issues else ""
        text = f"tui {self.label} {number}"
        if kind == "quick":
            await self.pilot.press("a")
            await self.until(lambda: isinstance(self.app.screen, QuickAdd))
            self.app.screen.query_one("#line", Input).value = f"{text} severity:high"
            self._ask({"save": "quick", "title": text}, rf"(?P<id>\S+) added: {re.escape(text)}")
            await self.pilot.press("enter")
        elif kind == "form":
            await self._select(record_id)
            await self.pilot.press("e")
            await self.until(lambda: isinstance(self.app.screen, RecordForm) or self.outcome == "failed")
            if self.outcome == "failed":
                return
            self.app.screen.query_one("#input-title", Input).value = text
            self._ask({"save": "form", "id": record_id, "title": text}, rf"{record_id} saved")
            await self.pilot.press("ctrl+s")
        elif kind == "status":
            await self._select(record_id)
            await self.pilot.press("s")
            await self.until(lambda: len(self.app.screen.query(OptionList)) == 1)
            options = self.app.screen.query_one(OptionList)
            words = [str(option.id) for option in options.options]
            current = self.app.snapshot.find(record_id) if self.app.snapshot else None
            word = self.random.choice([w for w in words if not current or w != current.get("status")])
            options.highlighted = words.index(word)
            self._ask(
                {"save": "status", "id": record_id, "status": word},
                rf"{record_id}: status → {re.escape(word)}",
            )
            await self.pilot.press("enter")
        else:
            await self._select(record_id)
            await self.pilot.press("u")
            await self.until(lambda: isinstance(self.app.screen, UpdateForm))
            self.app.screen.query_one(TextArea).text = text
            self._ask({"save": "update", "id": record_id, "text": text}, rf"{record_id}: comment added")
            await self.pilot.press("ctrl+s")
        await self.until(lambda: self.outcome is not None)
        while self.outcome == "failed" and not isinstance(self.app.screen, RegisterScreen):
            await self.app.pop_screen()  # a refused save leaves its form open: close it, as a person would
        await self.until(lambda: isinstance(self.app.screen, RegisterScreen))


async def run(root: Path, seed: int, saves: int, label: str) -> None:
    app = build_app(Register.open(root), preferences=Preferences(None, {}))
    async with app.run_test(size=(120, 40)) as pilot:
        driver = Driver(app, pilot, seed, label)
        await driver.until(lambda: app.snapshot is not None and not app.workers_in("register"))
        say("READY")
        for number in range(saves):
            await driver.save_once(number)
    say("DONE")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("register", type=Path)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--saves", type=int, default=5)
    parser.add_argument("--label", default="save", help="Put in every title and update text.")
    options = parser.parse_args()
    asyncio.run(run(options.register, options.seed, options.saves, options.label))
    return 0


if __name__ == "__main__":
    sys.exit(main())
