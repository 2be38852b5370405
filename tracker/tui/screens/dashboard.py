"""The dashboard: open issues by severity and area, their age, the open backlog
week by week, issues resolved per week, and lessons by action status.

The figures are computed by `tracker.dashboard` in a thread worker and shown in
panels that sit one above the other on a narrow terminal (the screen scrolls) and
two side by side on a wide one. Words from the register (areas, severities) are
shown literally.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, LoadingIndicator, Sparkline, Static
from textual.worker import Worker, WorkerState

from tracker.dashboard import Dashboard, compute
from tracker.tui.snapshot import RegisterChanged, register_lock
from widgets.charts import BarChart

if TYPE_CHECKING:
    from tracker.register import Register

PANELS = (
    ("by-severity", "Open issues by severity"),
    ("by-area", "Open issues by area"),
    ("ageing", "How long open issues have been open"),
    ("lessons", "Lessons by action status"),
)
TRENDS = (
    ("backlog", "Open backlog, week by week"),
    ("resolved", "Issues resolved per week"),
)
RECENT_WEEKS = 4


@dataclass(frozen=True)
class LoadedDashboard:
    register_name: str
    figures: Dashboard


def week_label(week: date) -> str:
    return f"w/c {week.day} {week:%b %Y}"


def headline(figures: Dashboard) -> Text:
    word, most_severe = figures.most_severe_open
    text = Text()
    text.append(f"{figures.open_issues:,}", style="bold")
    text.append(f" open of {figures.issues:,} issues  ·  ")
    text.append(f"{most_severe:,}", style="bold")
    text.append(f" {word}  ·  ")
    text.append(f"{figures.vulnerable_open:,}", style="bold")
    text.append(" affecting vulnerable residents  ·  ")
    text.append(f"{figures.lessons:,}", style="bold")
    text.append(" lessons")
    return text


def backlog_caption(figures: Dashboard) -> Text:
    first_week, first = figures.backlog[0]
    peak_week, peak = max(figures.backlog, key=lambda point: point[1])
    return Text(
        f"{week_label(first_week)}: {first:,} open  →  this week: {figures.backlog[-1][1]:,} open"
        f"  (peak {peak:,}, {week_label(peak_week)})"
    )


def resolved_caption(figures: Dashboard) -> Text:
    weeks = figures.resolved_per_week
    total = sum(count for _, count in weeks)
    recent = sum(count for _, count in weeks[-RECENT_WEEKS:])
    busiest_week, busiest = max(weeks, key=lambda point: point[1])
    text = f"{total:,} resolved since {week_label(weeks[0][0])}; {recent:,} in the last {RECENT_WEEKS} weeks"
    if busiest:
        text += f"; most in one week: {busiest:,} ({week_label(busiest_week)})"
    return Text(text)


def drawn(counts: list[float]) -> list[float]:
    """A trend to draw: none when every count is zero (a sparkline of equal
    values draws every bar at full height, which reads as a lot)."""
    return counts if any(counts) else []


class DashboardScreen(Screen[None]):
    """Counts, ageing and the backlog trend for the whole register."""

    CSS_PATH = "dashboard.tcss"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]  # noqa: RUF012 - Textual declares it a ClassVar
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Back", id="dashboard.back", tooltip="Back to the register"),
        Binding("q", "close", "Back", show=False, id="dashboard.close", tooltip="Back to the register"),
        Binding("r", "reload", "Reload", id="dashboard.reload", tooltip="Count again"),
        Binding("j", "scroll(1)", "Down", show=False, id="dashboard.scroll_down", tooltip="Scroll down"),
        Binding("k", "scroll(-1)", "Up", show=False, id="dashboard.scroll_up", tooltip="Scroll up"),
    ]

    def __init__(self, register: Register, *, today: date | None = None) -> None:
        super().__init__()
        self.register = register
        self.today = today

    def compose(self) -> ComposeResult:
        yield Static(Text("Dashboard"), id="dashboard-title")
        yield LoadingIndicator(id="dashboard-loading")
        with VerticalScroll(id="dashboard-body"):
            yield Static(id="dashboard-headline")
            with Grid(id="dashboard-trends"):
                for trend_id, title in TRENDS:
                    with Vertical(classes="panel") as panel:
                        panel.border_title = title
                        yield Sparkline([], id=trend_id)
                        yield Static(id=f"{trend_id}-caption", classes="caption")
            with Grid(id="dashboard-panels"):
                for panel_id, title in PANELS:
                    with Vertical(classes="panel") as panel:
                        panel.border_title = title
                        yield BarChart(id=panel_id, empty="None")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#dashboard-body").display = False
        self._count()

    def action_reload(self) -> None:
        self._count()

    def on_register_changed(self, message: RegisterChanged) -> None:
        self._count()

    def _today(self) -> date:
        if self.today is not None:
            return self.today
        today = getattr(self.app, "today", None)
        return today if isinstance(today, date) else self.register.today()

    @work(thread=True, exclusive=True, exit_on_error=False, group="dashboard")
    def _count(self) -> LoadedDashboard:
        with register_lock(self):
            settings = self.register.settings
            listing = self.register.listing()  # the counts need short fields only
            issues = listing.documents("issues")
            lessons = listing.documents("lessons")
            today = self._today()
        history = self.register.status_history()  # git locks its own files: no register lock needed
        return LoadedDashboard(settings.name, compute(issues, lessons, settings.vocabulary, today, history))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "dashboard":
            return
        if event.state == WorkerState.SUCCESS and isinstance(event.worker.result, LoadedDashboard):
            self._show(event.worker.result)
        elif event.state == WorkerState.ERROR:
            reason = " ".join(str(event.worker.error).split()) or type(event.worker.error).__name__
            self.query_one("#dashboard-loading").display = False
            self.query_one("#dashboard-title", Static).update(Text(f"Dashboard: {reason}"))
            self.notify(f"dashboard: {reason}", severity="error", timeout=8)

    def _show(self, loaded: LoadedDashboard) -> None:
        figures = loaded.figures
        self.query_one("#dashboard-title", Static).update(
            Text(f"Dashboard: {loaded.register_name}  (as of {figures.today:%d %b %Y})")
        )
        self.query_one("#dashboard-headline", Static).update(headline(figures))
        self.query_one("#backlog", Sparkline).data = drawn([count for _, count in figures.backlog])
        self.query_one("#backlog-caption", Static).update(backlog_caption(figures))
        self.query_one("#resolved", Sparkline).data = drawn([count for _, count in figures.resolved_per_week])
        self.query_one("#resolved-caption", Static).update(resolved_caption(figures))
        charts: dict[str, list[tuple[str, Any]]] = {
            "by-severity": list(figures.open_by_severity),
            "by-area": list(figures.open_by_area),
            "ageing": list(figures.ageing),
            "lessons": list(figures.lessons_by_action),
        }
        for chart_id, bars in charts.items():
            self.query_one(f"#{chart_id}", BarChart).set_bars(bars)
        self.query_one("#dashboard-loading").display = False
        body = self.query_one("#dashboard-body")
        if not body.display:
            body.display = True
            body.focus()

    def action_close(self) -> None:
        self.dismiss(None)

    def action_scroll(self, lines: int) -> None:
        body = self.query_one("#dashboard-body", VerticalScroll)
        body.scroll_to(y=body.scroll_y + lines, animate=False)
