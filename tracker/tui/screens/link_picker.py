"""Choose a record to link to: type its ID, or filter the list by words and pick.

Issues link to lessons and to other issues; lessons link to issues. The caller
passes the candidate rows; this modal only chooses.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, Static

from data.ids import is_record_id, normalise_id
from widgets.record_table import Column, RecordTable

Candidate = tuple[str, Sequence[str]]


class LinkPicker(ModalScreen[str | None]):
    """Dismisses with the chosen record ID, or None when cancelled."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss(None)", "Cancel", id="link.cancel", tooltip="Close without linking"),
        Binding(
            "down", "to_list", "To list", show=False, id="link.to_list", tooltip="Move to the list of records"
        ),
    ]

    def __init__(self, record_id: str, candidates: Sequence[Candidate]) -> None:
        super().__init__()
        self.record_id = record_id
        self.candidates = list(candidates)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog dialog--wide"):
            yield Static(
                Text(f"Link {self.record_id} to… (type an ID, or words to narrow the list)"),
                classes="dialog--question",
            )
            yield Input(placeholder="ISS-4K7Q2M or words from a title", id="find")
            yield RecordTable(
                [Column("id", "ID", 10), Column("title", "Title"), Column("kind", "Kind", 14)],
                id="candidates",
            )
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(RecordTable).set_rows(self.candidates)
        self.query_one(Input).focus()

    @on(Input.Changed, "#find")
    def _narrow(self, event: Input.Changed) -> None:
        words = event.value.lower().split()
        rows = [row for row in self.candidates if all(w in (row[0] + " " + row[1][1]).lower() for w in words)]
        self.query_one(RecordTable).set_rows(rows, keep_cursor=False)

    @on(Input.Submitted, "#find")
    def _submitted(self, event: Input.Submitted) -> None:
        typed = normalise_id(event.value)
        if is_record_id(typed):
            self.dismiss(typed)
        elif (key := self.query_one(RecordTable).cursor_key) is not None:
            self.dismiss(key)

    @on(RecordTable.Selected)
    def _picked(self, event: RecordTable.Selected) -> None:
        self.dismiss(event.row_key)

    def action_to_list(self) -> None:
        self.query_one(RecordTable).focus()
