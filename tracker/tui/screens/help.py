"""The help screen: every key of the screen it was opened over, generated from the
bindings themselves (the focused widget and its containers, the screen's other
widgets, the screen, then the app), with the keys the user's keymap gives them
and the id to rebind them by."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, ClassVar

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.dom import DOMNode
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer, Static

from tracker.tui.snapshot import tracker_app

INTRODUCTION = (
    "Rebind any key in config.toml (in Tracker's config folder) under [keys], "
    'by id: for example  "register.new" = "N".  ctrl+p opens the command palette.'
)


def own_bindings(cls: type) -> list[Binding]:
    """The bindings a class declares and inherits (a subclass's own win), in order."""
    found: dict[str, Binding] = {}
    for klass in cls.__mro__:
        for binding in klass.__dict__.get("BINDINGS", []):
            made = binding if isinstance(binding, Binding) else Binding(*binding)
            found.setdefault(made.id or made.action, made)
    return list(found.values())


def _title(node: DOMNode) -> str:
    if isinstance(node, App):
        return "Everywhere"
    words = re.sub(r"(?<!^)(?=[A-Z])", " ", type(node).__name__).lower()
    return words[:1].upper() + words[1:]


def _nodes(screen: Screen[Any], app: App[Any]) -> Iterator[DOMNode]:
    """Where keys are bound on `screen`: the focus chain first, then the screen's
    other widgets (each kind of widget once), then the app."""
    chain: list[DOMNode] = list(screen.focused.ancestors_with_self) if screen.focused else [screen]
    chain = [node for node in chain if not isinstance(node, App)]
    seen = {type(node) for node in chain}
    yield from chain
    if screen not in chain:
        yield screen
    for widget in screen.query(Widget):
        if type(widget) not in seen and own_bindings(type(widget)):
            seen.add(type(widget))
            yield widget
    yield app


def binding_sections(screen: Screen[Any], app: App[Any]) -> list[tuple[str, list[Binding]]]:
    """Every key that works on `screen`, by where it is bound. A dialog keeps
    keys to itself: of the app's, only those that work everywhere reach it."""
    sections = []
    for node in _nodes(screen, app):
        bindings = own_bindings(type(node))
        declared = {binding.action for binding in bindings}
        for added in node._bindings.key_to_bindings.values():  # bound at run time: saved views
            bindings += [binding for binding in added if binding.action not in declared]
        if node is app and screen.is_modal:
            bindings = [binding for binding in bindings if binding.priority]
        if bindings:
            sections.append((_title(node), bindings))
    return sections


def keys_text(sections: list[tuple[str, list[Binding]]], keymap: dict[str, str]) -> Text:
    text = Text()
    for section, bindings in sections:
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
    """Read-only list of the keys of the screen beneath; escape or `?` closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape,question_mark,q",
            "app.pop_screen",
            "Close help",
            id="help.close",
            tooltip="Go back to where you were",
        ),
    ]

    def __init__(self, over: Screen[Any]) -> None:
        super().__init__()
        self.over = over

    def compose(self) -> ComposeResult:
        app = tracker_app(self)
        sections = binding_sections(self.over, app)
        with VerticalScroll(id="help"):
            yield Static(Text(INTRODUCTION), classes="help--intro")
            yield Static(keys_text(sections, app.preferences.keys), id="keys")
        yield Footer()
