"""Pick one word from a short list: a record's status, action status or visibility.
Arrows and enter, or a word's first letter and enter."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option


class ChoicePicker(ModalScreen[str | None]):
    """Dismisses with the chosen word, or None when cancelled (escape)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape", "dismiss(None)", "Cancel", id="picker.cancel", tooltip="Close without changing anything"
        ),
    ]

    def __init__(self, title: str, choices: Sequence[str], current: str | None = None) -> None:
        super().__init__()
        self.title_text, self.choices, self.current = title, list(choices), current

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text(self.title_text), classes="dialog--question")
            yield OptionList(
                *[
                    Option(Text(("● " if word == self.current else "  ") + word), id=word)
                    for word in self.choices
                ]
            )
        yield Footer()

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        if self.current in self.choices:
            options.highlighted = self.choices.index(self.current)
        options.focus()

    def on_key(self, event: events.Key) -> None:
        """A letter goes to the next choice that starts with it (`r` → resolved)."""
        letter = (event.character or "").lower()
        if not letter.isalnum():
            return
        options = self.query_one(OptionList)
        start = (options.highlighted or 0) + 1
        order = self.choices[start:] + self.choices[:start]
        found = next((word for word in order if word.lower().startswith(letter)), None)
        if found is not None:
            event.stop()
            options.highlighted = self.choices.index(found)

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)
