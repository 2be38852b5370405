"""`tracker history ID` and `tracker log`: who changed what, and when, from git.

Newest first, one line a change: `2025-03-04 10:32  Priya Nair  status: open →
workaround in place`. Loaded lazily by `tracker.cli` so other commands never pay
for it; it does not import Textual.
"""

from __future__ import annotations

import click

from tracker.cli.common import open_register, reports_errors

WHO_WIDTH = 20


@click.command()
@click.argument("record_id", metavar="ID")
@click.option("--json", "as_json", is_flag=True, help="Print the history as JSON.")
@click.pass_context
@reports_errors
def history(ctx: click.Context, record_id: str, as_json: bool) -> None:
    """Every change to one issue or lesson, newest first: when, who, field, from and to."""
    from data.errors import RecordNotFound
    from data.text import one_line
    from tracker.register import check_id

    record_id = check_id(record_id)
    register = open_register(ctx)
    entries = register.history(record_id)
    if as_json:
        import orjson

        click.echo(orjson.dumps([entry.as_dict() for entry in entries], option=orjson.OPT_INDENT_2).decode())
        return
    try:
        title = register.get(record_id).title
    except RecordNotFound:
        if not entries:
            raise
        title = "(no longer in the register)"
    click.echo(f"{record_id}  {one_line(title)}")
    if not entries:
        click.echo("No committed changes yet.")
    for entry in entries:
        when, who = entry.when[:16].replace("T", " "), one_line(entry.author)
        for line in entry.describe():
            click.echo(f"{when}  {who:<{WHO_WIDTH}}  {one_line(line)}")


@click.command()
@click.option("--since", metavar="DATE", help="Changes on or after this date.")
@click.option("--until", metavar="DATE", help="Changes on or before this date.")
@click.option("--author", help="Only changes by this person.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
@reports_errors
def log(ctx: click.Context, since: str | None, until: str | None, author: str | None, as_json: bool) -> None:
    """The register's change log from git: one line a change."""
    register = open_register(ctx)
    entries = register.audit_log(since=since, until=until, author=author)
    if as_json:
        import orjson

        click.echo(orjson.dumps([entry.as_dict() for entry in entries], option=orjson.OPT_INDENT_2).decode())
        return
    from data.text import one_line

    for entry in entries:
        click.echo(
            f"{entry.when[:16].replace('T', ' ')}  {one_line(entry.author):<20}  {one_line(entry.subject)}"
        )
        for change in entry.changes:
            click.echo(f"{'':19}{change.record}  {one_line(change.describe())}")
