"""One backlog figure: the dashboard's week-by-week backlog and the published
report's trend agree, on a real register whose issues were closed and
reopened, logged already closed, and re-dated after they were raised."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from test_tui_history_dashboard import drive
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Sparkline

from data.git import Identity
from data.model import Vocabulary
from exports.report import Period, gather
from tracker.dashboard import compute, week_of
from tracker.register import Register
from tracker.tui.screens.dashboard import DashboardScreen

ME = Identity("Helen Marsh", "helen@council.example")
TODAY = date(2024, 5, 26)  # a Sunday: the report's weekly points fall on the dashboard's week ends


class Clock:
    """The register's clock, moved by the test: every commit has a known date."""

    def __init__(self) -> None:
        self.moment = datetime(2024, 3, 1, 10, tzinfo=UTC)

    def at(self, day: str) -> None:
        self.moment = datetime.fromisoformat(f"{day}T10:00:00+00:00")

    def __call__(self) -> datetime:
        return self.moment


def register_with_a_story(root: Path) -> Register:
    clock = Clock()
    register = Register.init(root, acting_as=ME, clock=clock)

    def on(day: str) -> Register:
        clock.at(day)
        return register

    reopened = on("2024-03-04").add_issue(title="Closed, reopened, closed again", raised_on=date(2024, 3, 4))
    on("2024-03-20").edit(reopened.id, {"status": "resolved"})
    on("2024-04-10").edit(reopened.id, {"status": "open"})
    on("2024-05-01").edit(reopened.id, {"status": "closed"})
    still = on("2024-03-06").add_issue(title="Resolved, then reopened", raised_on=date(2024, 3, 6))
    on("2024-03-27").edit(still.id, {"status": "resolved"})
    on("2024-04-17").edit(still.id, {"status": "in progress"})
    redated = on("2024-04-02").add_issue(title="Raised earlier than logged", raised_on=date(2024, 4, 2))
    on("2024-04-09").edit(redated.id, {"raised_on": "2024-03-12"})
    on("2024-04-03").add_issue(
        title="Logged after it was closed",
        raised_on=date(2024, 3, 5),
        status="closed",
        closed_on=date(2024, 3, 25),
    )
    later = on("2024-04-22").add_issue(title="Closing re-dated", raised_on=date(2024, 4, 22))
    on("2024-05-06").edit(later.id, {"status": "resolved"})
    on("2024-05-07").edit(later.id, {"closed_on": "2024-05-03"})
    return register


def test_the_dashboard_and_the_report_give_the_same_backlog_every_week(tmp_path: Path) -> None:
    register = register_with_a_story(tmp_path / "r")
    words = register.settings.vocabulary
    issues = register.listing().documents("issues")
    figures = compute(issues, [], words, TODAY, register.status_history())
    trend = gather(register, "internal", Period(None, TODAY), TODAY).trend

    weekly = dict(figures.backlog)
    resolved = dict(figures.resolved_per_week)
    assert [point.day for point in trend] == [week + timedelta(days=6) for week in weekly][-len(trend) :]
    assert [point.open for point in trend] == [weekly[week_of(point.day)] for point in trend]
    assert [point.closed for point in trend[1:]] == [resolved[week_of(point.day)] for point in trend[1:]]
    assert figures.backlog[-1][1] == figures.open_issues == 2


def test_an_issue_closed_and_reopened_leaves_the_dashboards_backlog_while_it_was_closed(
    tmp_path: Path,
) -> None:
    register = register_with_a_story(tmp_path / "r")
    figures = compute(
        register.listing().documents("issues"),
        [],
        register.settings.vocabulary,
        TODAY,
        register.status_history(),
    )
    weekly = dict(figures.backlog)
    # Week of 4 March: the first two issues and the one logged later as raised on the 5th.
    assert weekly[date(2024, 3, 4)] == 3
    # 11 March: the re-dated issue counts from its new raised date, the 12th.
    assert weekly[date(2024, 3, 11)] == 4
    # 18 March: the first is resolved on the 20th. 25 March: the late-logged one
    # closed on the 25th, and the second resolved on the 27th.
    assert weekly[date(2024, 3, 18)] == 3
    assert weekly[date(2024, 3, 25)] == 1
    # 8 April: the first reopened on the 10th. 15 April: the second on the 17th.
    assert weekly[date(2024, 4, 8)] == 2
    assert weekly[date(2024, 4, 15)] == 3
    # 22 April: one raised. 29 April: the first closed again on 1 May.
    assert weekly[date(2024, 4, 22)] == 4
    assert weekly[date(2024, 4, 29)] == 3
    # 6 May: the newest resolved on the 6th; re-dating its closing to the 3rd
    # afterwards changes no status, so both figures keep the day it changed.
    assert weekly[date(2024, 5, 6)] == 2
    assert weekly[date(2024, 5, 20)] == figures.open_issues == 2


def test_without_a_history_the_dashboard_counts_each_issue_from_its_dates() -> None:
    issue = {"id": "ISS-AAAAAA", "status": "closed", "raised_on": "2024-05-06", "closed_on": "2024-05-14"}
    figures = compute([issue], [], Vocabulary(), TODAY)
    assert figures.backlog == [(date(2024, 5, 6), 1), (date(2024, 5, 13), 0), (date(2024, 5, 20), 0)]
    assert figures.resolved_per_week == [
        (date(2024, 5, 6), 0),
        (date(2024, 5, 13), 1),
        (date(2024, 5, 20), 0),
    ]


def test_the_dashboard_screen_draws_the_backlog_from_the_registers_history(tmp_path: Path) -> None:
    register = register_with_a_story(tmp_path / "r")

    async def steps(app: App[None], pilot: Pilot[None]) -> None:
        drawn = app.screen.query_one("#backlog", Sparkline).data
        assert list(drawn or []) == [3, 4, 3, 1, 1, 2, 3, 4, 3, 2, 2, 2]

    drive(DashboardScreen(register, today=TODAY), steps)
