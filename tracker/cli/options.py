"""The field options of `add`, `edit` and `lesson add`, declared once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])

ISSUE_OPTIONS: list[tuple[str, str, dict[str, Any]]] = [
    ("--type", "type", {"help": "problem, request for change or off-specification"}),
    ("--status", "status", {}),
    ("--priority", "priority", {}),
    ("--severity", "severity", {}),
    ("--area", "area", {}),
    ("--owner", "owner", {}),
    ("--owner-role", "owner_role", {}),
    ("--raised-by", "raised_by", {}),
    ("--raised-on", "raised_on", {"metavar": "DATE"}),
    ("--target", "target_date", {"metavar": "DATE"}),
    ("--workaround", "workaround", {}),
    ("--cost", "cost_gbp", {"metavar": "GBP"}),
    ("--cost-basis", "cost_basis", {"help": "estimate or actual"}),
    ("--visibility", "visibility", {"help": "public, internal or restricted"}),
    ("--ref", "external_ref", {"help": "A reference from another register"}),
]


def issue_options(function: F) -> F:
    for flag, name, extra in reversed(ISSUE_OPTIONS):
        function = click.option(flag, name, default=None, **extra)(function)
    function = click.option(
        "--vulnerable/--not-vulnerable",
        "affects_vulnerable",
        default=None,
        help="Affects vulnerable residents.",
    )(function)
    function = click.option(
        "--statutory/--not-statutory",
        "statutory_impact",
        default=None,
        help="Has a statutory or compliance impact.",
    )(function)
    function = click.option("--tag", "tags", multiple=True, help="A tag (repeat for more).")(function)
    return function


LESSON_EDIT_OPTIONS: list[tuple[str, str, dict[str, Any]]] = [
    ("--event", "event", {}),
    ("--effect", "effect", {}),
    ("--cause", "cause", {}),
    ("--early-warnings", "early_warnings", {}),
    ("--recommendation", "recommendation", {}),
    ("--source", "source", {"help": "audit, independent review, retrospective or staff"}),
    ("--action-status", "action_status", {"help": "identified, agreed, actioned or embedded"}),
    ("--logged-by", "logged_by", {}),
    ("--logged-on", "logged_on", {"metavar": "DATE"}),
]


def lesson_options(function: F) -> F:
    for flag, name, extra in reversed(LESSON_EDIT_OPTIONS):
        function = click.option(flag, name, default=None, **extra)(function)
    return function
