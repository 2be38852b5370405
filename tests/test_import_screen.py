"""The TUI's import screen: check a file (nothing written), see the report,
then confirm the import (one commit); problems are listed literally and block
the import."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from conftest import git
from rich.text import Text
from textual.app import App
from textual.widgets import Button, DataTable, Input, Select, Static

from tracker.register import Register
from tracker.tui.screens.import_screen import ImportScreen


class ImportApp(App[None]):
    """Just enough app to push the import screen onto."""

    def __init__(self, register: Register) -> None:
        super().__init__()
        self.register = register
        self.result: Any = "not closed"
        self.notified: list[tuple[str, str]] = []

    def on_mount(self) -> None:
        self.push_screen(ImportScreen(self.register), callback=self._remember_result)

    def _remember_result(self, result: Any) -> None:
        self.result = result

    def notify(self, message: str, *args: Any, severity: Any = "information", **kwargs: Any) -> None:
        self.notified.append((str(message), str(severity)))
        super().notify(message, *args, severity=severity, **kwargs)


def commits(register: Register) -> list[str]:
    return git(register.root, "log", "--format=%s").splitlines()


def shown(app: App[None], selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


async def check(pilot: Any, path: Path) -> None:
    field = pilot.app.screen.query_one("#import-path", Input)
    field.value = str(path)
    field.focus()
    await pilot.press("enter")
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def test_checking_a_file_shows_the_report_and_importing_makes_one_commit(register: Register, tmp_path: Path):
    path = tmp_path / "log.csv"
    path.write_text("Ref,Title,Status\nR1,Receipts not allocated,WIP\nR2,Payroll late,open\n")
    before = commits(register)

    async def scenario() -> ImportApp:
        app = ImportApp(register)
        async with app.run_test(size=(120, 40)) as pilot:
            await check(pilot, path)
            assert "would import 2 created, 0 updated, 0 unchanged" in shown(app, "#import-summary")
            assert "status: 'WIP' → in progress" in shown(app, "#import-details")
            assert commits(register) == before
            importing = app.screen.query_one("#import", Button)
            assert not importing.disabled
            await pilot.click("#import")
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert "Imported log.csv: 2 created" in shown(app, "#import-summary")
            assert app.notified == [("Imported log.csv: 2 created, 0 updated, 0 unchanged", "information")]
            await pilot.press("escape")
            await pilot.pause()
        return app

    app = asyncio.run(scenario())
    assert commits(register)[0] == "Import log.csv: 2 created, 0 updated"
    assert app.result == git(register.root, "rev-parse", "HEAD").strip()
    titles = sorted(doc["title"] for doc in Register.open(register.root).documents("issue").values())
    assert titles == ["Payroll late", "Receipts not allocated"]


def test_problems_are_listed_literally_and_block_the_import(register: Register, tmp_path: Path):
    path = tmp_path / "bad.csv"
    path.write_text("Title,Severity\n[bold red]Boom[/],enormous\nFine,high\n")
    before = commits(register)

    async def scenario() -> list[list[Any]]:
        app = ImportApp(register)
        async with app.run_test(size=(120, 40)) as pilot:
            await check(pilot, path)
            assert "1 problem(s)" in shown(app, "#import-summary")
            assert app.screen.query_one("#import", Button).disabled
            table = app.screen.query_one("#import-problems", DataTable)
            return [table.get_row_at(index) for index in range(table.row_count)]

    rows = asyncio.run(scenario())
    assert [[cell.plain if isinstance(cell, Text) else cell for cell in row] for row in rows] == [
        [
            "1 (2)",
            "Severity",
            "enormous",
            "severity: is not one of critical, high, medium, low",
            'fix: --new-word severity:"enormous"',
        ],
        [
            "1 (2)",
            "Severity",
            "enormous",
            "severity: is not one of critical, high, medium, low",
            'fix: --map-value severity:"enormous"=medium',
        ],
    ]
    path.write_text("Title,Severity\n[bold red]Boom[/],high\n")

    async def literal_title() -> str:
        app = ImportApp(register)
        async with app.run_test(size=(120, 40)) as pilot:
            await check(pilot, path)
            await pilot.click("#import")
            await app.workers.wait_for_complete()
            await pilot.pause()
        return app.result

    assert commits(register) == before
    asyncio.run(literal_title())
    (record,) = Register.open(register.root).documents("issue").values()
    assert record["title"] == "[bold red]Boom[/]"


def test_a_path_that_is_not_an_importable_file_is_explained_and_nothing_runs(
    register: Register, tmp_path: Path
):
    (tmp_path / "notes.docx").write_text("not a table")

    async def scenario() -> tuple[str, str]:
        app = ImportApp(register)
        async with app.run_test(size=(120, 40)) as pilot:
            await check(pilot, tmp_path / "missing.csv")
            missing = shown(app, "#import-path-problem")
            await check(pilot, tmp_path / "notes.docx")
            return missing, shown(app, "#import-path-problem")

    missing, wrong_kind = asyncio.run(scenario())
    assert missing.endswith("missing.csv: no such file")
    assert wrong_kind == "notes.docx: Tracker imports .csv, .xlsx, .ods and .json files"


def test_a_file_that_cannot_be_read_is_reported_as_an_error(register: Register, tmp_path: Path):
    path = tmp_path / "broken.json"
    path.write_text("{not json")

    async def scenario() -> ImportApp:
        app = ImportApp(register)
        async with app.run_test(size=(120, 40)) as pilot:
            await check(pilot, path)
            assert shown(app, "#import-summary").startswith("broken.json: is not valid JSON")
        return app

    ((message, severity),) = asyncio.run(scenario()).notified
    assert message.startswith("broken.json: is not valid JSON")
    assert severity == "error"


def test_the_whole_import_flow_without_the_command_line(register: Register, tmp_path: Path):
    """Pick the sheet, change a column's field, map a word and accept a new area
    from the grouped problems, check, then import: every step by key."""
    import openpyxl

    from data.settings import load_settings

    path = tmp_path / "book.xlsx"
    book = openpyxl.Workbook()
    book.active.title = "North"
    book.create_sheet("South")
    for name, sheet in (("North", book["North"]), ("South", book["South"])):
        sheet.append(["Ref", "Title", "Status", "Service area", "When"])
        sheet.append(
            [f"{name[0]}1", f"{name} payroll late", "With supplier", "Adult social care", "01/04/2024"]
        )
    book.save(path)

    async def scenario() -> tuple[ImportApp, list[str]]:
        app = ImportApp(register)
        seen: list[str] = []
        async with app.run_test(size=(160, 50)) as pilot:
            await check(pilot, path)
            seen.append(shown(app, "#import-summary"))  # two likely sheets: an error naming them
            screen = app.screen
            assert isinstance(screen, ImportScreen)
            screen.query_one("#import-sheet", Select).value = "South"  # checks that sheet
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
            seen.append(shown(app, "#import-summary"))
            columns = screen.query_one("#import-columns", DataTable)
            columns.move_cursor(row=screen.columns.index("When"))
            screen.query_one("#import-map-field", Input).value = "raised_on"
            await pilot.press("ctrl+l")
            await app.workers.wait_for_complete()
            await pilot.pause()
            problems = screen.query_one("#import-problems", DataTable)
            for wanted in ('--new-area "Adult social care"', '--map-value status:"With supplier"=open'):
                index = next(i for i, fix in enumerate(screen.fixes) if fix and fix.option == wanted)
                problems.move_cursor(row=index)
                await pilot.press("ctrl+f")
                await app.workers.wait_for_complete()
                await pilot.pause()
            seen.append(shown(app, "#import-summary"))
            seen.append(shown(app, "#import-options"))
            await pilot.press("ctrl+g")
            await app.workers.wait_for_complete()
            await pilot.pause()
            seen.append(shown(app, "#import-summary"))
        return app, seen

    _, seen = asyncio.run(scenario())
    assert "sheets 'North' and 'South' both look like issue logs" in seen[0]
    assert "1 problem" in seen[1] or "problem(s)" in seen[1]
    assert "would import 1 created" in seen[2]
    assert seen[3] == (
        'Options: --sheet \'South\' --map "When=raised_on" --map-value status:"with supplier"=open '
        '--new-area "adult social care"'
    )
    assert seen[4].startswith("Imported book.xlsx (sheet 'South'): 1 created")
    (record,) = Register.open(register.root).documents("issue").values()
    assert (record["title"], record["status"], record["area"], record["raised_on"]) == (
        "South payroll late",
        "open",
        "adult social care",
        "2024-04-01",
    )
    assert "adult social care" in load_settings(register.root).vocabulary.areas
    assert git(register.root, "status", "--porcelain") == ""
