"""Triage at speed: mark several rows and change them all in one commit; saved
views; resolve and reopen say so in their commits."""

from __future__ import annotations

import asyncio
from pathlib import Path

from conftest import TEST_NAME, git
from test_tui_flows import commits, drive, issues_table, settle
from test_tui_typing import type_at_full_speed, until_quiet
from textual.pilot import Pilot
from textual.widgets import Input

from tracker.register import Register
from tracker.tui.app import Preferences, TrackerApp, build_app, load_preferences
from tracker.tui.views import SavedView, resolve_me
from widgets.record_table import RecordTable


def test_edit_many_changes_every_record_in_one_commit(demo_register: Register):
    ids = list(demo_register.documents("issue"))[:3]
    before = commits(demo_register)
    changed = demo_register.edit_many(ids, {"area": "payroll", "severity": "low"}, action="triage")
    assert commits(demo_register) == before + 1
    assert {record.id for record in changed} <= set(ids)
    reopened = Register.open(demo_register.root)
    for record_id in ids:
        assert (reopened.get(record_id).area, reopened.get(record_id).severity) == ("payroll", "low")
    message = git(demo_register.root, "log", "-1", "--format=%B")
    assert message.startswith(f"{len(changed)} issues: area → payroll, severity → low")
    assert all(f"Tracker-Record: {record.id}" in message for record in changed)


def test_resolving_and_reopening_say_so_in_the_commit_subject(register: Register):
    issue = register.add("issue", title="Receipts not allocated")
    register.edit(issue.id, {"status": "resolved"}, action="status")
    assert git(register.root, "log", "-1", "--format=%s").startswith(f"{issue.id}: resolved, status new")
    register.edit(issue.id, {"status": "open"}, action="status")
    assert git(register.root, "log", "-1", "--format=%s").startswith(f"{issue.id}: reopened, status resolved")


def test_five_issues_marked_with_space_get_a_new_status_in_one_commit_of_eight_keys(
    demo_register: Register,
):
    before = commits(demo_register)
    marked: list[str] = []

    async def steps(app: TrackerApp, pilot: Pilot[None]) -> None:
        table = issues_table(app)
        app.screen.filter_bar("issue").query_one(Input).value = "-status:resolved,closed"  # type: ignore[attr-defined]
        await settle(app, pilot)
        keys = ["space"] * 5 + ["s", "r", "enter"]  # mark five; status; resolved
        type_at_full_speed(app, keys[:5])
        await until_quiet(app, pilot)
        marked.extend(table.marked_keys)
        assert len(marked) == 5
        type_at_full_speed(app, keys[5:])
        await until_quiet(app, pilot)
        await settle(app, pilot)
        assert app.snapshot is not None
        assert {app.snapshot.find(record_id)["status"] for record_id in marked} == {"resolved"}  # type: ignore[index]
        assert table.marked_keys == []

    drive(demo_register, steps, size=(120, 40))
    assert commits(demo_register) == before + 1
    assert git(demo_register.root, "log", "-1", "--format=%s").startswith("5 issues: status → resolved")


def test_shift_arrows_and_ctrl_click_mark_rows_and_c_changes_any_triage_field(demo_register: Register):
    demo_register.add("issue", title="Owned by a newcomer", owner="Zara Quinn", raised_on="2020-01-01")
    before = commits(demo_register)

    async def steps(app: TrackerApp, pilot: Pilot[None]) -> None:
        table = issues_table(app)
        await pilot.press("shift+down", "shift+down")
        assert len(table.marked_keys) == 3
        await pilot.click(RecordTable, offset=(3, 6), control=True)
        assert len(table.marked_keys) == 4
        await pilot.press("c", "o", "enter")  # change which field? owner
        await pilot.press("z", "enter")  # a new owner for all four
        await settle(app, pilot)
        await pilot.press("escape")

    drive(demo_register, steps, size=(120, 40))
    assert commits(demo_register) == before + 1
    assert git(demo_register.root, "log", "-1", "--format=%s").startswith("4 issues: owner → Zara Quinn")


def test_escape_unmarks_before_it_clears_the_filter(demo_register: Register):
    async def steps(app: TrackerApp, pilot: Pilot[None]) -> None:
        table = issues_table(app)
        await pilot.press("space", "space")
        assert len(table.marked_keys) == 2
        await pilot.press("escape")
        assert table.marked_keys == []

    drive(demo_register, steps)


def test_saved_views_come_from_the_config_and_owner_me_is_the_person_at_the_keyboard(
    register: Register, tmp_path: Path
):
    register.add("issue", title="Mine", owner=TEST_NAME)
    register.add("issue", title="Someone else's", owner="Priya Nair")
    from tracker.tui.app import preferences_path

    path = preferences_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        '[views]\nall = "status:new"\nmine = { query = "owner:me", key = "m" }\n', encoding="utf-8"
    )
    preferences = load_preferences()
    assert preferences.views == (SavedView("all", "status:new"), SavedView("mine", "owner:me", "m"))

    async def main() -> None:
        app = build_app(register, preferences=preferences)
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(app, pilot)
            assert issues_table(app).row_count == 2
            await pilot.press("m")
            await settle(app, pilot)
            table = issues_table(app)
            assert table.row_count == 1
            assert app.snapshot is not None and app.snapshot.find(str(table.cursor_key))["title"] == "Mine"  # type: ignore[index]
            await pilot.press("f1")
            await pilot.pause()
            assert "View: mine" in str(app.screen.query_one("#keys").content)

    asyncio.run(main())


def test_owner_me_becomes_the_quoted_name_and_nothing_else_changes():
    assert resolve_me("owner:me -by:me status:open me", "Ann Example") == (
        'owner:"Ann Example" -by:"Ann Example" status:open me'
    )
    assert resolve_me("owner:me", None) == "owner:me"
    assert Preferences(None, {}).views == ()
