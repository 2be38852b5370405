"""`tracker init` and `tracker demo`: making a register."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from data.errors import TrackerError
from tracker.cli.common import reports_errors


@click.command()
@click.argument("path", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option("--name", help="The register's name, as reports show it.")
@click.option(
    "--remote",
    "remote_url",
    metavar="URL",
    help="Share the new register through this empty git remote (pushes it there).",
)
@reports_errors
def init(path: Path | None, name: str | None, remote_url: str | None) -> None:
    """Create a register in PATH (default: the current folder)."""
    from tracker.register import Register

    if remote_url:
        Register.check_new_remote(remote_url)
    register = Register.init((path or Path.cwd()).absolute(), name=name)
    click.echo(f"Created register {register.settings.name!r} at {register.root}")
    if remote_url:
        register.add_remote(remote_url)
        for line in register.sync().summary():
            click.echo(line)


@click.command()
@click.argument("path", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option("--no-open", is_flag=True, help="Make (or find) the demo register and stop.")
@click.option(
    "--fresh",
    is_flag=True,
    help="Build the demo register again from the start, losing every change made in it.",
)
@click.option("--yes", is_flag=True, help="With --fresh: do not ask first.")
@reports_errors
def demo(path: Path | None, no_open: bool, fresh: bool, yes: bool) -> None:
    """Open the demo register of realistic (fictional) programme issues, building
    it the first time; run again, it reopens it with your changes."""
    from tracker.demo import is_demo_register, open_or_build
    from tracker.locations import default_demo

    root = (path or default_demo()).absolute()
    if fresh and is_demo_register(root) and not yes:
        if not sys.stdin.isatty():
            raise TrackerError(
                f"{root}: --fresh replaces the demo register and your changes in it; add --yes"
            )
        click.confirm(f"Replace the demo register at {root}, and every change made in it?", abort=True)
    register, built = open_or_build(root, fresh=fresh)
    if built:
        click.echo(f"Demo register ready at {register.root}", err=True)
    else:
        click.echo(
            f"Reopening the demo register at {register.root} (tracker demo --fresh starts it again)", err=True
        )
    if not no_open:
        from tracker.tui.app import run_app

        run_app(register)
