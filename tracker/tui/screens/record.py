"""One record in full: fields, markdown texts, links and the updates timeline,
with the quick actions (edit, status, update, link, visibility, history)."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Footer, OptionList, Static

from tracker.tui.screens.record_actions import RecordActionsScreen
from tracker.tui.snapshot import Document, RegisterChanged, RegisterSnapshot, tracker_app
from widgets.record_view import RecordView
from widgets.status_bar import StatusBar


def links_of(document: Document, snapshot: RegisterSnapshot) -> list[tuple[str, str]]:
    ids = [*document.get("lessons", []), *document.get("related", []), *document.get("issues", [])]
    return [(record_id, snapshot.title_of(record_id)) for record_id in ids]


class RecordScreen(RecordActionsScreen):
    """Shows the record `record_id`, refreshed whenever the register changes."""

    # The list of linked records is the only focusable widget; focusing it on
    # open would scroll the record to its end. It is focused with `o` instead.
    AUTO_FOCUS = ""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back", id="record.back", tooltip="Back to the register"),
        Binding(
            "o",
            "open_links",
            "Links",
            id="record.open_link",
            tooltip="Go to the linked records (enter opens one)",
        ),
        Binding("j", "scroll(1)", "Down", show=False, id="record.scroll_down", tooltip="Scroll down"),
        Binding("k", "scroll(-1)", "Up", show=False, id="record.scroll_up", tooltip="Scroll up"),
        Binding(
            "pagedown,space", "page(1)", "Page down", show=False, id="record.page_down", tooltip="Down a page"
        ),
        Binding("pageup,b", "page(-1)", "Page up", show=False, id="record.page_up", tooltip="Up a page"),
        Binding("g,home", "scroll_home", "Top", show=False, id="record.top", tooltip="Scroll to the top"),
        Binding(
            "G,end", "scroll_end", "Bottom", show=False, id="record.bottom", tooltip="Scroll to the bottom"
        ),
    ]

    def __init__(self, record_id: str) -> None:
        super().__init__()
        self.record_id = record_id
        self._listed: dict[str, Any] | None = None

    def current_record_id(self) -> str | None:
        return self.record_id

    def compose(self) -> ComposeResult:
        snapshot = tracker_app(self).snapshot
        self._listed = snapshot.find(self.record_id) if snapshot else None
        document = snapshot.record(self.record_id) if snapshot else None
        if snapshot is None or document is None:
            yield Static(Text(f"{self.record_id}: no such record in this register"), id="missing")
        else:
            yield RecordView(document, links_of(document, snapshot), id="record")
        yield StatusBar()
        yield Footer()

    def on_mount(self) -> None:
        app = tracker_app(self)
        self.query_one(StatusBar).show_sync(app.sync_state)
        if app.snapshot is not None:
            self._show_counts(app.snapshot)

    def _show_counts(self, snapshot: RegisterSnapshot) -> None:
        self.query_one(StatusBar).show_register(
            snapshot.settings.name,
            len(snapshot.documents["issue"]),
            len(snapshot.documents["lesson"]),
            snapshot.problems,
        )

    async def on_register_changed(self, message: RegisterChanged) -> None:
        """Show the record as it is now, at the same scroll position."""
        self._show_counts(message.snapshot)
        listed = message.snapshot.find(self.record_id)
        old = self.query(RecordView).first() if self.query(RecordView) else None
        if listed is None or (old is not None and listed is self._listed):
            return
        self._listed = listed
        document = message.snapshot.record(self.record_id)
        if document is None:
            return
        new = RecordView(document, links_of(document, message.snapshot), id="record")
        scroll = old.scroll_y if old is not None else 0
        if old is not None:
            await old.remove()
        else:
            await self.query("#missing").remove()
        await self.mount(new, before=self.query_one(StatusBar))
        new.scroll_to(y=scroll, animate=False)

    def action_scroll(self, lines: int) -> None:
        view = self.query_one(RecordView)
        view.scroll_to(y=view.scroll_y + lines, animate=False)

    def action_page(self, pages: int) -> None:
        view = self.query_one(RecordView)
        view.scroll_to(
            y=view.scroll_y + pages * max(1, view.scrollable_content_region.height - 1), animate=False
        )

    def action_scroll_home(self) -> None:
        self.query_one(RecordView).scroll_home(animate=False)

    def action_scroll_end(self) -> None:
        self.query_one(RecordView).scroll_end(animate=False)

    def action_open_links(self) -> None:
        if links := self.query("#links"):
            links.first().focus()
        else:
            self.notify("no linked records yet: press l to link one")

    @on(OptionList.OptionSelected, "#links")
    def _open_link(self, event: OptionList.OptionSelected) -> None:
        record_id, snapshot = event.option.id, tracker_app(self).snapshot
        if record_id is None or snapshot is None:
            return
        if snapshot.find(record_id) is not None:
            self.app.push_screen(RecordScreen(record_id))
        else:
            self.notify(f"{record_id} is linked but not in this register (yet)", severity="warning")
