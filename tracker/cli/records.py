"""`tracker add`, `list`, `show`, `edit`, `update` and `link`: the everyday
commands on issues and lessons, each one call to the register."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

import click

from data.ids import Kind
from tracker.cli.common import open_register, reports_errors, say_notices, text_argument
from tracker.cli.options import field_options, field_values

if TYPE_CHECKING:
    from tracker.register import Register


@click.command()
@click.argument("title")
@field_options("issue", leave_out=["title"])
@click.option("--json", "as_json", is_flag=True, help="Print the new issue as JSON.")
@click.pass_context
@reports_errors
def add(ctx: click.Context, title: str, as_json: bool, **options: Any) -> None:
    """Log a new issue; prints its ID."""
    fields = field_values(options)
    register = open_register(ctx)
    issue = add_record(register, "issue", title=title, **fields)
    say_notices(register)
    print_created(issue, as_json)


def add_record(register: Register, kind: Kind, **fields: Any) -> Any:
    """`register.add`, with problems said of "the new issue": the ID it was
    about to get was never created, so it is not named."""
    from data.errors import InvalidRecord

    try:
        return register.add(kind, **fields)
    except InvalidRecord as error:
        raise InvalidRecord(f"the new {kind} (nothing was saved)", error.problems) from None


def print_created(record: Any, as_json: bool) -> None:
    if as_json:
        from data.model import to_document
        from tracker.present import json_text

        click.echo(json_text(to_document(record)), nl=False)
    else:
        click.echo(record.id)


@click.command(name="list", context_settings={"ignore_unknown_options": True})
@click.argument("query", nargs=-1)
@click.option("--lessons", is_flag=True, help="List lessons instead of issues.")
@click.option("--sort", help="Sort by a field (severity, age, status, …); -field for descending.")
@click.option("--limit", type=click.IntRange(min=1), help="Show at most this many.")
@click.option("--json", "as_json", is_flag=True, help="Print the records as JSON.")
@click.option("--count", is_flag=True, help="Print only how many match.")
@click.pass_context
@reports_errors
def list_records(
    ctx: click.Context,
    query: tuple[str, ...],
    lessons: bool,
    sort: str | None,
    limit: int | None,
    as_json: bool,
    count: bool,
) -> None:
    """List issues (or lessons) matching a QUERY, such as: status:open severity:high area:finance

    A negated term needs no `--`: tracker list -vulnerable:yes -status:closed"""
    register = open_register(ctx)
    kind: Kind = "lesson" if lessons else "issue"
    found = register.search(" ".join(query), kind, sort, whole=as_json)
    for path, reason in register.problems().items():
        click.echo(f"tracker: skipped {path}: {reason}", err=True)
    if limit:
        found = found[:limit]
    if count:
        click.echo(str(len(found)))
    elif as_json:
        import orjson

        click.echo(orjson.dumps(found, option=orjson.OPT_INDENT_2).decode())
    else:
        from tracker.present import table

        click.echo(table(found, kind, date.today()))


@click.command()
@click.argument("record_id", metavar="ID")
@click.option("--json", "as_json", is_flag=True, help="Print the record as JSON.")
@click.pass_context
@reports_errors
def show(ctx: click.Context, record_id: str, as_json: bool) -> None:
    """Show one issue or lesson in full."""
    from data.model import to_document

    register = open_register(ctx)
    document = to_document(register.get(record_id))
    if as_json:
        from tracker.present import json_text

        click.echo(json_text(document), nl=False)
    else:
        from tracker.present import record

        click.echo(record(document))


@click.command()
@click.argument("record_id", metavar="ID")
@field_options("issue", "lesson")
@click.option(
    "--set",
    "assignments",
    multiple=True,
    metavar="FIELD=VALUE",
    help="Set any field by name (repeat for more); an empty VALUE clears it.",
)
@click.pass_context
@reports_errors
def edit(
    ctx: click.Context,
    record_id: str,
    assignments: tuple[str, ...],
    **options: Any,
) -> None:
    """Change fields of an issue or a lesson: one commit."""
    fields = field_values(options)
    for assignment in assignments:
        name, sep, value = assignment.partition("=")
        if not sep:
            raise click.UsageError(f"--set {assignment!r}: use FIELD=VALUE")
        fields[name.strip().replace("-", "_")] = value if value != "" else None
    if not fields:
        raise click.UsageError("nothing to change: give at least one field option")
    register = open_register(ctx)
    record = register.edit(record_id, fields)
    say_notices(register)
    click.echo(record.id)


@click.command()
@click.argument("record_id", metavar="ID")
@click.argument("text")
@click.option("--kind", type=click.Choice(["comment", "decision", "action"]), default="comment")
@click.option("--visibility", type=click.Choice(["public", "internal", "restricted"]), default="internal")
@click.pass_context
@reports_errors
def update(ctx: click.Context, record_id: str, text: str, kind: str, visibility: str) -> None:
    """Add a dated update to a record's timeline (TEXT - reads standard input)."""
    register = open_register(ctx)
    added = register.add_update(record_id, text_argument(text) or "", kind, visibility)
    say_notices(register)
    click.echo(added.id)


@click.command()
@click.argument("first", metavar="ID")
@click.argument("second", metavar="ID")
@click.pass_context
@reports_errors
def link(ctx: click.Context, first: str, second: str) -> None:
    """Link an issue to a lesson, or an issue to a related issue."""
    register = open_register(ctx)
    a, b = register.link(first, second)
    say_notices(register)
    click.echo(f"{a.id} ↔ {b.id}")
