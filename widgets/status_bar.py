"""The status line at the bottom of the register: which register, how many
records, and the state of sync with the team's shared repository.

It is told what to show (`show_register`, `show_sync`) and knows nothing of
where the figures come from.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static


@dataclass(frozen=True)
class SyncState:
    """What the status bar says about sync; `None` fields are unknown."""

    remote: str | None = None
    ahead: int = 0
    behind: int = 0
    syncing: bool = False
    last_sync: str | None = None
    last_error: str | None = None
    unavailable: str | None = None

    def describe(self) -> str:
        if self.unavailable:
            return self.unavailable
        if self.syncing:
            return "syncing…"
        if not self.remote:
            return "no remote (local only)"
        parts = [f"↑{self.ahead} ↓{self.behind}"]
        if self.last_error:
            parts.append(f"sync failed: {self.last_error}")
        elif self.last_sync:
            parts.append(f"synced {self.last_sync}")
        else:
            parts.append("not synced yet")
        return " ".join(parts)


def plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}" + ("" if count == 1 else "s")


class StatusBar(Horizontal):
    """Register name and counts on the left, sync state on the right."""

    DEFAULT_CSS = """
    StatusBar {
        height: 1;
        background: $panel;
        color: $text-muted;
        & > .status-bar--register { width: 1fr; padding: 0 1; }
        & > .status-bar--sync { width: auto; max-width: 60%; padding: 0 1; }
        &.-sync-error > .status-bar--sync { color: $text-error; }
    }
    """

    def compose(self) -> ComposeResult:
        yield Static("Loading register…", classes="status-bar--register")
        yield Static("", classes="status-bar--sync")

    def show_register(self, name: str, issues: int, lessons: int, problems: int = 0) -> None:
        words = f"{plural(issues, 'issue')} · {plural(lessons, 'lesson')} · {name}"
        if problems:
            words += f" · {problems:,} unreadable files (tracker doctor)"
        self.query_one(".status-bar--register", Static).update(Text(words))

    def show_sync(self, state: SyncState) -> None:
        words = state.describe()
        self.set_class(bool(state.last_error), "-sync-error")
        sync = self.query_one(".status-bar--sync", Static)
        sync.update(Text(words))
        sync.tooltip = words

    @property
    def text(self) -> str:
        """Everything the bar says, as plain text (for tests and screen readers)."""
        return " | ".join(str(static.content) for static in self.query(Static))
