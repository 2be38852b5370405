"""What every command shares: finding and opening the register, errors as one
line on stderr (exit status 1), notices, `-` for standard input."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar

import click

from data.errors import TrackerError

if TYPE_CHECKING:
    from tracker.register import Register

F = TypeVar("F", bound=Callable[..., Any])


def _fail(message: str) -> None:
    click.echo(f"tracker: {message}", err=True)
    sys.exit(1)


def reports_errors(function: F) -> F:
    """Turn Tracker's errors into one line on stderr and exit status 1."""

    @wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except TrackerError as error:
            _fail(str(error))
        except KeyboardInterrupt:
            _fail("interrupted")
        except BrokenPipeError:
            # The reader went away (`tracker log | head`): stop quietly, as Unix tools do.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(0)
        except OSError as error:
            where = f"{error.filename}: " if error.filename else ""
            _fail(f"{where}{error.strerror or error}")

    return wrapper  # type: ignore[return-value]


READ_ONLY_COMMANDS = frozenset({"list", "show", "history", "log", "export"})
"""Commands that only read: they never create a register, not even the default one."""


def open_register(ctx: click.Context, last_good_settings: bool = False) -> Register:
    """The register this invocation works on. The user's default register is
    created on first use by a command that writes (or the terminal UI); a
    command that only reads says there is none yet and writes nothing.
    `last_good_settings` opens a register whose tracker.toml is damaged with
    its last good settings from git (for sync and doctor)."""
    from tracker.locations import find_register
    from tracker.register import Register

    root, is_default = find_register(ctx.obj.get("register"))
    if is_default and not (root / "tracker.toml").exists():
        if ctx.info_name in READ_ONLY_COMMANDS:
            from data.errors import RegisterNotFound

            raise RegisterNotFound(
                f"{root}: no register here yet, so nothing to {ctx.info_name}; "
                'tracker add "a title" creates it, or give one with --register PATH'
            )
        click.echo(f"tracker: creating your register at {root}", err=True)
        return Register.init(root, name="My register")
    return Register.open(root, last_good_settings)


def say_notices(register: Register) -> None:
    for notice in register.notices:
        click.echo(f"tracker: {notice}", err=True)


# Commands that live in their own modules, imported only when they are run, so that
# `tracker add` never pays for the imports of `tracker export` or `tracker sync`.


def text_argument(value: str | None) -> str | None:
    """`-` means: read the text from standard input."""
    if value == "-":
        return sys.stdin.read()
    return value
