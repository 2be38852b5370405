"""Quick add: a new record from one line, a title followed by query-style fields
(`Receipts rejected severity:high area:finance owner:priya`), completed as it is
typed; what the line will save is shown under it. `ctrl+o` carries the line
over to the full form."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, Static

from data.errors import InvalidRecord
from data.ids import Kind
from data.kinds import KINDS, label
from data.model import AnyRecord
from tracker.tui.quick_entry import QuickEntry, QuickSuggester, Words, read_line
from tracker.tui.snapshot import loaded_snapshot, tracker_app

EXAMPLES: dict[Kind, str] = {
    "issue": "Receipts rejected severity:high area:finance owner:priya",
    "lesson": "Test cutover with real data priority:high area:finance source:audit",
}


class QuickAdd(ModalScreen[str | dict[str, Any] | None]):
    """Dismisses with the new record's ID, the fields typed so far (to carry on
    in the full form), or None when cancelled."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "save", "Add", id="quick.save", tooltip="Add the record (one commit)"),
        Binding("tab", "complete", "Complete", id="quick.complete", tooltip="Take the suggested completion"),
        Binding(
            "ctrl+o",
            "full_form",
            "Full form",
            id="quick.full_form",
            tooltip="Carry on in the full form with what is typed",
        ),
        Binding("escape", "dismiss(None)", "Cancel", id="quick.cancel", tooltip="Close without adding"),
    ]

    def __init__(self, kind: Kind) -> None:
        super().__init__()
        self.kind = kind
        self.entry = QuickEntry({}, [])
        self._saving = False

    def compose(self) -> ComposeResult:
        snapshot = loaded_snapshot(self)
        self.words = Words(
            self.kind, snapshot.settings.vocabulary, tuple(snapshot.people()), snapshot.settings.roles()
        )
        with Vertical(classes="dialog dialog--wide"):
            yield Static(
                Text(f"Quick add {KINDS[self.kind].a}: a title, then fields · tab completes · enter adds"),
                classes="dialog--question",
            )
            yield Input(
                placeholder=EXAMPLES[self.kind],
                suggester=QuickSuggester(self.words),
                id="line",
                select_on_focus=False,
            )
            yield Static("", id="preview")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Changed, "#line")
    def _read(self, event: Input.Changed) -> None:
        self.entry = read_line(event.value, self.words) if event.value.strip() else QuickEntry({}, [])
        self._show(self.entry.problems if event.value.strip() else [])

    def _show(self, problems: list[str]) -> None:
        text = Text()
        for name, value in self.entry.fields.items():
            shown = ", ".join(value) if isinstance(value, list) else str(value)
            text.append(f"{label(name, self.kind)}: ", style="dim")
            text.append(f"{shown}\n")
        for problem in problems:
            text.append(f"{problem}\n", style="bold red")
        self.query_one("#preview", Static).update(text)

    def action_complete(self) -> None:
        line = self.query_one(Input)
        line.cursor_position = len(line.value)
        line.action_cursor_right()  # at the end of the line: takes the suggestion

    @on(Input.Submitted, "#line")
    def action_save(self) -> None:
        if self._saving:
            return
        line = self.query_one(Input)
        self.entry = read_line(line.value, self.words)
        if self.entry.problems:
            self._show(self.entry.problems)
            return
        kind, fields = self.kind, dict(self.entry.fields)
        self._saving = True
        tracker_app(self).change(
            lambda register: register.add(kind, **fields),
            f"Adding {KINDS[kind].a}",
            on_done=self._added,
            on_invalid=self._invalid,
        )

    def _added(self, record: AnyRecord) -> None:
        self.app.notify(f"{record.id} added: {record.title}")
        self.dismiss(record.id)

    def _invalid(self, error: InvalidRecord) -> None:
        self._saving = False
        self._show(error.problems)

    def action_full_form(self) -> None:
        self.entry = read_line(self.query_one(Input).value, self.words)
        self.dismiss(dict(self.entry.fields))
