"""The keys that work everywhere in the app (the screens declare their own)."""

from __future__ import annotations

from textual.binding import Binding

APP_BINDINGS: tuple[Binding, ...] = (
    Binding("q", "quit", "Quit", id="app.quit", tooltip="Quit Tracker"),
    Binding(
        "ctrl+q",
        "quit",
        "Quit",
        show=False,
        priority=True,
        id="app.quit_now",
        tooltip="Quit Tracker from anywhere",
    ),
    Binding(
        "question_mark",
        "help",
        "Help",
        key_display="?",
        id="app.help",
        tooltip="Every key of this screen, with its id for rebinding",
    ),
    Binding(
        "f1",
        "help",
        "Help",
        show=False,
        priority=True,  # in forms, where ? is typed, and in dialogs
        id="app.help_anywhere",
        tooltip="Every key of this screen or dialog, from anywhere",
    ),
    Binding(
        "d",
        "dashboard",
        "Dashboard",
        show=False,
        id="app.dashboard",
        tooltip="Counts, ageing and the backlog trend",
    ),
    Binding(
        "x",
        "export",
        "Export",
        show=False,
        id="app.export",
        tooltip="Write a transparency report or lessons digest",
    ),
    Binding("i", "import", "Import", show=False, id="app.import", tooltip="Import records from a CSV file"),
    Binding("S", "sync", "Sync", show=False, id="app.sync", tooltip="Fetch, merge and push the register now"),
)
