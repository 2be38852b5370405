"""Readable at 80 columns and beyond: the title gets the space first, columns
give way by priority, wide screens show every column whole; the record pages."""

from __future__ import annotations

from test_tui_flows import drive, issues_table, screen_lines
from textual.pilot import Pilot

from tracker.register import Register
from tracker.tui.app import TrackerApp
from tracker.tui.screens.record import RecordScreen
from tracker.tui.snapshot import ISSUE_COLUMNS
from widgets.record_table import layout_widths
from widgets.record_view import RecordView


def shown(width: int) -> dict[str, int]:
    return {c.key: w for c, w in zip(ISSUE_COLUMNS, layout_widths(ISSUE_COLUMNS, width), strict=True) if w}


def test_at_80_columns_the_title_gets_the_room_and_owner_and_area_give_way():
    at_80 = shown(78)
    assert at_80["title"] >= 30
    assert {"id", "title", "status", "severity", "age"} <= set(at_80)
    assert "owner" not in at_80 and "area" not in at_80


def test_wide_screens_show_more_columns_each_whole():
    narrow, wide = shown(118), shown(198)
    assert set(narrow) < set(wide)
    assert {"target_date", "priority", "visibility"} <= set(wide)
    assert all(
        width == column.width for column in ISSUE_COLUMNS if (width := wide.get(column.key)) and column.width
    )


def test_at_200_columns_no_status_area_or_owner_is_cut(demo_register: Register):
    async def steps(app: TrackerApp, pilot: Pilot[None]) -> None:
        table = issues_table(app)
        lines = screen_lines(app)
        header = next(line for line in lines if " Title" in line and " Status" in line)
        for label in ("Status", "Area", "Owner", "Target", "Priority", "Visibility"):
            assert label in header
        assert table.row_count > 0
        body = "\n".join(lines)
        for record_id in list(app.snapshot.documents["issue"])[:20]:  # type: ignore[union-attr]
            document = app.snapshot.find(record_id)  # type: ignore[union-attr]
            row = next((line for line in body.splitlines() if record_id in line), None)
            if row is not None:
                for name in ("status", "area", "owner"):
                    assert (document[name] or "") in row, (name, document[name])  # type: ignore[index]

    drive(demo_register, steps, size=(200, 50))


def test_the_record_pages_with_pagedown_space_pageup_and_end(demo_register: Register):
    async def steps(app: TrackerApp, pilot: Pilot[None]) -> None:
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, RecordScreen)
        view = app.screen.query_one(RecordView)
        assert view.max_scroll_y > 0
        await pilot.press("pagedown")
        first = view.scroll_y
        assert first > 0
        await pilot.press("space")
        assert view.scroll_y > first or view.scroll_y == view.max_scroll_y
        await pilot.press("pageup")
        assert view.scroll_y < max(first * 2, view.max_scroll_y)
        await pilot.press("end")
        assert view.scroll_y == view.max_scroll_y
        await pilot.press("home")
        assert view.scroll_y == 0

    drive(demo_register, steps, size=(80, 16))
