"""The export screen: choose the period, audience and kind, preview the report
as it will read, write the file, and optionally publish it (tag the register).

The preview is the same markdown `tracker export` writes, and every piece of
user text in it is already escaped by the publication rules, so the Markdown
widget shows record text literally. Reading the register and git runs in
thread workers; results come back through `call_from_thread`, and failures
are shown once, as a notification, from `on_worker_state_changed`.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Footer, Input, Label, Markdown, Select, Static
from textual.worker import Worker, WorkerState

from data.errors import TrackerError
from exports.service import ExportRequest, default_output, default_start, file_bytes, render


def _parser() -> Any:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")


class ExportScreen(Screen[None]):
    """Preview, write and publish a transparency report or lessons digest."""

    CSS_PATH = "export.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Back", id="export.close", tooltip="Leave the export screen"),
        Binding("f5", "preview", "Preview", id="export.preview", tooltip="Render the preview again"),
        Binding("ctrl+s", "write", "Write file", id="export.write", tooltip="Write the file"),
        Binding(
            "ctrl+t",
            "publish",
            "Publish",
            id="export.publish",
            tooltip="Write the file and tag the register as a published report",
        ),
    ]

    def __init__(self, register: Any) -> None:
        super().__init__()
        self.register = register
        self.markdown = ""

    def compose(self) -> ComposeResult:
        with Horizontal(id="export-choices"):
            yield Label("From")
            yield Input(placeholder="YYYY-MM-DD", id="export-from")
            yield Label("To")
            yield Input(value=date.today().isoformat(), placeholder="YYYY-MM-DD", id="export-to")
            yield Select(
                [("Public", "public"), ("Internal", "internal")],
                value="public",
                allow_blank=False,
                id="export-audience",
            )
            yield Select(
                [("Transparency report", "report"), ("Lessons digest", "digest")],
                value="report",
                allow_blank=False,
                id="export-kind",
            )
        with Horizontal(id="export-actions"):
            yield Input(placeholder="exports/report-public-DATE.md", id="export-output")
            yield Button("Preview", id="preview")
            yield Button("Write file", id="write", variant="primary")
            yield Button("Publish", id="publish", variant="warning")
        yield Static("", id="export-status", markup=False)
        with VerticalScroll(id="export-preview"):
            yield Markdown(parser_factory=_parser, open_links=False)
        yield Footer()

    def on_mount(self) -> None:
        self.suggest_start()
        self.action_preview()

    # --- choosing -----------------------------------------------------------------------

    def request(self) -> ExportRequest:
        """The export the choices on screen describe; TrackerError if a date is wrong."""
        start = self._date("export-from", "From")
        end = self._date("export-to", "To") or date.today()
        if start and start > end:
            raise TrackerError(f"From {start} is after To {end}")
        internal = self.query_one("#export-audience", Select).value == "internal"
        kind = str(self.query_one("#export-kind", Select).value)
        return ExportRequest(kind, "md", "internal" if internal else "public", start, end)

    def _date(self, widget: str, label: str) -> date | None:
        text = self.query_one(f"#{widget}", Input).value.strip()
        if not text:
            return None
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise TrackerError(f"{label}: {text!r} is not a date like 2024-06-30") from None

    def output_path(self, request: ExportRequest) -> Path:
        typed = self.query_one("#export-output", Input).value.strip()
        return Path(typed) if typed else default_output(request)

    @on(Input.Submitted)
    @on(Select.Changed)
    def choices_changed(self) -> None:
        self.action_preview()

    @on(Button.Pressed)
    def button_pressed(self, event: Button.Pressed) -> None:
        {"preview": self.action_preview, "write": self.action_write, "publish": self.action_publish}[
            str(event.button.id)
        ]()

    # --- work in threads ----------------------------------------------------------------

    @work(thread=True, exclusive=True, exit_on_error=False, group="export-start")
    def suggest_start(self) -> None:
        start = default_start(self.register, date.today())
        if start is not None:
            self.app.call_from_thread(self._set_start, start)

    def _set_start(self, start: date) -> None:
        field = self.query_one("#export-from", Input)
        if not field.value:
            field.value = start.isoformat()
            self.action_preview()

    def action_preview(self) -> None:
        try:
            request = self.request()
        except TrackerError as error:
            self.notify(str(error), severity="error", markup=False)
            return
        self.query_one("#export-status", Static).update("Preparing the preview…")
        self.build_preview(request)

    @work(thread=True, exclusive=True, exit_on_error=False, group="export-preview")
    def build_preview(self, request: ExportRequest) -> None:
        text, summary = render(self.register, request)
        self.app.call_from_thread(self._show_preview, text, summary)

    def _show_preview(self, text: str, summary: str) -> None:
        self.markdown = text
        self.query_one(Markdown).update(text)
        self.query_one("#export-status", Static).update(f"Preview: {summary}")

    def action_write(self) -> None:
        self._save(publish=False)

    def action_publish(self) -> None:
        self._save(publish=True)

    def _save(self, publish: bool) -> None:
        try:
            request = self.request()
        except TrackerError as error:
            self.notify(str(error), severity="error", markup=False)
            return
        if publish and (request.kind != "report" or request.audience != "public"):
            self.notify("Only the public transparency report can be published", severity="error")
            return
        self.save(request, self.output_path(request), publish)

    @work(thread=True, exclusive=True, exit_on_error=False, group="export-save")
    def save(self, request: ExportRequest, path: Path, publish: bool) -> None:
        text, _ = render(self.register, request)
        content = file_bytes(text, request.format)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        message = f"Wrote {path}"
        if publish:
            tag = self.register.publish_report(content, request.start, request.end, path.name)
            message += f" and published it as {tag.name}"
        self.app.call_from_thread(self.notify, message, markup=False)

    @on(Worker.StateChanged)
    def worker_failed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR and event.worker.error is not None:
            self.query_one("#export-status", Static).update("")
            self.notify(str(event.worker.error), severity="error", markup=False)

    def action_close(self) -> None:
        self.app.pop_screen()
