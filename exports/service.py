"""One export, start to finish, for the CLI and the TUI's export screen alike:
settle the period, render the document or records, and name the file."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from data.ids import Kind
from exports.reader import RegisterReader
from exports.rules import Audience

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


def render(register: RegisterReader, request: ExportRequest) -> tuple[str, str]:
    """The export's text and a one-line summary of what it holds."""
    if request.kind in DOCUMENT_KINDS:
        return _document(register, request)
    from exports import tabular

    kind: Kind = "issue" if request.kind == "issues" else "lesson"
    records, withheld = tabular.select(register, kind, request.query, request.audience)
    if request.format == "json":
        text = tabular.to_json(records)
    else:
        text = tabular.to_csv(records, tabular.columns(kind, request.audience, records))
    summary = f"{len(records):,} {request.kind} ({request.audience}"
    summary += f"; {withheld:,} withheld)" if request.audience == "public" else ")"
    return text, summary


def _document(register: RegisterReader, request: ExportRequest) -> tuple[str, str]:
    from exports.digest import build_digest
    from exports.report import build_report

    build = build_report if request.kind == "report" else build_digest
    markdown = build(register, request.audience, request.start, request.end)
    summary = f"{request.kind} for {request.audience} readers"
    if request.format == "md":
        return markdown, summary
    from exports.html import to_html
    from exports.rules import Publication

    rules = Publication(request.audience, register.settings)
    return to_html(markdown, rules.text(register.settings.report.title)), summary


def default_output(request: ExportRequest) -> Path:
    """`exports/report-public-2024-06-30.md` under the current folder."""
    return Path("exports") / f"{request.kind}-{request.audience}-{request.end.isoformat()}.{request.format}"


def file_bytes(text: str, format: str) -> bytes:
    """What goes into the file: UTF-8, with a byte-order mark for CSV because
    Excel reads UTF-8 CSV correctly only with one."""
    content = text.encode("utf-8")
    return b"\xef\xbb\xbf" + content if format == "csv" else content
