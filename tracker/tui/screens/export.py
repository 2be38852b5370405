"""The export screen: choose the period, audience, kind and format, preview the
report as it will read, review what the publication gate did, write the file,
and publish it (tag the register).

The preview is the same markdown `tracker export` writes, and every piece of
user text in it is already escaped by the publication gate, so the Markdown
widget shows record text literally. Beside it, the publication review lists
every redaction and every word pair that still looks like a name unknown to
the register; publishing is refused until those are accepted (or the names
added to `[people]`). The file goes under the register's own `exports/` folder
unless another path is typed; overwriting a file and publishing are confirmed
first. Reading the register and git runs in thread workers; results come back
through `call_from_thread`, and failures are shown once, as a notification,
from `on_worker_state_changed`.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Footer, Input, Label, Markdown, Select, Static
from textual.worker import Worker, WorkerState

from data.errors import TrackerError
from data.text import one_line
from exports.service import (
    Export,
    ExportRequest,
    changed_since_last,
    default_output,
    default_start,
    file_bytes,
    publish_problem,
    render,
)
from tracker.tui.screens.confirm import ConfirmationModal
from tracker.tui.snapshot import register_lock

if TYPE_CHECKING:
    from tracker.register import Register


def _parser() -> Any:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")


class ExportScreen(Screen[None]):
    """Preview, review, write and publish a transparency report or lessons digest."""

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
        Binding(
            "f6",
            "accept",
            "Accept reviewed",
            id="export.accept",
            tooltip="Accept the words the review lists as not personal data",
        ),
    ]

    def __init__(self, register: Register) -> None:
        super().__init__()
        self.register = register
        self.markdown = ""
        self.export: Export | None = None

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
            yield Select(
                [("Markdown", "md"), ("HTML page", "html")], value="md", allow_blank=False, id="export-format"
            )
        with Horizontal(id="export-actions"):
            yield Input(placeholder="file to write", id="export-output")
            yield Button("Preview", id="preview")
            yield Button("Write file", id="write", variant="primary")
            yield Button("Publish", id="publish", variant="warning")
        yield Static("", id="export-status", markup=False)
        with Horizontal(id="export-body"):
            with VerticalScroll(id="export-preview"):
                yield Markdown(parser_factory=_parser, open_links=False)
            with VerticalScroll(id="export-review"):
                yield Static("", id="export-review-text", markup=False)
                yield Button("Accept listed words", id="accept")
        yield Footer()

    def on_mount(self) -> None:
        self.show_default_output()
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
        typed = self.query_one("#export-output", Input).value.strip()
        chosen = str(self.query_one("#export-format", Select).value)
        # A file named .html gets HTML whatever the format list says, and .md markdown.
        format = (
            "html" if typed.lower().endswith((".html", ".htm")) else "md" if typed.endswith(".md") else chosen
        )
        return ExportRequest(kind, format, "internal" if internal else "public", start, end)

    def _date(self, widget: str, label: str) -> date | None:
        text = self.query_one(f"#{widget}", Input).value.strip()
        if not text:
            return None
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise TrackerError(f"{label}: {text!r} is not a date like 2024-06-30") from None

    def output_path(self, request: ExportRequest) -> Path:
        """The file typed, or the default under the register's `exports/` folder (absolute)."""
        typed = self.query_one("#export-output", Input).value.strip()
        if not typed:
            return default_output(request, self.register.root)
        path = Path(typed).expanduser()
        return path if path.is_absolute() else self.register.root.absolute() / path

    def show_default_output(self) -> None:
        """Show where the file will go, as an absolute path, while none is typed."""
        field = self.query_one("#export-output", Input)
        try:
            field.placeholder = str(default_output(self.request(), self.register.root))
        except TrackerError:
            return

    @on(Input.Submitted)
    @on(Select.Changed)
    def choices_changed(self) -> None:
        self.show_default_output()
        self.action_preview()

    @on(Button.Pressed)
    def button_pressed(self, event: Button.Pressed) -> None:
        {
            "preview": self.action_preview,
            "write": self.action_write,
            "publish": self.action_publish,
            "accept": self.action_accept,
        }[str(event.button.id)]()

    # --- work in threads ----------------------------------------------------------------

    @work(thread=True, exclusive=True, exit_on_error=False, group="export-start")
    def suggest_start(self) -> None:
        with register_lock(self):
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
        # The preview is always the markdown, whatever the file's format: the same words and redactions.
        with register_lock(self):
            export = render(self.register, ExportRequest(**{**request.__dict__, "format": "md"}))
        self.app.call_from_thread(self._show_preview, export)

    def _show_preview(self, export: Export) -> None:
        self.export = export
        self.markdown = export.text
        self.query_one(Markdown).update(export.text)
        self.query_one("#export-status", Static).update(f"Preview: {export.summary}")
        lines = export.review.lines() if export.review else ["The internal audience sees everything."]
        self.query_one("#export-review-text", Static).update(
            Text("\n".join(one_line(line) for line in lines))
        )
        self.query_one("#accept", Button).disabled = not (export.review and export.review.unreviewed())

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
        self.prepare_save(request, self.output_path(request), publish)

    @work(thread=True, exclusive=True, exit_on_error=False, group="export-save")
    def prepare_save(self, request: ExportRequest, path: Path, publish: bool) -> None:
        """Render, check, and ask before overwriting or publishing."""
        questions = []
        with register_lock(self):
            export = render(self.register, request)
            problem = publish_problem(self.register, export) if publish else None
            if publish and not problem:
                tag = self.register.next_report_tag(request.end)
                questions.append(
                    f"Publish this report as the tag {tag}? " + changed_since_last(self.register)
                )
        if problem:
            self.app.call_from_thread(self._show_preview, export)
            self.app.call_from_thread(
                self.notify, f"Not published: {problem}", severity="error", markup=False
            )
            return
        if path.exists():
            questions.append(f"{path} exists. Overwrite it?")
        if questions:
            self.app.call_from_thread(self._confirm, " ".join(questions), request, path, publish, export)
        else:
            self.app.call_from_thread(self.save, request, path, publish, export)

    def _confirm(
        self, question: str, request: ExportRequest, path: Path, publish: bool, export: Export
    ) -> None:
        def answered(yes: bool | None) -> None:
            if yes:
                self.save(request, path, publish, export)

        self.app.push_screen(
            ConfirmationModal(question, "Publish" if publish else "Overwrite", "Cancel"), answered
        )

    @work(thread=True, exclusive=True, exit_on_error=False, group="export-save")
    def save(self, request: ExportRequest, path: Path, publish: bool, export: Export) -> None:
        content = file_bytes(export.text, request.format)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        message = f"Wrote {path}"
        if publish:
            with register_lock(self):
                tag = self.register.publish_report(
                    content, request.start, request.end, path.name, export.figures
                )
            message += f" and published it as {tag.name}"
        self.app.call_from_thread(self.notify, message, markup=False)

    def action_accept(self) -> None:
        if self.export is None or self.export.review is None or not self.export.review.unreviewed():
            self.notify("Nothing in the review is waiting to be accepted")
            return
        words = self.export.review.unreviewed()
        question = (
            "Accept as not personal data: " + "; ".join(words[:10]) + ("; …" if len(words) > 10 else "") + "?"
        )

        def answered(yes: bool | None) -> None:
            if yes:
                self.accept(set(words))

        self.app.push_screen(ConfirmationModal(question, "Accept", "Cancel"), answered)

    @work(thread=True, exclusive=True, exit_on_error=False, group="export-save")
    def accept(self, words: set[str]) -> None:
        with register_lock(self):
            self.register.accept_words(words)
        self.app.call_from_thread(self.notify, f"Accepted {len(words):,} reviewed item(s)", markup=False)
        self.app.call_from_thread(self.action_preview)

    @on(Worker.StateChanged)
    def worker_failed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR and event.worker.error is not None:
            self.query_one("#export-status", Static).update("")
            self.notify(str(event.worker.error), severity="error", markup=False)

    def action_close(self) -> None:
        self.app.pop_screen()
