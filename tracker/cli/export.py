"""`tracker export`: transparency reports, lessons digests and record exports.

    tracker export                          public report since the last published one, markdown
    tracker export --audience internal -o - internal report on standard output
    tracker export --kind digest --format html
    tracker export --format csv status:open area:payroll
    tracker export --review                 write the report and show what the gate removed and what
                                            still looks like a name the register does not know
    tracker export --accept "Alan Turing"   accept reviewed words as not personal data (kept in the register)
    tracker export --publish                write the report and tag the register report/YYYY-MM-DD

Loaded only when `tracker export` runs (see LAZY_COMMANDS in tracker.cli); it
never imports Textual.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import click

from data.errors import TrackerError
from data.text import one_line
from exports.gate import Audience
from exports.service import (
    DOCUMENT_KINDS,
    Export,
    ExportRequest,
    default_output,
    default_start,
    publish_problem,
    render,
)
from tracker.cli.common import open_register, reports_errors

if TYPE_CHECKING:
    from tracker.register import Register

KINDS = ("report", "digest", "issues", "lessons")
FORMATS = ("md", "html", "csv", "json")


def _day(option: str, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise TrackerError(f"--{option}: {value!r} is not a date like 2024-06-30") from None


def _settle(
    kind: str | None,
    format: str | None,
    audience: str,
    start: str | None,
    end: str | None,
    query: tuple[str, ...],
    register: Register,
) -> ExportRequest:
    """Fill in defaults and refuse combinations that make no sense."""
    kind = kind or ("issues" if format in ("csv", "json") else "report")
    format = format or ("md" if kind in DOCUMENT_KINDS else "csv")
    if (kind in DOCUMENT_KINDS) != (format in ("md", "html")):
        wanted = "md or html" if kind in DOCUMENT_KINDS else "csv or json"
        raise click.UsageError(f"--kind {kind} is written as {wanted}, not {format}")
    if query and kind in DOCUMENT_KINDS:
        raise click.UsageError("a QUERY selects records for --kind issues or lessons (csv or json)")
    last_day = _day("to", end) or date.today()
    first_day = _day("from", start)
    if start is None and kind == "report":
        first_day = default_start(register, last_day)
    if first_day and first_day > last_day:
        raise TrackerError(f"--from {first_day} is after --to {last_day}")
    chosen: Audience = "internal" if audience == "internal" else "public"
    return ExportRequest(kind, format, chosen, first_day, last_day, " ".join(query))


def write(export: Export, output: str | None, request: ExportRequest, root: Path) -> tuple[list[bytes], str]:
    """Write the export; returns the bytes written (in pieces, as the export
    holds them: a large export is not copied again) and where they went."""
    if output == "-":
        content = export.content(None)
        sys.stdout.buffer.writelines(content)
        sys.stdout.flush()
        return content, "standard output"
    path = Path(output) if output else default_output(request, root)
    path.parent.mkdir(parents=True, exist_ok=True)
    content = export.content(request.format)
    with path.open("wb") as file:
        file.writelines(content)
    return content, str(path)


@click.command()
@click.argument("query", nargs=-1)
@click.option(
    "--from",
    "start",
    metavar="DATE",
    help="First day covered (default: the day after the last published report, or the register's beginning).",
)
@click.option("--to", "end", metavar="DATE", help="Last day covered (default: today).")
@click.option(
    "--audience",
    type=click.Choice(["public", "internal"]),
    default="public",
    show_default=True,
    help="public applies the publication rules; internal shows everything.",
)
@click.option(
    "--kind",
    type=click.Choice(KINDS),
    help="report (default for md/html), digest of lessons, "
    "or issues / lessons as records (default for csv/json).",
)
@click.option("--format", "format_", type=click.Choice(FORMATS), help="md (default), html, csv or json.")
@click.option(
    "--output",
    "-o",
    metavar="FILE",
    help="Where to write; - for standard output "
    "(default: exports/KIND-AUDIENCE-DATE.FORMAT in the register's folder).",
)
@click.option(
    "--review",
    is_flag=True,
    help="Show every redaction the publication gate made and every word pair that looks like "
    "a name unknown to the register.",
)
@click.option(
    "--accept",
    "accepted",
    multiple=True,
    metavar="WORDS",
    help="Accept reviewed words as not personal data (repeatable; kept in the register for later reports).",
)
@click.option(
    "--publish",
    is_flag=True,
    help="Tag the register report/DATE with the report's content hash (refused while review items are unsettled).",
)
@click.pass_context
@reports_errors
def export(
    ctx: click.Context,
    query: tuple[str, ...],
    start: str | None,
    end: str | None,
    audience: str,
    kind: str | None,
    format_: str | None,
    output: str | None,
    review: bool,
    accepted: tuple[str, ...],
    publish: bool,
) -> None:
    """Write a transparency report, a lessons digest, or records matching a QUERY."""
    register = open_register(ctx)
    request = _settle(kind, format_, audience, start, end, query, register)
    if publish and (request.kind != "report" or request.audience != "public"):
        raise click.UsageError("--publish is for the public transparency report only")
    if accepted:
        words = {" ".join(one_line(word).split()) for word in accepted if word.strip()}
        register.accept_words(words)
        click.echo(f"tracker: accepted {len(words):,} reviewed item(s) as not personal data", err=True)
    export = render(register, request)
    problem = publish_problem(register, export) if publish else None
    content, where = write(export, output, request, register.root)
    click.echo(f"tracker: wrote {export.summary} to {where}", err=True)
    if review or problem:
        _show_review(export.review.lines() if export.review else ["The internal audience sees everything."])
    if problem:
        raise TrackerError(f"not published: {problem}")
    if publish:
        name = Path(where).name if output != "-" else "standard output"
        tag = register.publish_report(b"".join(content), request.start, request.end, name, export.figures)
        click.echo(f"tracker: published as tag {tag.name} (sha256 {tag.content_sha256})", err=True)


def _show_review(lines: list[str]) -> None:
    """The review on standard error (the export itself may be on standard output),
    each line literal: record text never reaches the terminal as control codes."""
    for line in lines:
        click.echo(one_line(line), err=True)
