"""The `/` filter bar: an input that reports what is typed, and shows what the
screen says back (how many records match, or why the query cannot be read).

The bar does not know the query language. It posts `FilterBar.Changed` with the
text on every keystroke and `FilterBar.Closed` when the user leaves it; the
screen compiles the query and calls `show_count` or `show_error`. An error never
clears the input, so a typo can be fixed where it is.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Input, Static


class FilterBar(Horizontal):
    """A query input with a match count (or an error) beside it."""

    DEFAULT_CSS = """
    FilterBar {
        height: auto;
        background: $panel;
        & > Input { width: 1fr; min-width: 20; }
        & > .filter-bar--status { width: auto; max-width: 60%; height: auto; padding: 0 1; color: $text-muted; }
        &.-error > .filter-bar--status { color: $text-error; }
        &.-error > Input { color: $text-error; }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape",
            "close",
            "Leave filter",
            id="filter.leave",
            tooltip="Leave the filter and go back to the table (the filter stays)",
        ),
        Binding(
            "down,enter",
            "close",
            "To table",
            show=False,
            id="filter.to_table",
            tooltip="Move to the table, keeping the filter",
        ),
    ]

    class Changed(Message):
        """The query text changed (on every keystroke)."""

        def __init__(self, bar: FilterBar, text: str) -> None:
            self.bar = bar
            self.text = text
            super().__init__()

        @property
        def control(self) -> FilterBar:
            return self.bar

    class Closed(Message):
        """The user left the filter (escape, enter or down)."""

        def __init__(self, bar: FilterBar) -> None:
            self.bar = bar
            super().__init__()

        @property
        def control(self) -> FilterBar:
            return self.bar

    def __init__(self, placeholder: str = "Filter", *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._placeholder = placeholder

    def compose(self) -> ComposeResult:
        yield Input(placeholder=self._placeholder, select_on_focus=False, compact=True)
        yield Static("", classes="filter-bar--status")

    @property
    def text(self) -> str:
        return self.query_one(Input).value

    @property
    def status(self) -> str:
        """What the bar says beside the input (a count or an error), as plain text."""
        return str(self.query_one(".filter-bar--status", Static).content)

    def focus_input(self) -> None:
        self.query_one(Input).focus()

    def show_count(self, matching: int, total: int, marked: int = 0) -> None:
        self.remove_class("-error")
        self._say(f"{matching:,} of {total:,}" + (f" · {marked:,} marked" if marked else ""))

    def show_error(self, reason: str) -> None:
        self.add_class("-error")
        self._say(reason)

    def _say(self, words: str) -> None:
        status = self.query_one(".filter-bar--status", Static)
        status.update(Text(words))
        status.tooltip = words

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        event.stop()
        self.post_message(self.Changed(self, event.value))

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_close()

    def action_close(self) -> None:
        self.post_message(self.Closed(self))
