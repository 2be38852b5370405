"""`tracker lesson add` and `tracker lesson list`: the lessons log."""

from __future__ import annotations

from typing import Any

import click

from tracker.cli.common import open_register, reports_errors, say_notices
from tracker.cli.options import field_options, field_values
from tracker.cli.records import list_records, print_created


@click.group()
def lesson() -> None:
    """Work with the lessons log."""


@lesson.command(name="add")
@click.argument("title")
@field_options("lesson", leave_out=["title"])
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
@reports_errors
def lesson_add(ctx: click.Context, title: str, as_json: bool, **options: Any) -> None:
    """Log a lesson; prints its ID."""
    fields = field_values(options)
    register = open_register(ctx)
    added = register.add("lesson", title=title, **fields)
    say_notices(register)
    print_created(added, as_json)


@lesson.command(name="list")
@click.argument("query", nargs=-1)
@click.option("--sort")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def lesson_list(ctx: click.Context, query: tuple[str, ...], sort: str | None, as_json: bool) -> None:
    """List lessons matching a QUERY, such as: action:identified area:payroll"""
    ctx.invoke(list_records, query=query, lessons=True, sort=sort, limit=None, as_json=as_json, count=False)
