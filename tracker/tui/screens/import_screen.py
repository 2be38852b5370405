"""Import issues or lessons from a CSV, Excel, OpenDocument or JSON file: check
first, settle what the check found, then confirm. Everything the command line
does, without it.

The check is a dry run (every row read and validated, nothing written) whose
report shows here: the sheet read (another can be chosen), which column fills
which field (a column can be mapped to another field or left out), and the
problems grouped by distinct value, each with the fixes the command line would
suggest (map a word, accept a new service area, leave unreadable cells blank…);
applying a fix checks again. The options chosen are shown as the equivalent
command line. Import is offered only after a clean check of the same file and
options, and writes everything in one commit (or nothing). Work runs in thread
workers; record text from the file is shown literally, never as markup.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Literal

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
from tracker.importing import (
    Fix,
    ImportOptions,
    ImportPlan,
    UnreadableFile,
    apply_fix,
    apply_import,
    grouped,
    plan_import,
    report_lines,
    sheets_in,
)
from tracker.tui.snapshot import register_lock

if TYPE_CHECKING:
    from tracker.register import Register

SUFFIXES = (".csv", ".txt", ".xlsx", ".xlsm", ".ods", ".json")
AUTOMATIC = "(the likeliest sheet)"
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
            return self.failure(f"{path.name}: Tracker imports .csv, .xlsx, .ods and .json files")
        return self.success()


@dataclass(frozen=True)
class Checked:
    """A dry run's plan, for the file and kind it was made for."""

    path: Path
    options: ImportOptions
    plan: ImportPlan


@dataclass(frozen=True)
class CheckFailed:
    """A file that could not be checked (the sheets it has, to choose from)."""

    path: Path
    sheets: list[str]
    message: str


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
        Binding(
            "ctrl+f", "fix", "Apply fix", id="import.fix", tooltip="Apply the selected fix and check again"
        ),
        Binding(
            "ctrl+l",
            "map",
            "Map column",
            id="import.map",
            tooltip="Fill the given field from the selected column",
        ),
        Binding(
            "ctrl+g",
            "import",
            "Import",
            id="import.import",
            tooltip="Import what the check showed (one commit)",
        ),
    ]

    def __init__(self, register: Register) -> None:
        super().__init__()
        self.register = register
        self.checked: Checked | None = None
        self.commit: str | None = None
        self.options = ImportOptions()
        self.fixes: list[Fix | None] = []
        self.columns: list[str] = []
        self.sheets: list[str] = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog dialog--wide", id="import-dialog"):
            yield Static(
                "Import records from a CSV, Excel (.xlsx), .ods or JSON file", classes="dialog--question"
            )
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
                yield Select([(AUTOMATIC, AUTOMATIC)], value=AUTOMATIC, allow_blank=False, id="import-sheet")
            yield Static("", id="import-path-problem", classes="field--error")
            yield Static("Check the file first: nothing is written until you import.", id="import-summary")
            yield Static("", id="import-options")
            with VerticalScroll(id="import-report"):
                yield DataTable(id="import-problems", cursor_type="row", zebra_stripes=True)
                yield DataTable(id="import-columns", cursor_type="row", zebra_stripes=True)
                with Horizontal(classes="dialog--row", id="import-mapping"):
                    yield Label("Field for the selected column")
                    yield Input(
                        placeholder="such as raised_on; blank leaves the column out", id="import-map-field"
                    )
                yield Static("", id="import-details")
            with Horizontal(classes="dialog--buttons"):
                yield Button("Check (ctrl+r)", id="check", variant="primary")
                yield Button("Apply fix (ctrl+f)", id="fix", disabled=True)
                yield Button("Map column (ctrl+l)", id="map", disabled=True)
                yield Button("Import (ctrl+g)", id="import", variant="success", disabled=True)
                yield Button("Close (esc)", id="close")

    def on_mount(self) -> None:
        problems = self.query_one("#import-problems", DataTable)
        problems.add_columns("Rows", "Column", "Value", "Problem", "Fix")
        problems.display = False
        self.query_one("#import-columns", DataTable).add_columns("Column", "Field")
        self.query_one("#import-columns", DataTable).display = False
        self.query_one("#import-mapping").display = False
        self.query_one("#import-path", Input).focus()

    # --- the person's choices ---------------------------------------------------------

    def _choice(self) -> Path | None:
        field = self.query_one("#import-path", Input)
        result = field.validate(field.value)
        problem = self.query_one("#import-path-problem", Static)
        if result is not None and not result.is_valid:
            problem.update(Text("; ".join(result.failure_descriptions)))
            return None
        problem.update("")
        kind: Kind = "lesson" if self.query_one("#import-kind", Select).value == "lesson" else "issue"
        sheet = self.query_one("#import-sheet", Select).value
        chosen = sheet if isinstance(sheet, str) and sheet != AUTOMATIC else None
        self.options = replace(self.options, kind=kind, sheet=chosen)
        return Path(field.value.strip()).expanduser()

    @on(Input.Changed, "#import-path")
    @on(Select.Changed, "#import-kind")
    def _choice_changed(self) -> None:
        """A different file or kind starts again: its own sheet, columns and fixes."""
        self.checked = None
        self.options = ImportOptions()
        self.query_one("#import", Button).disabled = True
        self._show_sheets([])

    @on(Select.Changed, "#import-sheet")
    def _sheet_changed(self) -> None:
        """Another sheet: its own columns, so a check of it from the start."""
        if self.query_one("#import-sheet", Select).value != (self.options.sheet or AUTOMATIC):
            self.options = replace(self.options, columns={}, values={}, where=[], blank_bad=set())
            self.action_check()

    @on(Input.Submitted, "#import-path")
    @on(Button.Pressed, "#check")
    def action_check(self) -> None:
        path = self._choice()
        if path is None:
            return
        self.query_one("#import-summary", Static).update(Text(f"Checking {path.name}…"))
        self._check(path, self.options)

    @on(Button.Pressed, "#fix")
    def action_fix(self) -> None:
        """Apply the fix on the selected line of the problems, and check again."""
        table = self.query_one("#import-problems", DataTable)
        if not self.fixes or not table.display or table.cursor_row >= len(self.fixes):
            return
        fix = self.fixes[table.cursor_row]
        if fix is None:
            self.notify("No option fixes this one: correct the file and check again", severity="warning")
            return
        self.options = apply_fix(self.options, fix)
        self.action_check()

    @on(Button.Pressed, "#map")
    @on(Input.Submitted, "#import-map-field")
    def action_map(self) -> None:
        """Fill the typed field from the selected column (blank leaves it out)."""
        table = self.query_one("#import-columns", DataTable)
        if not self.columns or not table.display or table.cursor_row >= len(self.columns):
            return
        column = self.columns[table.cursor_row]
        target = self.query_one("#import-map-field", Input).value.strip().lower().replace(" ", "_")
        self.options = apply_fix(
            self.options, Fix(f'--map "{column}={target}"', "map_column", (column, target))
        )
        self.action_check()

    @on(Button.Pressed, "#import")
    def action_import(self) -> None:
        if self.checked is None or not self.checked.plan.ok:
            return
        self.query_one("#import", Button).disabled = True
        self.query_one("#import-summary", Static).update(Text(f"Importing {self.checked.path.name}…"))
        self._import(self.checked)

    @on(Button.Pressed, "#close")
    def action_close(self) -> None:
        self.dismiss(self.commit)

    # --- work in threads ----------------------------------------------------------------

    @work(thread=True, exclusive=True, exit_on_error=False, group="import")
    def _check(self, path: Path, options: ImportOptions) -> Checked | CheckFailed:
        with register_lock(self):
            try:
                return Checked(path, options, plan_import(self.register, path, options))
            except UnreadableFile as error:
                return CheckFailed(path, sheets_in(path), one_line(error))

    @work(thread=True, exclusive=True, exit_on_error=False, group="import")
    def _import(self, checked: Checked) -> Imported:
        """Import the plan the person saw, if the file still gives the same one."""
        with register_lock(self):
            plan = plan_import(self.register, checked.path, checked.options)
            commit = apply_import(self.register, plan) if plan.ok else None
        return Imported(plan, commit)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "import":
            return
        if event.state == WorkerState.SUCCESS:
            result = event.worker.result
            if isinstance(result, Checked):
                self._show_check(result)
            elif isinstance(result, CheckFailed):
                self._show_failure(result)
            elif isinstance(result, Imported):
                self._show_import(result)
        elif event.state == WorkerState.ERROR:
            self.query_one("#import-summary", Static).update(Text(one_line(event.worker.error)))
            self.notify(one_line(event.worker.error), severity="error", timeout=8)

    # --- the report -------------------------------------------------------------------------

    def _show_check(self, checked: Checked) -> None:
        plan = checked.plan
        self._show_report(plan)
        self._show_sheets(plan.sheets)
        self._show_columns(plan)
        if plan.ok:
            self.checked = checked
            button = self.query_one("#import", Button)
            button.label = f"Import {len(plan.created)} new, {len(plan.updated)} updated (ctrl+g)"
            button.disabled = not (plan.created or plan.updated)
            summary = f"{plan.file}: would import {plan.counts()}. Nothing has been written yet."
        else:
            self.checked = None
            self.query_one("#import", Button).disabled = True
            summary = (
                f"{plan.file}: {len(plan.problems)} problem(s); choose a fix (ctrl+f) or correct the file "
                "and check again."
            )
        self.query_one("#import-summary", Static).update(Text(summary))
        self.query_one("#import-options", Static).update(Text(_command_line(checked.options)))

    def _show_failure(self, failed: CheckFailed) -> None:
        """A file that cannot be read: the reason, and its sheets to choose from."""
        self.checked = None
        self.query_one("#import", Button).disabled = True
        self._show_sheets(failed.sheets)
        self.query_one("#import-summary", Static).update(Text(failed.message))
        self.notify(failed.message, severity="error", timeout=8)

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

    def _show_sheets(self, sheets: list[str]) -> None:
        """The workbook's sheets to choose from (set once per file: setting them
        again would post a change of sheet)."""
        select = self.query_one("#import-sheet", Select)
        select.display = bool(sheets)
        if sheets == self.sheets:
            return
        self.sheets = list(sheets)
        with select.prevent(Select.Changed):
            select.set_options([(AUTOMATIC, AUTOMATIC)] + [(name, name) for name in sheets])
            select.value = self.options.sheet or AUTOMATIC

    def _show_columns(self, plan: ImportPlan) -> None:
        table = self.query_one("#import-columns", DataTable)
        table.clear()
        self.columns = list(plan.headers)
        for header in plan.headers:
            target = (
                plan.columns.fields.get(header) or f"not imported: {plan.columns.left_out.get(header, '')}"
            )
            table.add_row(Text(header), Text(target))
        table.display = bool(self.columns)
        self.query_one("#import-mapping").display = bool(self.columns)
        self.query_one("#map", Button).disabled = not self.columns

    def _show_report(self, plan: ImportPlan, done: bool = False) -> None:
        details = report_lines(plan, done)
        if plan.problems:
            details = details[: next(i for i, line in enumerate(details) if line.startswith("Problems ("))]
        self.query_one("#import-details", Static).update(Text("\n".join(details)))
        table = self.query_one("#import-problems", DataTable)
        table.clear()
        self.fixes = []
        for group in grouped(plan):
            first = ", ".join(map(str, group.rows[:3])) + ("…" if len(group.rows) > 3 else "")
            reason = f"{group.field}: {group.reason}" if group.field else group.reason
            offered: list[Fix | None] = [*group.fixes] or [None]
            for fix in offered:
                table.add_row(
                    Text(f"{len(group.rows)} ({first})"),
                    Text(group.column),
                    Text(group.value),
                    Text(reason),
                    Text(f"fix: {fix.option}" if fix else "correct the file"),
                )
                self.fixes.append(fix)
        table.display = bool(plan.problems)
        self.query_one("#fix", Button).disabled = not any(self.fixes)


def _command_line(options: ImportOptions) -> str:
    """The options chosen here, as the command line would take them."""
    parts = ["--lessons"] if options.kind == "lesson" else []
    parts += [f"--sheet {options.sheet!r}"] if options.sheet else []
    parts += [f'--map "{column}={target}"' for column, target in options.columns.items()]
    parts += [f'--where "{where.column}={where.value}"' for where in options.where]
    for name, mapping in options.values.items():
        parts += [f'--map-value {name}:"{source}"={target}' for source, target in mapping.items()]
    for name, words in options.new_words.items():
        flag = "--new-area" if name == "area" else f"--new-word {name}:"
        parts += [f'{flag} "{word}"' if name == "area" else f'{flag}"{word}"' for word in words]
    parts += [f"--blank-bad {name}" for name in sorted(options.blank_bad)]
    parts += [f"--century {options.century}"] if options.century else []
    parts += ["--allow-loosen"] if options.allow_loosen else []
    parts += ["--allow-duplicates"] if options.allow_duplicates else []
    return ("Options: " + " ".join(parts)) if parts else ""
