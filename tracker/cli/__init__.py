"""The `tracker` command line: thin, one module per command group, each command
one call to the register (`tracker.register`, the door). Commands are imported
only when run, so `tracker add` never pays for the imports of `tracker export`
or `tracker sync`, and paths that do not open the TUI never import Textual.

Exit status: 0 on success, 1 when Tracker refuses (one clear line on stderr),
2 when the command itself is mistyped.
"""

from __future__ import annotations

import os
import sys
import threading

import click

from tracker.cli.common import open_register, reports_errors

LAZY_COMMANDS = {
    "init": "tracker.cli.setup:init",
    "demo": "tracker.cli.setup:demo",
    "add": "tracker.cli.records:add",
    "list": "tracker.cli.records:list_records",
    "show": "tracker.cli.records:show",
    "edit": "tracker.cli.records:edit",
    "update": "tracker.cli.records:update",
    "link": "tracker.cli.records:link",
    "lesson": "tracker.cli.lessons:lesson",
    "log": "tracker.cli.history:log",
    "clone": "tracker.cli.sync:clone",
    "sync": "tracker.cli.sync:sync",
    "history": "tracker.cli.history:history",
    "merge-file": "tracker.cli.sync:merge_file",
    "export": "tracker.cli.export:export",
    "import": "tracker.cli.imports:import_command",
    "doctor": "tracker.cli.doctor:doctor",
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
        if not isinstance(found, click.Command):
            raise TypeError(f"{target}: not a command")
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
    first_page = register.start_first_page()  # git checks it while Textual is imported
    from tracker.tui.app import run_app

    run_app(register, first_page)


def run() -> None:
    """The `tracker` command: `main`, then an exit that skips tearing down what
    the command built. At 50,000 records, freeing the loaded register object by
    object takes longer than the query did; the operating system takes the
    whole process back at once. Everything the command wrote is on disk already
    (atomic writes, git commits), output is flushed first, and when any other
    thread is still running (a TUI worker) or the command is being profiled or
    traced (`_observed`), the exit is Python's ordinary one."""
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
    if threading.active_count() > 1 or _observed():
        sys.exit(status)
    os._exit(status)


def _observed() -> bool:
    """Whether a profiler or tracer is watching (cProfile, pyinstrument,
    coverage, a debugger), or `TRACKER_PROFILE` is set: each writes what it saw
    only as Python exits in the ordinary way, which `os._exit` skips."""
    return (
        sys.getprofile() is not None or sys.gettrace() is not None or bool(os.environ.get("TRACKER_PROFILE"))
    )
