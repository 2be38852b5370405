"""`tracker init` and `tracker demo`: making a register."""

from __future__ import annotations

from pathlib import Path

import click

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
@click.option("--no-open", is_flag=True, help="Create the demo register and stop.")
@reports_errors
def demo(path: Path | None, no_open: bool) -> None:
    """Create a demo register of realistic (fictional) programme issues and open it."""
    from tracker.demo import build_demo
    from tracker.locations import default_demo

    register = build_demo((path or default_demo()).absolute(), replace_default=path is None)
    click.echo(f"Demo register ready at {register.root}", err=True)
    if not no_open:
        from tracker.tui.app import run_app

        run_app(register)
