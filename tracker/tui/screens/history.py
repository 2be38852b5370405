"""A record's history from git: who changed which fields, when, from what to what.

The history is read in a thread worker (git log and the record's old versions)
while a loading indicator shows; newest change first. Text from records and git
authors is shown literally (`widgets.timeline` builds plain Rich `Text`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Footer, LoadingIndicator, Static
from textual.worker import Worker, WorkerState

from data.errors import RecordNotFound
from tracker.tui.snapshot import RegisterChanged, register_lock
from widgets.timeline import Timeline, TimelineEntry

if TYPE_CHECKING:
    from data.history import HistoryEntry
    from tracker.register import Register


@dataclass(frozen=True)
class LoadedHistory:
    title: str | None
    entries: list[HistoryEntry]


def timeline_entry(entry: HistoryEntry) -> TimelineEntry:
    """A history entry as the timeline shows it: when, who, the commit and its changes."""
    return TimelineEntry(
        when=entry.when[:16].replace("T", " "),
        who=entry.author,
        heading=f"{entry.commit[:10]}  {entry.subject}",
        details=tuple(entry.describe()),
    )


class HistoryScreen(Screen[None]):
    """The changes to one record, newest first."""

    CSS_PATH = "history.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Back", id="history.back", tooltip="Back to the record"),
        Binding("q", "close", "Back", show=False, id="history.close", tooltip="Back to the record"),
        Binding("r", "reload", "Reload", id="history.reload", tooltip="Read the history from git again"),
        Binding("j", "scroll(1)", "Down", show=False, id="history.scroll_down", tooltip="Scroll down"),
        Binding("k", "scroll(-1)", "Up", show=False, id="history.scroll_up", tooltip="Scroll up"),
        Binding("g", "scroll_home", "Top", show=False, id="history.top", tooltip="Newest change"),
        Binding("G", "scroll_end", "Bottom", show=False, id="history.bottom", tooltip="Oldest change"),
    ]

    def __init__(self, register: Register, record_id: str) -> None:
        super().__init__()
        self.register = register
        self.record_id = record_id
        self._head_seen: str | None = None

    def compose(self) -> ComposeResult:
        yield Static(Text(f"History of {self.record_id}"), id="history-title")
        yield LoadingIndicator(id="history-loading")
        yield Timeline(empty="No committed changes to this record yet.", id="history-timeline")
        yield Footer()

    def on_mount(self) -> None:
        self.load()

    def action_reload(self) -> None:
        self.load()

    def on_register_changed(self, message: RegisterChanged) -> None:
        """Someone saved, synced or committed: the history may have grown."""
        if message.snapshot.head != self._head_seen:
            self._head_seen = message.snapshot.head
            self._read_history()

    def load(self) -> None:
        self.query_one("#history-loading").display = True
        self.query_one(Timeline).display = False
        self._read_history()

    @work(thread=True, exclusive=True, exit_on_error=False, group="history")
    def _read_history(self) -> LoadedHistory:
        entries = self.register.history(self.record_id)
        with register_lock(self):
            try:
                title: str | None = self.register.get(self.record_id).title
            except RecordNotFound:
                title = None
        return LoadedHistory(title, entries)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "history":
            return
        if event.state == WorkerState.SUCCESS and isinstance(event.worker.result, LoadedHistory):
            self._show(event.worker.result)
        elif event.state == WorkerState.ERROR:
            reason = " ".join(str(event.worker.error).split()) or type(event.worker.error).__name__
            self.query_one("#history-loading").display = False
            self.query_one("#history-title", Static).update(Text(f"History of {self.record_id}: {reason}"))
            self.notify(f"history of {self.record_id}: {reason}", severity="error", timeout=8)

    def _show(self, loaded: LoadedHistory) -> None:
        title = loaded.title if loaded.title is not None else "(no longer in the register)"
        count = f"{len(loaded.entries)} change{'s' if len(loaded.entries) != 1 else ''}"
        self.query_one("#history-title", Static).update(
            Text(f"History of {self.record_id}  {title}  ({count})")
        )
        self.query_one("#history-loading").display = False
        timeline = self.query_one(Timeline)
        was_shown = timeline.display
        timeline.show([timeline_entry(entry) for entry in loaded.entries])
        if not was_shown:
            timeline.display = True
            timeline.focus()

    def action_close(self) -> None:
        self.dismiss(None)

    def action_scroll(self, lines: int) -> None:
        timeline = self.query_one(Timeline)
        timeline.scroll_to(y=timeline.scroll_y + lines, animate=False)

    def action_scroll_home(self) -> None:
        self.query_one(Timeline).scroll_home(animate=False)

    def action_scroll_end(self) -> None:
        self.query_one(Timeline).scroll_end(animate=False)
