"""Help comes from the bindings themselves: `?` (or F1) lists every key of the
screen it was opened over and of the app; dialogs show their own keys."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator

from test_tui_flows import drive, screen_lines, settle
from textual.binding import Binding
from textual.pilot import Pilot
from textual.screen import Screen

import tracker.tui.screens
import widgets
from tracker.register import Register
from tracker.tui.app import TrackerApp
from tracker.tui.keys import APP_BINDINGS
from tracker.tui.screens.help import HelpScreen, own_bindings


def our_classes_with_keys() -> Iterator[type]:
    for package in (tracker.tui.screens, widgets):
        for module_info in pkgutil.iter_modules(package.__path__):
            module = importlib.import_module(f"{package.__name__}.{module_info.name}")
            for value in vars(module).values():
                if (
                    isinstance(value, type)
                    and value.__module__ == module.__name__
                    and "BINDINGS" in vars(value)
                ):
                    yield value


def test_every_binding_of_ours_has_an_id_a_description_and_a_tooltip():
    bindings = [*APP_BINDINGS, *(b for cls in our_classes_with_keys() for b in vars(cls)["BINDINGS"])]
    assert len(bindings) > 40
    for binding in bindings:
        assert isinstance(binding, Binding) and binding.id and binding.description and binding.tooltip, (
            binding
        )


# keys that open each full screen from the register, and back
OPENERS = {
    "RegisterScreen": [],
    "RecordScreen": ["enter"],
    "RecordForm": ["n"],
    "HistoryScreen": ["h"],
    "DashboardScreen": ["d"],
    "ExportScreen": ["x"],
    "ImportScreen": ["i"],
    "UpdateForm": ["u"],
    "LinkPicker": ["l"],
    "ChoicePicker": ["s"],
}


def test_help_over_every_screen_and_dialog_lists_each_of_its_keys_and_the_apps(demo_register: Register):
    seen: dict[str, int] = {}

    async def steps(app: TrackerApp, pilot: Pilot[None]) -> None:
        for name, keys in OPENERS.items():
            await pilot.press(*keys)
            await settle(app, pilot)
            screen = app.screen
            assert type(screen).__name__ == name
            await pilot.press("f1")
            await pilot.pause()
            assert isinstance(app.screen, HelpScreen) and app.screen.over is screen
            text = str(app.screen.query_one("#keys").content)
            app_keys = [b for b in APP_BINDINGS if b.priority or not screen.is_modal]
            for binding in [*own_bindings(type(screen)), *app_keys]:
                assert (binding.id or binding.description) in text, (name, binding)
            seen[name] = text.count("\n")
            while not isinstance(app.screen, type(app.screen_stack[0])) or len(app.screen_stack) > 1:
                await pilot.press("escape")
                await settle(app, pilot)
                if len(app.screen_stack) > 1 and "Discard" in "\n".join(screen_lines(app)):
                    await pilot.press("y")

    drive(demo_register, steps, size=(120, 40))
    assert set(seen) == set(OPENERS)


def test_help_shows_the_focused_widgets_keys_first(demo_register: Register):
    async def steps(app: TrackerApp, pilot: Pilot[None]) -> None:
        await pilot.press("slash", "f1")
        await pilot.pause()
        text = str(app.screen.query_one("#keys").content)
        assert text.index("Filter bar") < text.index("Register screen") < text.index("Everywhere")
        assert "form.save" not in text  # another screen's keys are not this screen's

    drive(demo_register, steps)


def test_a_dialog_shows_its_own_keys_not_the_footer_beneath(register: Register):
    async def steps(app: TrackerApp, pilot: Pilot[None]) -> None:
        await pilot.press("n", "X", "escape")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, Screen) and dialog.is_modal
        footer = screen_lines(app)[-1]
        assert "y Yes" in footer.replace("  ", " ") and "n No" in footer.replace("  ", " ")
        assert "Save" not in footer
        assert "Discard (y)" in "\n".join(screen_lines(app))

    drive(register, steps)
