"""The TUI export screen on its own, in a tiny app that pushes it."""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path

from conftest import git
from textual.app import App
from textual.widgets import Input, Markdown, Select

from tracker.register import Register
from tracker.tui.screens.confirm import ConfirmationModal
from tracker.tui.screens.export import ExportScreen


class ExportApp(App[None]):
    def __init__(self, register: Register) -> None:
        super().__init__()
        self.register = register

    def on_mount(self) -> None:
        self.push_screen(ExportScreen(self.register))


def hostile_register(register: Register) -> Register:
    register.add_issue(title="[bold red]markup[/] <script>x</script> | pipe", visibility="public")
    register.add_issue(title="SECRETTITLE", visibility="restricted")
    return register


async def settle(app: App[None], pilot: object) -> None:
    await app.workers.wait_for_complete()
    await pilot.pause()  # type: ignore[attr-defined]
    await app.workers.wait_for_complete()
    await pilot.pause()  # type: ignore[attr-defined]


def test_preview_shows_the_public_report_with_record_text_literal(register: Register) -> None:
    hostile_register(register)

    async def scenario() -> None:
        app = ExportApp(register)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            screen = app.screen
            assert isinstance(screen, ExportScreen)
            assert "SECRETTITLE" not in screen.markdown
            assert "\\[bold red\\]markup\\[/\\] \\<script\\>x\\</script\\> \\| pipe" in screen.markdown
            shown = screen.query_one(Markdown).source
            assert shown == screen.markdown

    asyncio.run(scenario())


def test_switching_to_internal_audience_shows_everything(register: Register) -> None:
    hostile_register(register)

    async def scenario() -> None:
        app = ExportApp(register)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            app.screen.query_one("#export-audience", Select).value = "internal"
            await settle(app, pilot)
            screen = app.screen
            assert isinstance(screen, ExportScreen)
            assert "SECRETTITLE" in screen.markdown and "Internal report" in screen.markdown

    asyncio.run(scenario())


def test_write_and_publish_from_the_screen(register: Register, tmp_path: Path) -> None:
    target = tmp_path / "out" / "report.md"

    async def scenario() -> None:
        app = ExportApp(register)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            app.screen.query_one("#export-output", Input).value = str(target)
            await pilot.press("ctrl+t")
            await settle(app, pilot)
            # Publishing is confirmed first (issue 12/16): the question names the tag to be made.
            assert isinstance(app.screen, ConfirmationModal)
            assert f"report/{date.today().isoformat()}" in str(app.screen.question)
            await pilot.press("y")
            await settle(app, pilot)

    asyncio.run(scenario())
    assert target.read_text(encoding="utf-8").startswith("# Programme transparency report")
    assert git(register.root, "tag", "--list").split() == [f"report/{date.today().isoformat()}"]


def test_a_bad_date_is_reported_as_a_notification(register: Register) -> None:
    async def scenario() -> None:
        app = ExportApp(register)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            field = app.screen.query_one("#export-from", Input)
            field.value = "2024-13-01"
            field.focus()
            await pilot.press("enter")
            await settle(app, pilot)
            messages = [notification.message for notification in app._notifications]
            assert any("'2024-13-01' is not a date" in message for message in messages)

    asyncio.run(scenario())


def test_the_file_goes_under_the_registers_exports_folder_and_html_is_chosen_by_name(
    register: Register, tmp_path: Path
) -> None:
    register.add_issue(title="Public", visibility="public")

    async def scenario() -> None:
        app = ExportApp(register)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            screen = app.screen
            assert isinstance(screen, ExportScreen)
            shown = screen.query_one("#export-output", Input).placeholder
            assert shown == str(register.root.absolute() / "exports" / f"report-public-{date.today()}.md")
            app.screen.query_one("#export-output", Input).value = "exports/page.html"
            await pilot.press("ctrl+s")
            await settle(app, pilot)

    asyncio.run(scenario())
    page = (register.root / "exports" / "page.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and '<svg class="chart"' in page


def test_overwriting_asks_first_and_the_review_is_on_the_screen(register: Register, tmp_path: Path) -> None:
    register.add_issue(title="Alan Turing met the board", visibility="public")
    target = tmp_path / "report.md"
    target.write_text("keep me", encoding="utf-8")

    async def scenario() -> None:
        app = ExportApp(register)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            review = str(app.screen.query_one("#export-review-text").render())
            assert "'Alan Turing'" in review
            app.screen.query_one("#export-output", Input).value = str(target)
            await pilot.press("ctrl+s")
            await settle(app, pilot)
            assert isinstance(app.screen, ConfirmationModal) and "Overwrite" in str(app.screen.question)
            await pilot.press("n")
            await settle(app, pilot)
            # Publishing is refused while the review lists a name unknown to the register.
            await pilot.press("ctrl+t")
            await settle(app, pilot)
            assert not isinstance(app.screen, ConfirmationModal)
            messages = [notification.message for notification in app._notifications]
            assert any("Not published" in message and "Alan Turing" in message for message in messages)

    asyncio.run(scenario())
    assert target.read_text(encoding="utf-8") == "keep me"
    assert git(register.root, "tag", "--list") == ""


def test_the_preview_goes_through_the_gate_and_accepting_on_the_screen_is_remembered(tmp_path: Path) -> None:
    from data.settings import RegisterSettings

    register = Register.init(tmp_path / "r", settings=RegisterSettings(people={"Priya Nair": "Finance lead"}))
    register.add_issue(title="priya nair and Alan Turing, 07700 900123", visibility="public")

    async def scenario() -> None:
        app = ExportApp(register)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            screen = app.screen
            assert isinstance(screen, ExportScreen)
            assert "priya" not in screen.markdown.casefold() and "07700" not in screen.markdown
            await pilot.press("f6")
            await settle(app, pilot)
            assert isinstance(app.screen, ConfirmationModal) and "Alan Turing" in str(app.screen.question)
            await pilot.press("y")
            await settle(app, pilot)
            review = str(app.screen.query_one("#export-review-text").render())
            assert "unknown to the register: 0" in review

    asyncio.run(scenario())
    assert "Alan Turing" in register.accepted_words()


def test_the_screens_workers_use_the_register_only_while_holding_its_lock(register: Register) -> None:
    """The Register is not thread-safe: every worker of the export screen takes
    the app's register lock before reading it (a save elsewhere holds it too)."""
    import threading

    hostile_register(register)
    lock = threading.RLock()
    unlocked: list[str] = []
    read: list[str] = []

    def checked(name: str):  # type: ignore[no-untyped-def]
        reader = getattr(register, name)

        def reading(*args):  # type: ignore[no-untyped-def]
            read.append(name)
            if threading.current_thread() is not threading.main_thread() and not lock._is_owned():  # type: ignore[attr-defined]
                unlocked.append(name)
            return reader(*args)

        return reading

    for name in ("listed", "records", "people_in_records"):
        setattr(register, name, checked(name))

    class LockedApp(ExportApp):
        register_lock = lock

    async def main() -> None:
        app = LockedApp(register)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            assert "markup" in app.screen.query_one(Markdown).source

    asyncio.run(main())
    assert {"listed", "records", "people_in_records"} <= set(read) and unlocked == []
