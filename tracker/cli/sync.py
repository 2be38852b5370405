"""`tracker clone`, `tracker sync` and git's merge driver (`tracker merge-file`).

Loaded only when one of these commands runs (see `LAZY_COMMANDS` in tracker.cli).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from tracker.cli.common import open_register, reports_errors


def _default_folder(url: str) -> Path:
    """The folder git itself would clone into: the URL's last part without `.git`."""
    name = url.rstrip("/").replace("\\", "/").rsplit("/", 1)[-1].rsplit(":", 1)[-1]
    name = name.removesuffix(".git") or "register"
    return Path.cwd() / name


@click.command()
@click.argument("url")
@click.argument("path", required=False, type=click.Path(file_okay=False, path_type=Path))
@reports_errors
def clone(url: str, path: Path | None) -> None:
    """Join a shared register: clone it from URL (any git remote) into PATH."""
    from tracker.register import Register

    register = Register.clone(url, path or _default_folder(url))
    click.echo(f"Cloned register {register.settings.name!r} into {register.root}")


@click.command()
@click.option("--remote", help="The git remote to sync with (default: the register's sync.remote, origin).")
@click.pass_context
@reports_errors
def sync(ctx: click.Context, remote: str | None) -> None:
    """Fetch, merge and push the register's changes, field by field."""
    register = open_register(ctx, last_good_settings=True)
    result = register.sync(remote)
    for notice in result.notices:
        click.echo(f"tracker: {notice}", err=True)
    for line in result.summary():
        click.echo(line)


@click.command(name="merge-file", hidden=True)
@click.argument("base")
@click.argument("ours")
@click.argument("theirs")
@click.argument("path")
def merge_file(base: str, ours: str, theirs: str, path: str) -> None:
    """Git's merge driver for record files (set up by init, clone and sync)."""
    from tracker.register import Register

    sys.exit(Register.merge_file(base, ours, theirs, path))
