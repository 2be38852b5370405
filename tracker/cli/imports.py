"""`tracker import FILE`: issues or lessons from CSV, Excel, OpenDocument or
Tracker's own JSON.

Every row is checked before anything is written. With `--dry-run` the report
says what would happen; otherwise a clean file is imported in one commit and a
file with any problem is refused whole (exit status 1, the report on stderr,
each group of problems followed by the option that fixes it).

An import is one unit even when it is stopped: SIGTERM and SIGHUP (a closed
terminal, a dropped VPN) while it writes are turned into an exit that runs the
register's rollback, so either the whole import is committed or nothing is.
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any, Literal

import click

if TYPE_CHECKING:
    from tracker.importing import ImportPlan

from tracker.cli.common import open_register, reports_errors

STOPPING_SIGNALS = (signal.SIGTERM, signal.SIGHUP)
PROGRESS_FROM = 500
"""Imports of fewer records finish before a progress line would help."""


@click.command(name="import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--lessons", is_flag=True, help="Import lessons instead of issues.")
@click.option("--dry-run", is_flag=True, help="Check every row and report; write nothing.")
@click.option(
    "--map",
    "column_map",
    multiple=True,
    metavar="COLUMN=FIELD",
    help='Fill FIELD from COLUMN, such as "Date Logged=raised_on"; COLUMN= leaves it out.',
)
@click.option(
    "--map-value",
    "value_map",
    multiple=True,
    metavar="FIELD:FROM=TO",
    help='Read a word as one of the register\'s, such as status:"With supplier"=open (repeatable).',
)
@click.option("--sheet", metavar="NAME", help="The sheet to read (default: the one that looks like a log).")
@click.option(
    "--where",
    multiple=True,
    metavar="COLUMN=VALUE",
    help='Import only rows where COLUMN is VALUE ("Type=Issue").',
)
@click.option(
    "--new-area", multiple=True, metavar="AREA", help="Add a service area to the register with this import."
)
@click.option(
    "--new-word",
    multiple=True,
    metavar="FIELD:WORD",
    help='Add a status, severity or priority word ("status:With supplier").',
)
@click.option(
    "--blank-bad",
    multiple=True,
    metavar="FIELD",
    help="Leave FIELD blank where a cell cannot be read (cost_gbp).",
)
@click.option("--century", type=click.IntRange(19, 20), help="Read two-digit years as 19xx or 20xx.")
@click.option(
    "--visibility",
    type=click.Choice(["public", "internal", "restricted"]),
    default="internal",
    show_default=True,
    help="Visibility of new records whose row does not say.",
)
@click.option("--allow-loosen", is_flag=True, help="Let re-import make records less restricted.")
@click.option("--allow-duplicates", is_flag=True, help="Import a file with no reference column again.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_context
@reports_errors
def import_command(
    ctx: click.Context, file: Path, lessons: bool, dry_run: bool, as_json: bool, **chosen: Any
) -> None:
    """Import issues (or lessons) from a CSV, Excel (.xlsx), OpenDocument (.ods) or JSON FILE, all or nothing, in one commit."""
    from tracker.importing import apply_import, plan_import

    kind: Literal["issue", "lesson"] = "lesson" if lessons else "issue"
    register = open_register(ctx)
    with _progress_bar(file.name) as progress:
        options = _options(kind, chosen, progress)
        plan = plan_import(register, file, options)
    commit = None
    if not dry_run and plan.ok:
        if sys.stderr.isatty() and len(plan.created) + len(plan.updated) >= PROGRESS_FROM:
            click.echo(f"Writing {len(plan.created) + len(plan.updated)} record(s) in one commit…", err=True)
        with _stopping_signals_roll_back():
            commit = apply_import(register, plan)
    for notice in register.notices:
        click.echo(f"tracker: {notice}", err=True)
    _print_report(plan, written=not dry_run, commit=commit, as_json=as_json)
    if not plan.ok:
        raise SystemExit(1)


def _options(kind: Literal["issue", "lesson"], chosen: dict[str, Any], progress: Any) -> Any:
    from tracker.importing import (
        ImportOptions,
        parse_column_overrides,
        parse_new_words,
        parse_value_overrides,
        parse_where,
    )

    return ImportOptions(
        kind=kind,
        columns=parse_column_overrides(chosen["column_map"], kind),
        values=parse_value_overrides(chosen["value_map"]),
        sheet=chosen["sheet"],
        where=parse_where(chosen["where"]),
        new_words=parse_new_words(chosen["new_area"], chosen["new_word"]),
        blank_bad={name.strip().lower().replace(" ", "_") for name in chosen["blank_bad"]},
        century=chosen["century"],
        visibility=chosen["visibility"],
        allow_loosen=chosen["allow_loosen"],
        allow_duplicates=chosen["allow_duplicates"],
        progress=progress,
    )


@contextmanager
def _progress_bar(name: str) -> Iterator[Any]:
    """A progress bar on stderr while rows are checked, when stderr is a terminal;
    nothing in a pipe or a log."""
    if not sys.stderr.isatty():
        yield None
        return
    bar: Any = None

    def advance(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = click.progressbar(length=total, label=f"Checking {name}", file=sys.stderr).__enter__()
        bar.update(done - bar.pos)

    try:
        yield advance
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)


class Stopped(SystemExit):
    """The import was stopped by a signal; the register's rollback has run."""


@contextmanager
def _stopping_signals_roll_back() -> Iterator[None]:
    """SIGTERM and SIGHUP become an exit raised where the import is, so the
    register's write rolls back (`Register.writing`). A second signal during the
    rollback is ignored: the rollback must finish."""
    previous = {number: signal.getsignal(number) for number in STOPPING_SIGNALS}

    def stop(number: int, frame: FrameType | None) -> None:
        for each in STOPPING_SIGNALS:
            signal.signal(each, signal.SIG_IGN)
        click.echo(
            f"tracker: import stopped by {signal.Signals(number).name}; an import is all or nothing, "
            "so none of it is written unless its commit had landed",
            err=True,
        )
        raise Stopped(128 + number)

    for number in STOPPING_SIGNALS:
        signal.signal(number, stop)
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def _print_report(plan: ImportPlan, written: bool, commit: str | None, as_json: bool) -> None:
    from tracker.importing import report_dict, report_lines

    to_stderr = not plan.ok
    if as_json:
        import orjson

        report = report_dict(plan, done=written, commit=commit)
        click.echo(orjson.dumps(report, option=orjson.OPT_INDENT_2).decode(), err=to_stderr)
        return
    for line in report_lines(plan, done=written):
        click.echo(line, err=to_stderr)
    if commit:
        click.echo(f"Commit {commit[:12]}")
