"""Snapshots of the main views at 80×24 and 160×48 (pytest-textual-snapshot).

The register is the fixed sample of tests/screenshots/make_screenshots.py (fixed
IDs, dates and authors) and the app counts ages from a fixed day, so the
pictures only change when the UI does. Update them with `--snapshot-update`
after checking the differences in the report.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from screenshots.make_screenshots import TODAY, sample_register
from textual.pilot import Pilot

from tracker.tui.app import Preferences, TrackerApp, build_app

SIZES = [(80, 24), (160, 48)]


def sample_app(tmp_path: Path) -> TrackerApp:
    return build_app(sample_register(tmp_path / "register"), today=TODAY, preferences=Preferences(None, {}))


async def loaded(pilot: Pilot[None]) -> None:
    """Wait for the workers, and stop cursors blinking so the picture is steady."""
    for _ in range(3):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
    for widget in pilot.app.screen.query("Input, TextArea"):
        widget.cursor_blink = False  # type: ignore[attr-defined]
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES, ids=lambda size: f"{size[0]}x{size[1]}")
def test_issues_register_view(snap_compare, tmp_path, size):
    assert snap_compare(sample_app(tmp_path), terminal_size=size, run_before=loaded)


@pytest.mark.parametrize("size", SIZES, ids=lambda size: f"{size[0]}x{size[1]}")
def test_record_view(snap_compare, tmp_path, size):
    async def open_record(pilot: Pilot[None]) -> None:
        await loaded(pilot)
        await pilot.press("G", "enter")
        await loaded(pilot)

    assert snap_compare(sample_app(tmp_path), terminal_size=size, run_before=open_record)


@pytest.mark.parametrize("size", SIZES, ids=lambda size: f"{size[0]}x{size[1]}")
def test_new_issue_form(snap_compare, tmp_path, size):
    async def open_form(pilot: Pilot[None]) -> None:
        await loaded(pilot)
        await pilot.press("n")
        await loaded(pilot)

    assert snap_compare(sample_app(tmp_path), terminal_size=size, run_before=open_form)


def test_lessons_register_view_with_a_filter(snap_compare, tmp_path):
    async def lessons(pilot: Pilot[None]) -> None:
        await loaded(pilot)
        await pilot.press("2", "slash", *"action:agreed")
        await loaded(pilot)

    assert snap_compare(sample_app(tmp_path), terminal_size=(80, 24), run_before=lessons)
