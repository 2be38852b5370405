"""The help screen: every key binding, generated from the bindings themselves,
with the keys the user's keymap gives them and the id to rebind them by."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from tracker.tui.keys import APP_BINDINGS
from tracker.tui.snapshot import tracker_app

INTRODUCTION = (
    "Rebind any key in config.toml (in Tracker's config folder) under [keys], "
    'by id: for example  "register.new" = "N".  ctrl+p opens the command palette.'
)


def binding_sections() -> list[tuple[str, list[Binding]]]:
    """Every place Tracker binds keys, and its bindings."""
    from tracker.tui.screens.choice_picker import ChoicePicker
    from tracker.tui.screens.confirm import ConfirmationModal
    from tracker.tui.screens.link_picker import LinkPicker
    from tracker.tui.screens.record import RecordScreen
    from tracker.tui.screens.record_actions import RecordActionsScreen
    from tracker.tui.screens.record_form import RecordForm
    from tracker.tui.screens.register_view import RegisterScreen
    from tracker.tui.screens.update_form import UpdateForm
    from widgets.filter_bar import FilterBar
    from widgets.record_table import RecordTable

    places: list[tuple[str, Iterable[BindingType]]] = [
        ("Everywhere", APP_BINDINGS),
        ("Registers", RegisterScreen.BINDINGS),
        ("A record (in a register or opened)", RecordActionsScreen.BINDINGS),
        ("Tables", RecordTable.BINDINGS),
        ("Filter bar", FilterBar.BINDINGS),
        ("Record", RecordScreen.BINDINGS),
        ("New and edit forms", RecordForm.BINDINGS),
        ("Add update", UpdateForm.BINDINGS),
        ("Link", LinkPicker.BINDINGS),
        ("Pickers", ChoicePicker.BINDINGS),
        ("Questions", ConfirmationModal.BINDINGS),
        ("Help", HelpScreen.BINDINGS),
    ]
    return [(name, [b for b in bindings if isinstance(b, Binding)]) for name, bindings in places]


def keys_text(keymap: dict[str, str]) -> Text:
    text = Text()
    for section, bindings in binding_sections():
        text.append(f"\n{section}\n", style="bold underline")
        for binding in bindings:
            keys = keymap.get(binding.id or "", binding.key_display or binding.key)
            keys = keys.replace("question_mark", "?")
            text.append(f"  {keys:<16}", style="bold")
            text.append(f"{binding.description or binding.action:<22}")
            text.append(f"{binding.id or '':<26}", style="dim")
            text.append(f"{binding.tooltip}\n")
    return text


class HelpScreen(Screen[None]):
    """Read-only list of keys; escape or `?` closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape,question_mark,q",
            "app.pop_screen",
            "Close help",
            id="help.close",
            tooltip="Go back to where you were",
        ),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            yield Static(Text(INTRODUCTION), classes="help--intro")
            yield Static(keys_text(tracker_app(self).preferences.keys), id="keys")
        yield Footer()
