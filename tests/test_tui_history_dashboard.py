"""The history and dashboard screens, driven by Textual's Pilot from a small app
over real registers: a change made on the command line shows in the record's
history with who, field, from and to; record text and register words show
literally; the dashboard's counts are the register's."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import date

from conftest import TEST_NAME
from textual.app import App
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Sparkline
from textual.worker import WorkerFailed

from data.model import Vocabulary
from data.settings import RegisterSettings
from tracker.register import Register
from tracker.tui.screens.dashboard import DashboardScreen
from tracker.tui.screens.history import HistoryScreen
from widgets.charts import BarChart, bar_cells
from widgets.timeline import Timeline, TimelineEntry, lines_of

HOSTILE = "[red]x[/red] [link=https://evil.example]click[/link] \x1b[2J"
Steps = Callable[[App[None], Pilot[None]], Awaitable[None]]


class ScreenApp(App[None]):
    """Just enough app to push one screen over a blank one."""

    def __init__(self, screen: Screen[None]) -> None:
        super().__init__()
        self.first = screen

    def on_mount(self) -> None:
        self.push_screen(self.first)


def drive(screen: Screen[None], steps: Steps, size: tuple[int, int] = (80, 24)) -> None:
    async def main() -> None:
        app = ScreenApp(screen)
        async with app.run_test(size=size) as pilot:
            await settle(app, pilot)
            await steps(app, pilot)

    asyncio.run(main())


async def settle(app: App[None], pilot: Pilot[None]) -> None:
    """Wait for the screen's workers; a failed one is the screen's to report."""
    for _ in range(3):
        try:
            await app.workers.wait_for_complete()
        except WorkerFailed:
            pass
        await pilot.pause()


def screen_text(app: App[None]) -> str:
    return "\n".join(
        "".join(segment.text for segment in strip) for strip in app.screen._compositor.render_strips()
    )


# --- history ----------------------------------------------------------------------------


def test_history_shows_a_change_made_on_the_command_line_with_who_field_from_and_to(cli, register: Register):
    issue = register.add_issue(title="Receipts not allocated", severity="medium")
    result = cli("edit", issue.id, "--severity", "critical")
    assert result.returncode == 0, result.stderr

    async def steps(app: App[None], pilot: Pilot[None]) -> None:
        text = screen_text(app)
        assert "severity: medium → critical" in text
        assert TEST_NAME in text
        assert f"{issue.id}: severity medium → critical" in text
        assert "(2 changes)" in text
        entries = app.screen.query_one(Timeline).entries
        assert entries[0].details == ("severity: medium → critical",)
        assert entries[-1].details[0] == "created, with:"

    drive(HistoryScreen(register, issue.id), steps)


def test_history_shows_markup_and_escape_codes_in_titles_literally(register: Register):
    issue = register.add_issue(title=HOSTILE)
    register.edit(issue.id, {"title": HOSTILE + " again"})

    async def steps(app: App[None], pilot: Pilot[None]) -> None:
        shown = [segment for strip in app.screen._compositor.render_strips() for segment in strip]
        text = "".join(segment.text for segment in shown)
        assert "[red]x[/red]" in text and "[link=https://evil.example]click[/link]" in text
        assert "\x1b" not in text
        assert not any(segment.style and segment.style.link for segment in shown)

    drive(HistoryScreen(register, issue.id), steps, size=(160, 48))


def test_history_scrolls_with_the_keyboard_and_closes_with_escape_or_q(register: Register):
    issue = register.add_issue(title="Payroll overpayments")
    for number in range(12):
        register.add_update(issue.id, f"Progress note {number}")

    async def steps(app: App[None], pilot: Pilot[None]) -> None:
        timeline = app.screen.query_one(Timeline)
        assert timeline.has_focus and timeline.max_scroll_y > 0
        await pilot.press("pagedown")
        await pilot.pause()
        assert timeline.scroll_y > 0
        await pilot.press("G")
        assert timeline.scroll_y == timeline.max_scroll_y
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, HistoryScreen)
        app.push_screen(HistoryScreen(register, issue.id))
        await settle(app, pilot)
        await pilot.press("q")
        await pilot.pause()
        assert not isinstance(app.screen, HistoryScreen)

    drive(HistoryScreen(register, issue.id), steps)


def test_history_of_a_record_not_in_the_register_says_so(register: Register):
    async def steps(app: App[None], pilot: Pilot[None]) -> None:
        text = screen_text(app)
        assert "ISS-4K7Q2M" in text and "(no longer in the register)  (0 changes)" in text
        assert "No committed changes to this record yet." in text

    drive(HistoryScreen(register, "ISS-4K7Q2M"), steps)


def test_history_of_a_malformed_id_is_a_one_line_error_not_a_traceback(register: Register):
    async def steps(app: App[None], pilot: Pilot[None]) -> None:
        text = screen_text(app)
        assert "is not a record ID" in text
        assert "Traceback" not in text

    drive(HistoryScreen(register, "ISS-../../x"), steps)


# --- dashboard --------------------------------------------------------------------------

TODAY = date(2025, 6, 11)


def small_register(tmp_path, areas: list[str] | None = None) -> Register:
    words = Vocabulary(areas=areas) if areas else Vocabulary()
    register = Register.init(tmp_path / "small", settings=RegisterSettings(name="Small", vocabulary=words))
    area = words.areas[0]
    register.add_issue(title="A", severity="critical", area=area, raised_on="2025-06-10")
    register.add_issue(
        title="B", severity="critical", area=area, raised_on="2025-05-20", affects_vulnerable=True
    )
    register.add_issue(title="C", severity="low", area=words.areas[1], raised_on="2025-01-02")
    register.add_issue(
        title="D",
        severity="high",
        area=area,
        raised_on="2025-01-02",
        status="resolved",
        closed_on="2025-06-02",
    )
    register.add_lesson(title="L1", action_status="identified", area=area)
    register.add_lesson(title="L2", action_status="embedded", area=area)
    return register


def charts(app: App[None]) -> dict[str, list[tuple[str, float]]]:
    return {chart.id or "": chart.bars for chart in app.screen.query(BarChart)}


def test_the_dashboard_shows_the_registers_counts(tmp_path):
    register = small_register(tmp_path)

    async def steps(app: App[None], pilot: Pilot[None]) -> None:
        shown = charts(app)
        assert shown["by-severity"] == [("critical", 2), ("high", 0), ("medium", 0), ("low", 1)]
        assert shown["by-area"] == [("finance", 2), ("accounts receivable", 1)]
        assert shown["ageing"] == [("0–7 days", 1), ("8–30 days", 1), ("31–90 days", 0), ("90+ days", 1)]
        assert shown["lessons"] == [("identified", 1), ("agreed", 0), ("actioned", 0), ("embedded", 1)]
        assert app.screen.query_one("#backlog", Sparkline).data[-1] == 3
        assert sum(app.screen.query_one("#resolved", Sparkline).data or []) == 1
        text = screen_text(app)
        assert "3 open of 4 issues" in text and "2 critical" in text and "1 affecting vulnerable" in text

    drive(DashboardScreen(register, today=TODAY), steps)


def test_dashboard_area_names_with_markup_show_literally(tmp_path):
    register = small_register(tmp_path, areas=["[b]finance[/b]", "payroll [link=x]y[/link]"])

    async def steps(app: App[None], pilot: Pilot[None]) -> None:
        text = screen_text(app)
        assert "[b]finance[/b]" in text
        assert "payroll [link=x]y[/link]" in text

    drive(DashboardScreen(register, today=TODAY), steps, size=(160, 48))


def test_the_dashboard_scrolls_at_80_by_24_and_sets_panels_side_by_side_when_wide(tmp_path):
    register = small_register(tmp_path)

    async def narrow(app: App[None], pilot: Pilot[None]) -> None:
        assert app.screen.has_class("-narrow")
        body = app.screen.query_one("#dashboard-body")
        assert body.max_scroll_y > 0
        await pilot.press("pagedown")
        await pilot.pause()
        assert body.scroll_y > 0
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, DashboardScreen)

    async def wide(app: App[None], pilot: Pilot[None]) -> None:
        assert app.screen.has_class("-wide")
        severity, area = app.screen.query_one("#by-severity"), app.screen.query_one("#by-area")
        assert severity.region.y == area.region.y and severity.region.x < area.region.x

    drive(DashboardScreen(register, today=TODAY), narrow, size=(80, 24))
    drive(DashboardScreen(register, today=TODAY), wide, size=(160, 48))


# --- the widgets ------------------------------------------------------------------------


def test_timeline_wraps_details_under_a_hanging_indent_and_shows_control_characters():
    entry = TimelineEntry("2025-06-11 09:00", "Priya\x1b[31m Nair", "abc  ISS-4K7Q2M: edit", ("word " * 30,))
    lines = ["".join(text for text, _ in line) for line in lines_of([entry], "none", 40)]
    assert lines[0] == "2025-06-11 09:00  Priya\N{REPLACEMENT CHARACTER}[31m Nair"
    assert lines[1] == "     abc  ISS-4K7Q2M: edit"
    assert lines[2].startswith("   • word")
    assert all(line.startswith("     word") for line in lines[3:])
    assert all(len(line) <= 40 for line in lines)


def test_bar_lengths_are_proportional_in_eighths_of_a_cell():
    assert bar_cells(10, 10, 8) == "█" * 8
    assert bar_cells(5, 10, 8) == "█" * 4
    assert bar_cells(1, 100, 8) == "▏", "anything above zero shows"
    assert bar_cells(0, 10, 8) == ""


def test_a_bar_chart_line_fits_its_width_and_keeps_its_label_literal():
    async def main() -> None:
        class ChartApp(App[None]):
            def compose(self):
                yield BarChart([("[b]payroll[/b]", 3), ("finance", 12)], id="chart")

        app = ChartApp()
        async with app.run_test(size=(50, 5)) as pilot:
            await pilot.pause()
            text = screen_text(app)
            assert "[b]payroll[/b]" in text and text.splitlines()[1].rstrip().endswith("12")
            assert all(len(line) <= 50 for line in text.splitlines())

    asyncio.run(main())
