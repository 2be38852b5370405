"""The field options of `add`, `edit` and `lesson add`, derived from the
kinds-and-fields table (`data.kinds`): a field added to the model gets its
option here without a line of its own.

Each editable field is `--field-name VALUE` unless the table names its option
(`--target`, `--cost`, `--ref`); a flag is `--field/--not-field`; tags and links
repeat (`--tag backlog --tag payroll`); a long text given as `-` is read from
standard input.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import click

from data.fields import About
from data.ids import Kind
from data.kinds import KINDS

F = TypeVar("F", bound=Callable[..., Any])
_METAVARS = {"date": "DATE", "amount": "GBP", "links": "ID"}


def _declarations(name: str, about: About) -> tuple[str, ...]:
    if about.option:
        return about.option
    dashed = name.replace("_", "-")
    return (f"--{dashed}/--not-{dashed}",) if about.input == "flag" else (f"--{dashed}",)


def _help(about: About) -> str:
    if about.choices:
        return f"{about.label}: {', '.join(about.choices)}"
    if about.words:
        return f"{about.label}: one of the register's {about.words}"
    if about.long:
        return f"{about.label} (markdown; - reads it from standard input)"
    if about.input in ("tags", "links"):
        return f"{about.label} (repeat for more)"
    return about.label


def _option(name: str, about: About) -> Callable[[F], F]:
    declarations = _declarations(name, about)
    if about.input == "flag":
        return click.option(*declarations, name, default=None, help=_help(about))
    multiple = about.input in ("tags", "links")
    return click.option(
        *declarations,
        name,
        default=None,
        multiple=multiple,
        metavar=_METAVARS.get(about.input),
        help=_help(about),
    )


def field_options(*kinds: Kind, leave_out: Iterable[str] = ()) -> Callable[[F], F]:
    """Options for every editable field of these kinds (once each by name)."""
    left_out = set(leave_out)
    chosen: dict[str, About] = {}
    for kind in kinds:
        for name, about in KINDS[kind].fields().items():
            if about.editable and name not in left_out:
                chosen.setdefault(name, about)

    def decorate(function: F) -> F:
        for name, about in reversed(chosen.items()):
            function = _option(name, about)(function)
        return function

    return decorate


def field_values(options: dict[str, Any]) -> dict[str, Any]:
    """The fields given on the command line: repeated options as lists, and a
    long text given as `-` read from standard input."""
    fields: dict[str, Any] = {}
    for name, value in options.items():
        if value is None or value == ():
            continue
        if isinstance(value, tuple):
            value = list(value)
        elif value == "-" and any(
            (about := KINDS[kind].fields().get(name)) is not None and about.long for kind in KINDS
        ):
            value = sys.stdin.read()
        fields[name] = value
    return fields
