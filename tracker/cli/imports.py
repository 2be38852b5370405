"""`tracker import FILE`: issues or lessons from CSV, Excel or Tracker's own JSON.

Every row is checked before anything is written. With `--dry-run` the report
says what would happen; otherwise a clean file is imported in one commit and a
file with any problem is refused whole (exit status 1, the report on stderr).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import click

from tracker.cli.common import open_register, reports_errors


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
    help='Read a word as one of the register\'s, such as "status:Parked=open" (repeatable).',
)
@click.option("--sheet", metavar="NAME", help="The Excel sheet to read (default: the first).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_context
@reports_errors
def import_command(
    ctx: click.Context,
    file: Path,
    lessons: bool,
    dry_run: bool,
    column_map: tuple[str, ...],
    value_map: tuple[str, ...],
    sheet: str | None,
    as_json: bool,
) -> None:
    """Import issues (or lessons) from a CSV, Excel (.xlsx) or JSON FILE, all or nothing, in one commit."""
    from tracker.importing import (
        ImportOptions,
        apply_import,
        parse_column_overrides,
        parse_value_overrides,
        plan_import,
    )

    kind: Literal["issue", "lesson"] = "lesson" if lessons else "issue"
    options = ImportOptions(
        kind=kind,
        columns=parse_column_overrides(column_map, kind),
        values=parse_value_overrides(value_map),
        sheet=sheet,
    )
    register = open_register(ctx)
    plan = plan_import(register, file, options)
    commit = None if dry_run or not plan.ok else apply_import(register, plan)
    for notice in register.notices:
        click.echo(f"tracker: {notice}", err=True)
    _print_report(plan, written=not dry_run, commit=commit, as_json=as_json)
    if not plan.ok:
        raise SystemExit(1)


def _print_report(plan: object, written: bool, commit: str | None, as_json: bool) -> None:
    from tracker.importing import ImportPlan, report_dict, report_lines

    assert isinstance(plan, ImportPlan)
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
