"""The Tracker terminal app: the shell that the screens live in.

One factory, `build_app`, makes the app for the CLI and for the tests.

Threads: the `Register` is not thread-safe, so it is touched only inside thread
workers started by `TrackerApp.change` (or the loader, the reloader and sync),
each of which holds `TrackerApp.register_lock` for as long as it uses the
register. A worker ends by taking a `RegisterSnapshot` (still under the lock);
the UI thread only ever reads snapshots. Results come back through the
`Worker.StateChanged` message and failures are reported in one place,
`on_worker_state_changed`, as a one-line notification.

Preferences (`config.toml` in `tracker.locations.config_dir()`): `theme = "…"`
remembers the chosen Textual theme, a `[keys]` table rebinds keys by binding
id, e.g. `"register.new" = "N"` (see the help screen, `?`, for every id), and a
`[views]` table names saved queries (`tracker.tui.views`).
"""

from __future__ import annotations

import contextlib
import threading
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import work
from textual.app import SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.theme import Theme
from textual.worker import Worker, WorkerState

from data.errors import InvalidRecord, TrackerError
from data.ids import Kind
from data.kinds import KINDS
from tracker.locations import config_dir
from tracker.register import Register
from tracker.tui.key_order import KeysInOrderApp
from tracker.tui.keys import APP_BINDINGS
from tracker.tui.snapshot import (
    FirstPageRead,
    FirstPageRows,
    RegisterChanged,
    RegisterSnapshot,
    Row,
    first_rows,
)
from tracker.tui.views import SavedView, read_views
from widgets.status_bar import SyncState

if TYPE_CHECKING:
    from data.first_page import FirstPage

CONFIG_FILE = "config.toml"
WATCH_SECONDS = 2.0


# --- preferences -------------------------------------------------------------------


@dataclass(frozen=True)
class Preferences:
    theme: str | None
    keys: dict[str, str]
    problem: str | None = None
    views: tuple[SavedView, ...] = ()


def preferences_path() -> Path:
    return config_dir() / CONFIG_FILE


def load_preferences(path: Path | None = None) -> Preferences:
    """The user's theme, key bindings and saved views; a damaged file is
    reported, not fatal."""
    path = path or preferences_path()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        return Preferences(None, {}, f"{path}: not read ({error}); using defaults")
    theme = data.get("theme")
    keys = data.get("keys", {})
    if not isinstance(keys, dict) or not all(isinstance(v, str) for v in keys.values()):
        return Preferences(
            theme if isinstance(theme, str) else None, {}, f"{path}: [keys] must map ids to keys"
        )
    views, problem = read_views(data.get("views"))
    return Preferences(
        theme if isinstance(theme, str) else None,
        {str(k): v for k, v in keys.items()},
        f"{path}: {problem}" if problem else None,
        views,
    )


def save_theme(theme: str, path: Path | None = None) -> None:
    """Remember the theme, keeping the rest of the file's settings."""
    import tomli_w

    path = path or preferences_path()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    except (UnicodeDecodeError, tomllib.TOMLDecodeError):
        return
    data["theme"] = theme
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(tomli_w.dumps(data), encoding="utf-8")


# --- jobs on the register ----------------------------------------------------------------


@dataclass
class Job:
    """A piece of work on the register and what to do with its result."""

    describe: str
    on_done: Callable[[Any], None] | None = None
    on_invalid: Callable[[InvalidRecord], None] | None = None


@dataclass(frozen=True)
class Outcome:
    result: Any
    snapshot: RegisterSnapshot


def one_line(error: BaseException) -> str:
    return " ".join(str(error).split()) or type(error).__name__


class TrackerApp(KeysInOrderApp):
    """Tracker's issues and lessons registers in the terminal."""

    CSS_PATH = "app.tcss"
    TITLE = "Tracker"

    BINDINGS: ClassVar[list[BindingType]] = list(APP_BINDINGS)

    def __init__(
        self,
        register: Register,
        *,
        today: date | None = None,
        preferences: Preferences | None = None,
        first_page: Callable[[], FirstPage | None] | None = None,
    ) -> None:
        super().__init__()
        self.register = register
        self.first_page = first_page
        """The first page's reading, when started before the app (by the CLI)."""
        self.register_lock = threading.RLock()
        self.fixed_today = today
        self.preferences = preferences if preferences is not None else load_preferences()
        self.snapshot: RegisterSnapshot | None = None
        self.sync_state = SyncState()
        self._jobs: dict[Worker[Any], Job] = {}
        self.watch_seconds = WATCH_SECONDS

    @property
    def today(self) -> date:
        return self.fixed_today or date.today()

    def get_default_screen(self) -> Screen[Any]:
        from tracker.tui.screens.register_view import RegisterScreen

        return RegisterScreen()

    def on_mount(self) -> None:
        self.sub_title = self.register.root.name
        if self.preferences.keys:
            self.set_keymap(self.preferences.keys)
        if self.preferences.theme in self.available_themes:
            self.theme = self.preferences.theme
        if self.preferences.problem:
            self.notify(self.preferences.problem, severity="warning")
        self.theme_changed_signal.subscribe(self, self._remember_theme)
        self.run_worker(
            self._read_first_page, name="first page", group="first-page", thread=True, exit_on_error=False
        )
        self.set_interval(self.watch_seconds, self._watch_for_commits)

    def _remember_theme(self, theme: Theme) -> None:
        try:
            save_theme(theme.name)
        except OSError as error:
            self.notify(f"theme not saved: {one_line(error)}", severity="warning")

    # --- the first page ------------------------------------------------------------

    def _read_first_page(self) -> FirstPageRows | None:
        """The first page's rows (runs beside the loader, without the register
        lock: reading the page touches nothing the register holds)."""
        page = (self.first_page or self.register.start_first_page())()
        if page is None:
            return None
        rows: dict[Kind, list[Row]] = {}
        for kind, spec in KINDS.items():
            made = first_rows(kind, Register.listing_fields(kind), page.rows[spec.table], self.today)
            if made is None:
                return None
            rows[kind] = made
        return FirstPageRows(rows, {kind: page.totals[spec.table] for kind, spec in KINDS.items()})

    def _load(self) -> None:
        """Load the register. Started once the first page is painted (or known to
        be missing): loading beside the painting would take Python's lock from
        it half of the time."""
        self.change(lambda register: None, "Loading the register")

    def _keep_first_page(self) -> None:
        """After the first load, bring the first page up to the register for the
        next start (a commit since it was written made it stale)."""
        with self.register_lock:
            self.register.keep_first_page()

    def keep_first_page_at_exit(self) -> None:
        """After the app has stopped: bring the first page up to the records
        changed in this session, so that the next start paints it (a few files
        read again; nothing when nothing was changed). Waits for a write still
        running in a worker."""
        with self.register_lock:
            self.register.keep_first_page(refresh=True)

    # --- work on the register ------------------------------------------------------

    def change(
        self,
        work: Callable[[Register], Any],
        describe: str,
        *,
        on_done: Callable[[Any], None] | None = None,
        on_invalid: Callable[[InvalidRecord], None] | None = None,
    ) -> Worker[Outcome]:
        """Run `work(register)` in a thread worker under the register lock, then
        take a snapshot; `on_done(result)` runs in the UI thread afterwards.
        Validation failures go to `on_invalid` when given (forms show them beside
        their fields); every other failure is a notification."""
        worker = self.run_worker(
            partial(self._run_job, work), name=describe, group="register", thread=True, exit_on_error=False
        )
        self._jobs[worker] = Job(describe, on_done, on_invalid)
        return worker

    def _run_job(self, work: Callable[[Register], Any]) -> Outcome:
        with self.register_lock:
            result = work(self.register)
            return Outcome(result, RegisterSnapshot.take(self.register, self.today, self.snapshot))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Where every worker's result or failure arrives."""
        worker = event.worker
        if event.state == WorkerState.ERROR:
            self._failed(worker, worker.error)
        elif event.state == WorkerState.SUCCESS:
            self._succeeded(worker, worker.result)
        if event.state in (WorkerState.SUCCESS, WorkerState.ERROR, WorkerState.CANCELLED):
            self._jobs.pop(worker, None)

    def _failed(self, worker: Worker[Any], error: BaseException | None) -> None:
        job = self._jobs.get(worker)
        if worker.group == "sync":
            self._show_sync(self.sync_state, syncing=False, error=one_line(error) if error else None)
        # a filter reports its own failures; without a first page the register simply loads
        if worker.group == "first-page":
            self._load()
        if worker.group in ("watch", "sync-status", "texts", "first-page", "first-page-kept"):
            return
        if isinstance(error, InvalidRecord) and job is not None and job.on_invalid is not None:
            job.on_invalid(error)
            return
        what = f"{job.describe}: " if job is not None and not isinstance(error, TrackerError) else ""
        self.notify(what + one_line(error) if error else what + "failed", severity="error", timeout=8)

    def _succeeded(self, worker: Worker[Any], result: Any) -> None:
        if worker.group == "watch":
            self._head_seen(result)
            return
        if worker.group == "sync-status":
            self._show_sync(result)
            return
        if worker.group == "first-page":
            if isinstance(result, FirstPageRows) and self.snapshot is None:
                for screen in self.screen_stack:
                    screen.post_message(FirstPageRead(result))
                self.call_after_refresh(self._load)
            else:
                self._load()
            return
        if isinstance(result, Outcome):
            self._publish(result.snapshot)
            job = self._jobs.get(worker)
            if job is not None and job.on_done is not None:
                job.on_done(result.result)

    def _publish(self, snapshot: RegisterSnapshot) -> None:
        """Give every screen the new snapshot."""
        if self.snapshot is None:  # the first load: what could wait for it
            self._schedule_background_sync()
            self.run_worker(
                self._keep_first_page,
                name="first page kept",
                group="first-page-kept",
                thread=True,
                exit_on_error=False,
            )
        self.snapshot = snapshot
        self._load_texts(snapshot)
        for notice in snapshot.notices:
            self.notify(notice, severity="warning", timeout=10)
        for screen in self.screen_stack:
            screen.post_message(RegisterChanged(snapshot))

    def _load_texts(self, snapshot: RegisterSnapshot) -> None:
        """Load the text index (every record's searchable text) in a worker now, so
        that the first free word typed in a filter does not wait for it."""
        index = snapshot.text_index
        if index is None:
            return

        def load() -> None:
            for kind in KINDS.values():
                index.texts(kind.table, snapshot.head)

        self.run_worker(load, name="texts", group="texts", thread=True, exclusive=True, exit_on_error=False)

    # --- another process committing ------------------------------------------------

    def _watch_for_commits(self) -> None:
        if self.snapshot is not None and not self.workers_in("register"):
            self.run_worker(
                self.register.head,
                name="watch",
                group="watch",
                thread=True,
                exclusive=True,
                exit_on_error=False,
            )

    def _head_seen(self, head: str | None) -> None:
        if self.snapshot is not None and head != self.snapshot.head and not self.workers_in("register"):
            self.change(lambda register: register.reload(), "Reloading the register")

    def workers_in(self, group: str) -> bool:
        return any(worker.group == group and not worker.is_finished for worker in self.workers)

    # --- sync ------------------------------------------------------------------------

    def action_sync(self) -> None:
        if self.workers_in("sync"):
            self.notify("a sync is already running")
            return
        self._show_sync(self.sync_state, syncing=True)
        self._sync()

    @work(thread=True, group="sync", exclusive=True, exit_on_error=False)
    def _sync(self) -> None:
        with self.register_lock:
            self.register.sync()
            snapshot = RegisterSnapshot.take(self.register, self.today, self.snapshot)
        self.call_from_thread(self._publish, snapshot)
        self.call_from_thread(self._refresh_sync_status)

    def _refresh_sync_status(self) -> None:
        self.run_worker(
            self._read_sync_status,
            name="sync status",
            group="sync-status",
            thread=True,
            exclusive=True,
            exit_on_error=False,
        )

    def _read_sync_status(self) -> SyncState:
        status = self.register.sync_status()
        last = status.last_sync
        return SyncState(
            remote=status.remote_url,
            ahead=status.ahead,
            behind=status.behind,
            last_sync=last.strftime("%d %b %H:%M")
            if isinstance(last, datetime)
            else (str(last) if last else None),
            last_error=status.last_error,
        )

    def _show_sync(self, state: SyncState, *, syncing: bool = False, error: str | None = None) -> None:
        from dataclasses import replace

        self.sync_state = replace(state, syncing=syncing, last_error=error or state.last_error)
        from widgets.status_bar import StatusBar

        for screen in self.screen_stack:
            for bar in screen.query(StatusBar):
                bar.show_sync(self.sync_state)

    def _schedule_background_sync(self) -> None:
        self._refresh_sync_status()
        minutes = self.register.settings.sync.interval_minutes
        if minutes > 0:
            self.set_interval(minutes * 60, self._background_sync)

    def _background_sync(self) -> None:
        if self.sync_state.remote and not self.workers_in("sync"):
            self.action_sync()

    # --- screens and commands ----------------------------------------------------------

    def action_help(self) -> None:
        from tracker.tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def action_dashboard(self) -> None:
        from tracker.tui.screens.dashboard import DashboardScreen

        self.push_screen(DashboardScreen(self.register))

    def action_export(self) -> None:
        from tracker.tui.screens.export import ExportScreen

        self.push_screen(ExportScreen(self.register))

    def action_import(self) -> None:
        from tracker.tui.screens.import_screen import ImportScreen

        self.push_screen(ImportScreen(self.register))

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Tracker's commands (every described binding of the current screen,
        its base classes and the app), then Textual's own (theme, keys, quit)."""
        seen = set()
        owners: list[tuple[Any, type]] = [(screen, cls) for cls in type(screen).__mro__]
        for owner, cls in [*owners, (self, TrackerApp)]:
            for binding in cls.__dict__.get("BINDINGS", []):
                if isinstance(binding, Binding) and binding.description and binding.action not in seen:
                    seen.add(binding.action)
                    yield SystemCommand(
                        binding.description, binding.tooltip, partial(owner.run_action, binding.action)
                    )
        yield from super().get_system_commands(screen)


def build_app(
    register: Register,
    *,
    today: date | None = None,
    preferences: Preferences | None = None,
    first_page: Callable[[], FirstPage | None] | None = None,
) -> TrackerApp:
    """The app, as the CLI and the tests make it. `today` fixes the date ages are
    counted from (for reproducible screenshots); `preferences` overrides the
    user's config file; `first_page` is the first page's reading, started
    (`Register.start_first_page`) before Textual was imported."""
    return TrackerApp(register, today=today, preferences=preferences, first_page=first_page)


def run_app(register: Register, first_page: Callable[[], FirstPage | None] | None = None) -> None:
    app = build_app(register, first_page=first_page)
    app.run()
    with contextlib.suppress(TrackerError, OSError):  # the page is for speed: the next start loads anyway
        app.keep_first_page_at_exit()
