"""The `tracker` command line: thin, one function per subcommand, each calling
the register service. Paths that do not open the TUI never import Textual.

Exit status: 0 on success, 1 when Tracker refuses (one clear line on stderr),
2 when the command itself is mistyped.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable
from datetime import date
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from tracker.errors import TrackerError

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


def open_register(ctx: click.Context) -> Any:
    """The register this invocation works on, created on first use if it is the
    user's default register."""
    from tracker.locations import find_register
    from tracker.register import Register

    root, is_default = find_register(ctx.obj.get("register"))
    if is_default and not (root / "tracker.toml").exists():
        click.echo(f"tracker: creating your register at {root}", err=True)
        return Register.init(root, name="My register")
    return Register.open(root)


def _say_notices(register: Any) -> None:
    for notice in register.notices:
        click.echo(f"tracker: {notice}", err=True)


# Commands that live in their own modules, imported only when they are run, so that
# `tracker add` never pays for the imports of `tracker export` or `tracker sync`.
LAZY_COMMANDS = {
    "clone": "tracker.cli_sync:clone",
    "sync": "tracker.cli_sync:sync",
    "history": "tracker.cli_history:history",
    "merge-file": "tracker.cli_sync:merge_file",
    "export": "tracker.cli_export:export",
    "import": "tracker.cli_import:import_command",
    "doctor": "tracker.cli_doctor:doctor",
}


class LazyGroup(click.Group):
    """A click group whose listed commands are imported on first use."""

    def _available(self) -> dict[str, str]:
        from importlib.util import find_spec

        return {name: target for name, target in LAZY_COMMANDS.items() if find_spec(target.split(":")[0])}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *self._available()])

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        command = super().get_command(ctx, name)
        if command is not None or name not in LAZY_COMMANDS:
            return command
        target = self._available().get(name)
        if target is None:
            return None
        from importlib import import_module

        module, attribute = target.split(":")
        found = getattr(import_module(module), attribute)
        assert isinstance(found, click.Command)
        return found


@click.group(
    cls=LazyGroup, invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]}
)
@click.option("--register", "-r", "register", metavar="PATH", help="The register to use.")
@click.version_option(package_name="tracker")
@click.pass_context
def main(ctx: click.Context, register: str | None) -> None:
    """Tracker: an issue register and lessons-learned log, versioned in git.

    With no command, opens the register in the terminal UI.
    """
    ctx.ensure_object(dict)
    ctx.obj["register"] = register
    if ctx.invoked_subcommand is None:
        _open_tui(ctx)


@reports_errors
def _open_tui(ctx: click.Context) -> None:
    register = open_register(ctx)
    from tracker.app import run_app

    run_app(register)


# --- creating registers -----------------------------------------------------------------


@main.command()
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
        from data.sync import check_new_remote

        check_new_remote(remote_url)
    register = Register.init((path or Path.cwd()).absolute(), name=name)
    click.echo(f"Created register {register.settings.name!r} at {register.root}")
    if remote_url:
        from data.sync import add_remote, sync

        add_remote(register.root, remote_url)
        for line in sync(register.root).summary():
            click.echo(line)


@main.command()
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
        from tracker.app import run_app

        run_app(register)


# --- issues ---------------------------------------------------------------------------------

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


def _given(options: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in options.items() if value is not None and value != ()}


def _text_argument(value: str | None) -> str | None:
    """`-` means: read the text from standard input."""
    if value == "-":
        return sys.stdin.read()
    return value


@main.command()
@click.argument("title")
@click.option("--description", "-d", help="Markdown; - reads it from standard input.")
@issue_options
@click.option("--json", "as_json", is_flag=True, help="Print the new issue as JSON.")
@click.pass_context
@reports_errors
def add(ctx: click.Context, title: str, description: str | None, as_json: bool, **options: Any) -> None:
    """Log a new issue; prints its ID."""
    fields = _given(options)
    if description is not None:
        fields["description"] = _text_argument(description)
    if "tags" in fields:
        fields["tags"] = list(fields["tags"])
    register = open_register(ctx)
    issue = register.add_issue(title=title, **fields)
    _say_notices(register)
    _print_created(issue, as_json)


def _print_created(record: Any, as_json: bool) -> None:
    if as_json:
        from data.files import encode
        from tracker.model import to_document

        click.echo(encode(to_document(record)).decode(), nl=False)
    else:
        click.echo(record.id)


@main.command(name="list")
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
    """List issues (or lessons) matching a QUERY, such as: status:open severity:high area:finance"""
    register = open_register(ctx)
    kind = "lesson" if lessons else "issue"
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


@main.command()
@click.argument("record_id", metavar="ID")
@click.option("--json", "as_json", is_flag=True, help="Print the record as JSON.")
@click.pass_context
@reports_errors
def show(ctx: click.Context, record_id: str, as_json: bool) -> None:
    """Show one issue or lesson in full."""
    from tracker.model import to_document

    register = open_register(ctx)
    document = to_document(register.get(record_id))
    if as_json:
        from data.files import encode

        click.echo(encode(document).decode(), nl=False)
    else:
        from tracker.present import record

        click.echo(record(document))


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


@main.command()
@click.argument("record_id", metavar="ID")
@click.option("--title")
@click.option("--description", "-d", help="Markdown; - reads it from standard input.")
@click.option("--closed-on", "closed_on", metavar="DATE")
@issue_options
@lesson_options
@click.option("--lesson-type", "lesson_type", help="project, corporate/programme or both")
@click.option("--was-risk/--was-not-risk", "was_risk", default=None)
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
    description: str | None,
    lesson_type: str | None,
    assignments: tuple[str, ...],
    **options: Any,
) -> None:
    """Change fields of an issue or a lesson: one commit."""
    fields = _given(options)
    if description is not None:
        fields["description"] = _text_argument(description)
    if lesson_type is not None:
        fields["type"] = lesson_type
    if "tags" in fields:
        fields["tags"] = list(fields["tags"])
    for assignment in assignments:
        name, sep, value = assignment.partition("=")
        if not sep:
            raise click.UsageError(f"--set {assignment!r}: use FIELD=VALUE")
        fields[name.strip().replace("-", "_")] = value if value != "" else None
    if not fields:
        raise click.UsageError("nothing to change: give at least one field option")
    register = open_register(ctx)
    record = register.edit(record_id, fields)
    _say_notices(register)
    click.echo(record.id)


@main.command()
@click.argument("record_id", metavar="ID")
@click.argument("text")
@click.option("--kind", type=click.Choice(["comment", "decision", "action"]), default="comment")
@click.option("--visibility", type=click.Choice(["public", "internal", "restricted"]), default="internal")
@click.pass_context
@reports_errors
def update(ctx: click.Context, record_id: str, text: str, kind: str, visibility: str) -> None:
    """Add a dated update to a record's timeline (TEXT - reads standard input)."""
    register = open_register(ctx)
    added = register.add_update(record_id, _text_argument(text) or "", kind, visibility)
    _say_notices(register)
    click.echo(added.id)


@main.command()
@click.argument("first", metavar="ID")
@click.argument("second", metavar="ID")
@click.pass_context
@reports_errors
def link(ctx: click.Context, first: str, second: str) -> None:
    """Link an issue to a lesson, or an issue to a related issue."""
    register = open_register(ctx)
    a, b = register.link(first, second)
    _say_notices(register)
    click.echo(f"{a.id} ↔ {b.id}")


# --- lessons -------------------------------------------------------------------------------


@main.group()
def lesson() -> None:
    """Work with the lessons log."""


@lesson.command(name="add")
@click.argument("title")
@lesson_options
@click.option("--type", "type", help="project, corporate/programme or both")
@click.option("--area")
@click.option("--priority")
@click.option("--owner-role", "owner_role")
@click.option("--was-risk", "was_risk", is_flag=True, default=None, help="It had been identified as a risk.")
@click.option("--visibility", help="public, internal or restricted")
@click.option("--tag", "tags", multiple=True)
@click.option("--issue", "issues", multiple=True, metavar="ID", help="An issue this lesson comes from.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
@reports_errors
def lesson_add(ctx: click.Context, title: str, as_json: bool, **options: Any) -> None:
    """Log a lesson; prints its ID."""
    fields = _given(options)
    for name in ("tags", "issues"):
        if name in fields:
            fields[name] = list(fields[name])
    register = open_register(ctx)
    added = register.add_lesson(title=title, **fields)
    _say_notices(register)
    _print_created(added, as_json)


@lesson.command(name="list")
@click.argument("query", nargs=-1)
@click.option("--sort")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def lesson_list(ctx: click.Context, query: tuple[str, ...], sort: str | None, as_json: bool) -> None:
    """List lessons matching a QUERY, such as: action:identified area:payroll"""
    ctx.invoke(list_records, query=query, lessons=True, sort=sort, limit=None, as_json=as_json, count=False)


# --- history -------------------------------------------------------------------------------


@main.command()
@click.option("--since", metavar="DATE", help="Changes on or after this date.")
@click.option("--until", metavar="DATE", help="Changes on or before this date.")
@click.option("--author", help="Only changes by this person.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
@reports_errors
def log(ctx: click.Context, since: str | None, until: str | None, author: str | None, as_json: bool) -> None:
    """The register's change log from git: one line a change."""
    from data.audit import audit_log

    register = open_register(ctx)
    entries = audit_log(register.git, since=since, until=until, author=author)
    if as_json:
        import orjson

        click.echo(orjson.dumps([entry.as_dict() for entry in entries], option=orjson.OPT_INDENT_2).decode())
        return
    from tracker.present import one_line

    for entry in entries:
        click.echo(
            f"{entry.when[:16].replace('T', ' ')}  {one_line(entry.author):<20}  {one_line(entry.subject)}"
        )
        for change in entry.changes:
            click.echo(f"{'':19}{change.record}  {one_line(change.describe())}")


def run() -> None:
    """The `tracker` command: `main`, then an exit that skips tearing down what
    the command built. At 50,000 records, freeing the loaded register object by
    object takes longer than the query did; the operating system takes the
    whole process back at once. Everything the command wrote is on disk already
    (atomic writes, git commits), output is flushed first, and when any other
    thread is still running (a TUI worker) the exit is Python's ordinary one."""
    try:
        main()
        status = 0
    except SystemExit as done:
        if isinstance(done.code, str):
            print(done.code, file=sys.stderr)
            status = 1
        else:
            status = done.code or 0
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (BrokenPipeError, OSError):
        status = status or 1
    if threading.active_count() > 1:
        sys.exit(status)
    os._exit(status)
