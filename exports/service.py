"""One export, start to finish, for the CLI and the TUI's export screen alike:
settle the period, render the document or records, and name the file."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from data.ids import Kind
from data.text import one_line
from exports.gate import Audience, Gate
from exports.reader import RegisterReader
from exports.review import Review, review

DOCUMENT_KINDS = ("report", "digest")
RECORD_KINDS = ("issues", "lessons")


@dataclass(frozen=True)
class ExportRequest:
    """What one export is for, with defaults settled."""

    kind: str
    format: str
    audience: Audience
    start: date | None
    end: date
    query: str = ""


def default_start(register: RegisterReader, end: date) -> date | None:
    """The day after the last published report (that day again when the last
    report was published today), or None for the whole history."""
    last = register.latest_report()
    return min(last.period_end + timedelta(days=1), end) if last else None


@dataclass
class Export:
    """One rendered export: its text (records as UTF-8 pieces, so a large export
    is never copied whole), a one-line summary, the publication review (for the
    public audience), and the figures its tag keeps when published."""

    body: str | list[bytes]
    summary: str
    review: Review | None = None
    figures: dict[str, str] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return self.body if isinstance(self.body, str) else b"".join(self.body).decode("utf-8")

    def content(self, format: str | None) -> list[bytes]:
        """What a file of this format holds (`file_bytes`), in pieces; None for
        standard output, which has no byte-order mark."""
        if isinstance(self.body, str):
            return [file_bytes(self.body, format) if format else self.body.encode("utf-8")]
        return [b"\xef\xbb\xbf", *self.body] if format == "csv" else self.body


def render(register: RegisterReader, request: ExportRequest) -> Export:
    """The export's text, summary and review; every value goes through one gate."""
    gate = Gate.for_register(request.audience, register)
    if request.kind in DOCUMENT_KINDS:
        return _document(register, request, gate)
    from exports import tabular

    kind: Kind = "issue" if request.kind == "issues" else "lesson"
    pieces, count, withheld = tabular.export(
        register, kind, request.query, request.audience, request.format, gate
    )
    summary = f"{count:,} {request.kind} ({request.audience}"
    summary += f"; {withheld:,} withheld)" if request.audience == "public" else ")"
    return Export(pieces, summary, review(gate) if gate.public else None)


def _document(register: RegisterReader, request: ExportRequest, gate: Gate) -> Export:
    from exports.digest import build_digest
    from exports.report import Period, figures_to_publish, gather
    from exports.report import render as render_report

    findings: list[str] = []
    figures: dict[str, str] = {}
    if request.kind == "report":
        data = gather(register, request.audience, Period(request.start, request.end), date.today(), gate)
        markdown = render_report(data)
        findings = data.vulnerable.findings if data.vulnerable else []
        figures = figures_to_publish(data)
    else:
        markdown = build_digest(register, request.audience, request.start, request.end, gate=gate)
    summary = f"{request.kind} for {request.audience} readers"
    text = markdown
    if request.format == "html":
        from exports.html import to_html

        text = to_html(markdown, one_line(gate.text(register.settings.report.title, "report wording, title")))
    return Export(text, summary, review(gate, findings) if gate.public else None, figures)


def default_output(request: ExportRequest, register_root: Path) -> Path:
    """`<register>/exports/report-public-2024-06-30.md`: an absolute path under
    the register's own `exports/` folder, wherever the app was started."""
    name = f"{request.kind}-{request.audience}-{request.end.isoformat()}.{request.format}"
    return register_root.absolute() / "exports" / name


def file_bytes(text: str, format: str) -> bytes:
    """What goes into the file: UTF-8, with a byte-order mark for CSV because
    Excel reads UTF-8 CSV correctly only with one."""
    content = text.encode("utf-8")
    return b"\xef\xbb\xbf" + content if format == "csv" else content


def publish_problem(register: RegisterReader, export: Export) -> str | None:
    """Why this export may not be published yet, or None: reviewed words not yet
    accepted, or nothing changed since the last published report."""
    if export.review is not None and export.review.unreviewed():
        waiting = export.review.unreviewed()
        shown = "; ".join(repr(word) for word in waiting[:5]) + ("; …" if len(waiting) > 5 else "")
        return (
            f"{len(waiting):,} item{'s' if len(waiting) != 1 else ''} of the publication review "
            f"{'are' if len(waiting) != 1 else 'is'} not settled ({shown}): add the names to [people] in "
            "tracker.toml, or accept them as not personal data, then publish again"
        )
    last = register.latest_report()
    if last is not None and last.commit == register.head():
        return f"nothing has changed in the register since the last published report ({last.name})"
    return None


def changed_since_last(register: RegisterReader) -> str:
    """One line on what a publication would add: the tag it follows and the records changed since."""
    last = register.latest_report()
    if last is None:
        return "This will be the register's first published report."
    changes = register.changes_since(last.commit)
    return f"{len(changes):,} record{'s' if len(changes) != 1 else ''} changed since {last.name}."
