"""Import issues or lessons from a CSV, Excel or JSON file: check first, then
confirm.

The check is a dry run (every row read and validated, nothing written) whose
report shows here: how many records would be created, updated or left as they
are, and every problem as row, column, value and reason. Import is offered only
after a clean check of the same file, and writes everything in one commit (or,
if the file changed since and now has problems, nothing). Both run in thread
workers; record text from the file is shown literally, never as markup.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.validation import ValidationResult, Validator
from textual.widgets import Button, DataTable, Input, Label, Select, Static
from textual.worker import Worker, WorkerState

from data.text import one_line
from tracker.importing import ImportOptions, ImportPlan, import_file, plan_import, report_lines

if TYPE_CHECKING:
    from tracker.register import Register

SUFFIXES = (".csv", ".txt", ".xlsx", ".xlsm", ".json")
Kind = Literal["issue", "lesson"]


class ImportableFile(Validator):
    """The path names a file Tracker can import (CSV, Excel .xlsx or JSON)."""

    def validate(self, value: str) -> ValidationResult:
        path = Path(value.strip()).expanduser()
        if not value.strip():
            return self.failure("give the path of a .csv, .xlsx or .json file")
        if not path.is_file():
            return self.failure(f"{path}: no such file")
        if path.suffix.lower() not in SUFFIXES:
            return self.failure(f"{path.name}: Tracker imports .csv, .xlsx and .json files")
        return self.success()


@dataclass(frozen=True)
class Checked:
    """A dry run's plan, for the file and kind it was made for."""

    path: Path
    kind: Kind
    plan: ImportPlan


@dataclass(frozen=True)
class Imported:
    plan: ImportPlan
    commit: str | None


class ImportScreen(ModalScreen[str | None]):
    """Dismisses with the import's commit ID, or None when nothing was imported."""

    CSS_PATH = "import_screen.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="import.close", tooltip="Close without importing"),
        Binding(
            "ctrl+r",
            "check",
            "Check",
            id="import.check",
            tooltip="Check the file (a dry run: nothing written)",
        ),
    ]

    def __init__(self, register: Register) -> None:
        super().__init__()
        self.register = register
        self.checked: Checked | None = None
        self.commit: str | None = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog dialog--wide", id="import-dialog"):
            yield Static("Import records from a CSV, Excel (.xlsx) or JSON file", classes="dialog--question")
            with Horizontal(classes="dialog--row"):
                yield Label("File")
                yield Input(
                    placeholder="path/to/issue-log.xlsx",
                    id="import-path",
                    validators=[ImportableFile()],
                    validate_on=["changed", "submitted"],
                )
                yield Select(
                    [("Issues", "issue"), ("Lessons", "lesson")],
                    value="issue",
                    allow_blank=False,
                    id="import-kind",
                )
            yield Static("", id="import-path-problem", classes="field--error")
            yield Static("Check the file first: nothing is written until you import.", id="import-summary")
            with VerticalScroll(id="import-report"):
                yield DataTable(id="import-problems", cursor_type="row", zebra_stripes=True)
                yield Static("", id="import-details")
            with Horizontal(classes="dialog--buttons"):
                yield Button("Check (ctrl+r)", id="check", variant="primary")
                yield Button("Import", id="import", variant="success", disabled=True)
                yield Button("Close", id="close")

    def on_mount(self) -> None:
        table = self.query_one("#import-problems", DataTable)
        table.add_columns("Row", "Column", "Value", "Problem")
        table.display = False
        self.query_one("#import-path", Input).focus()

    # --- the person's choices ---------------------------------------------------------

    def _choice(self) -> tuple[Path, Kind] | None:
        field = self.query_one("#import-path", Input)
        result = field.validate(field.value)
        problem = self.query_one("#import-path-problem", Static)
        if result is not None and not result.is_valid:
            problem.update(Text("; ".join(result.failure_descriptions)))
            return None
        problem.update("")
        kind: Kind = "lesson" if self.query_one("#import-kind", Select).value == "lesson" else "issue"
        return Path(field.value.strip()).expanduser(), kind

    @on(Input.Changed, "#import-path")
    @on(Select.Changed, "#import-kind")
    def _choice_changed(self) -> None:
        """A different file or kind needs a new check before it can be imported."""
        self.checked = None
        self.query_one("#import", Button).disabled = True

    @on(Input.Submitted, "#import-path")
    @on(Button.Pressed, "#check")
    def action_check(self) -> None:
        choice = self._choice()
        if choice is None:
            return
        self.query_one("#import-summary", Static).update(Text(f"Checking {choice[0].name}…"))
        self._check(*choice)

    @on(Button.Pressed, "#import")
    def action_import(self) -> None:
        if self.checked is None or not self.checked.plan.ok:
            return
        self.query_one("#import", Button).disabled = True
        self.query_one("#import-summary", Static).update(Text(f"Importing {self.checked.path.name}…"))
        self._import(self.checked.path, self.checked.kind)

    @on(Button.Pressed, "#close")
    def action_close(self) -> None:
        self.dismiss(self.commit)

    # --- work in threads ----------------------------------------------------------------

    def _register_lock(self) -> AbstractContextManager[Any]:
        """The app's register lock when it has one (the Register is not thread-safe)."""
        lock = getattr(self.app, "register_lock", None)
        return lock if lock is not None else nullcontext()

    @work(thread=True, exclusive=True, exit_on_error=False, group="import")
    def _check(self, path: Path, kind: Kind) -> Checked:
        with self._register_lock():
            return Checked(path, kind, plan_import(self.register, path, ImportOptions(kind=kind)))

    @work(thread=True, exclusive=True, exit_on_error=False, group="import")
    def _import(self, path: Path, kind: Kind) -> Imported:
        with self._register_lock():
            plan, commit = import_file(self.register, path, ImportOptions(kind=kind))
        return Imported(plan, commit)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "import":
            return
        if event.state == WorkerState.SUCCESS:
            result = event.worker.result
            if isinstance(result, Checked):
                self._show_check(result)
            elif isinstance(result, Imported):
                self._show_import(result)
        elif event.state == WorkerState.ERROR:
            self.query_one("#import-summary", Static).update(Text(one_line(event.worker.error)))
            self.notify(one_line(event.worker.error), severity="error", timeout=8)

    # --- the report -------------------------------------------------------------------------

    def _show_check(self, checked: Checked) -> None:
        plan = checked.plan
        self._show_report(plan)
        if plan.ok:
            self.checked = checked
            button = self.query_one("#import", Button)
            button.label = f"Import ({len(plan.created)} new, {len(plan.updated)} updated)"
            button.disabled = not (plan.created or plan.updated)
            summary = f"{plan.file}: would import {plan.counts()}. Nothing has been written yet."
        else:
            summary = f"{plan.file}: {len(plan.problems)} problem(s); fix the file and check again."
        self.query_one("#import-summary", Static).update(Text(summary))

    def _show_import(self, imported: Imported) -> None:
        plan = imported.plan
        self._show_report(plan, done=True)
        self.checked = None
        if not plan.ok:
            message = f"{plan.file}: {len(plan.problems)} problem(s); nothing was written"
            self.notify(message, severity="error", timeout=8)
        else:
            self.commit = imported.commit or self.commit
            message = f"Imported {plan.file}: {plan.counts()}"
            self.notify(message)
        self.query_one("#import-summary", Static).update(Text(message))

    def _show_report(self, plan: ImportPlan, done: bool = False) -> None:
        details = [line for line in report_lines(plan, done) if not line.startswith(("  row ", "Problems ("))]
        self.query_one("#import-details", Static).update(Text("\n".join(details)))
        table = self.query_one("#import-problems", DataTable)
        table.clear()
        for problem in plan.problems:
            table.add_row(
                Text(str(problem.row)),
                Text(problem.column),
                Text(problem.value),
                Text(f"{problem.field}: {problem.reason}" if problem.field else problem.reason),
            )
        table.display = bool(plan.problems)
