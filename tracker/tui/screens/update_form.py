"""Add an update to a record's timeline: its text, kind and visibility."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Label, Select, Static, TextArea

from data.model import VISIBILITIES

KINDS = ("comment", "decision", "action")


@dataclass(frozen=True)
class NewUpdate:
    text: str
    kind: str
    visibility: str


class UpdateForm(ModalScreen[NewUpdate | None]):
    """Dismisses with the update to add, or None when cancelled."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Add update", id="update.save", tooltip="Add this update (one commit)"),
        Binding("escape", "dismiss(None)", "Cancel", id="update.cancel", tooltip="Close without adding"),
    ]

    def __init__(self, record_id: str, title: str) -> None:
        super().__init__()
        self.record_id, self.record_title = record_id, title

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog dialog--wide"):
            yield Static(Text(f"Update to {self.record_id}  {self.record_title}"), classes="dialog--question")
            yield TextArea(id="text", soft_wrap=True, tab_behavior="focus")
            yield Static("", id="problem", classes="field--error")
            with Horizontal(classes="dialog--row"):
                yield Label("Kind")
                yield Select([(kind, kind) for kind in KINDS], value="comment", allow_blank=False, id="kind")
                yield Label("Visibility")
                yield Select(
                    [(v, v) for v in VISIBILITIES], value="internal", allow_blank=False, id="visibility"
                )
            with Horizontal(classes="dialog--buttons"):
                yield Button("Add update (ctrl+s)", id="save", variant="primary")
                yield Button("Cancel (esc)", id="cancel")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()

    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        text = self.query_one(TextArea).text
        if not text.strip():
            problem = self.query_one("#problem", Static)
            problem.update(Text("text: must not be empty"))
            problem.set_class(True, "-shown")
            return
        kind = self.query_one("#kind", Select).value
        visibility = self.query_one("#visibility", Select).value
        self.dismiss(NewUpdate(text, str(kind), str(visibility)))

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)
