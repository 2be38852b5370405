"""The terminal UI's main flows, driven by Textual's Pilot against real registers
in real git repositories: every change ends as one commit by the person at the
keyboard, problems are shown where they happen, and record text stays literal."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

from conftest import TEST_NAME, git, run_tracker
from textual.pilot import Pilot
from textual.widgets import Input, OptionList, TextArea
from textual.worker import WorkerFailed

from data.model import Issue, Lesson
from tracker.register import Register
from tracker.tui.app import Preferences, TrackerApp, build_app
from tracker.tui.screens.record import RecordScreen
from tracker.tui.screens.record_form import RecordForm, field_specs
from tracker.tui.screens.register_view import RegisterScreen
from widgets.filter_bar import FilterBar
from widgets.record_table import RecordTable

Steps = Callable[[TrackerApp, Pilot[None]], Awaitable[None]]
HOSTILE = "[red]x[/red] [link=https://evil.example]click[/link] [bold]b"


def drive(register: Register, steps: Steps, size: tuple[int, int] = (80, 24), **options: Any) -> None:
    """Run the app on `register` headless and apply `steps` once it has loaded."""

    async def main() -> None:
        app = build_app(register, preferences=Preferences(None, {}), **options)
        async with app.run_test(size=size) as pilot:
            await settle(app, pilot)
            await steps(app, pilot)

    asyncio.run(main())


async def settle(app: TrackerApp, pilot: Pilot[None]) -> None:
    """Wait until every worker has finished and its results are on screen."""
    for _ in range(3):
        with contextlib.suppress(WorkerFailed):  # failures are the app's to report, and tests check them
            await app.workers.wait_for_complete()
        await pilot.pause()


def commits(register: Register) -> int:
    return int(git(register.root, "rev-list", "--count", "HEAD"))


def issues_table(app: TrackerApp) -> RecordTable:
    screen = app.screen
    assert isinstance(screen, RegisterScreen)
    return screen.table("issue")


async def type_text(pilot: Pilot[None], text: str) -> None:
    await pilot.press(*["space" if char == " " else char for char in text])


def screen_lines(app: TrackerApp) -> list[str]:
    return ["".join(segment.text for segment in strip) for strip in app.screen._compositor.render_strips()]


# --- forms -----------------------------------------------------------------------------


def test_a_new_issue_made_in_the_form_is_one_commit_by_the_person_at_the_keyboard(register: Register):
    before = commits(register)

    async def steps(app: TrackerApp, pilot: Pilot[None]) -> None:
        await pilot.press("n")
        assert isinstance(app.screen, RecordForm)
        await type_text(pilot, "Receipts not allocated")
        app.screen.query_one("#input-severity").value = "critical"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, RegisterScreen)
        assert issues_table(app).row_count == 1
        record_id = issues_table(app).cursor_key
        assert record_id is not None and record_id.startswith("ISS-")

    drive(register, steps)
    assert commits(register) == before + 1
    assert git(register.root, "log", "-1", "--format=%an").strip() == TEST_NAME
    assert "Receipts not allocated" in git(register.root, "log", "-1", "--format=%s")
    [issue] = Register.open(register.root).documents("issue").values()
    assert (issue["title"], issue["severity"], issue["raised_by"]) == (
        "Receipts not allocated",
        "critical",
        TEST_NAME,
    )


def test_a_form_with_problems_shows_them_beside_the_fields_and_writes_nothing(register: Register):
    before = commits(register)

    async def steps(app: TrackerApp, pilot: Pilot[None]) -> None:
        await pilot.press("n")
        form = app.screen
        assert isinstance(form, RecordForm)
        form.query_one(
            "#input-target_date", Input
        ).value = "31/02/2025"  # 31/03/2025 is a date now (data.values)
        form.query_one("#input-cost_gbp", Input).value = "-5"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is form
        assert "must not be empty" in str(form.query_one("#error-title").content)
        assert "target_date" in str(form.query_one("#error-target_date").content)
        assert "cost_gbp" in str(form.query_one("#error-cost_gbp").content)
        assert form.query_one("#error-severity").has_class("-shown") is False

    drive(register, steps)
    assert commits(register) == before


def test_the_form_offers_every_field_of_the_model_but_the_ones_tracker_keeps():
    from data.model import Vocabulary

    for kind, model in (("issue", Issue), ("lesson", Lesson)):
        names = {spec.name for spec in field_specs(kind, Vocabulary())}  # type: ignore[arg-type]
        assert names == set(model.model_fields) - {"id", "updates", "created_at"}


def test_editing_a_record_commits_only_the_changed_field(demo_register: Register):
    async def steps(app: TrackerApp, pilot: Pilot[None]) -> None:
        record_id = issues_table(app).cursor_key
        await pilot.press("e")
        form = app.screen
        assert isinstance(form, RecordForm)
        form.query_one("#input-owner_role", Input).value = "Head of income"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, RegisterScreen)
        assert (
            app.snapshot is not None and app.snapshot.find(str(record_id))["owner_role"] == "Head of income"
        )

    drive(demo_register, steps)
    assert "owner role" in git(demo_register.root, "log", "-1", "--format=%s")
    assert git(demo_register.root, "show", "--stat", "--format=", "HEAD").count("|") == 1


def test_the_form_edits_the_whole_record_not_the_listing_the_table_shows(register: Register):
    issue = register.add_issue(
        title="Receipts unallocated", raised_by="Ann", description="Long story.\n\nTwo parts."
    )
    register.add_update(issue.id, "First note")

    async def steps(app: TrackerApp, pilot: Pilot[None]) -> None:
        assert app.snapshot is not None and "description" not in app.snapshot.find(issue.id)
        await pilot.press("e")
        form = app.screen
        assert isinstance(form, RecordForm)
        assert form.query_one("#input-description", TextArea).text == "Long story.\n\nTwo parts."
        form.query_one("#input-title", Input).value = "Receipts still unallocated"
        await pilot.press("ctrl+s")
        await settle(app, pilot)

    drive(register, steps)
    saved = Register.open(register.root).get(issue.id)
    assert saved.title == "Receipts still unallocated"
    assert saved.description == "Long story.\n\nTwo parts." and [u.text for u in saved.updates] == [
        "First note"
    ]


def test_a_filter_word_is_found_in_descriptions_and_updates(register: Register):
    register.add_issue(title="One", raised_by="Ann", description="The overnight BACS file was rejected.")
    second = register.add_issue(title="Two", raised_by="Ann")
    register.add_update(second.id, "Spoke to the bacs bureau")
    register.add_issue(title="Three", raised_by="Ann")

    async def steps(app: TrackerApp, pilot: Pilot[None]) -> None:
        await pilot.press("slash")
        await type_text(pilot, "bacs")
        await settle(app, pilot)
        assert issues_table(app).row_count == 2

    drive(register, steps)


def test_leaving_a_changed_form_asks_before_discarding(register: Register):
    async def steps(app: TrackerApp, pilot: Pilot[None]) -> None:
        await pilot.press("n")
        await type_text(pilot, "Half typed")
        await pilot.press("escape")
        await pilot.pause()
        assert "Discard" in "\n".join(screen_lines(app))
        await pilot.press("n")  # keep editing
        await pilot.pause()
        assert isinstance(app.screen, RecordForm)
        await pilot.press("escape", "y")
        await pilot.pause()
        assert isinstance(app.screen, RegisterScreen)

    before = commits(register)
    drive(register, steps)
    assert commits(register) == before


# --- the filter ----------------------------------------------------------------------------


def test_the_filter_narrows_as_you_type_explains_a_bad_query_and_clears(demo_register: Register):
    expected = len(demo_register.search("severity:critical", "issue"))
    total = len(demo_register.documents("issue"))

    async def steps(app: TrackerApp, pilot: Pilot[None]) -> None:
        table, bar = issues_table(app), app.screen.query_one("#filter-issue", FilterBar)
        await pilot.press("slash")
        await type_text(pilot, "severity:critical")
        await settle(app, pilot)
        assert 0 < table.row_count == expected < total
        assert bar.status == f"{expected:,} of {total:,}"
        await type_text(pilot, "x")
        await settle(app, pilot)
        assert bar.has_class("-error") and "severity" in bar.status and "criticalx" in bar.status
        assert bar.text == "severity:criticalx"
        assert table.row_count == expected
        await pilot.press("backspace", "escape")
        assert table.has_focus and table.row_count == expected
        await pilot.press("escape")
        await settle(app, pilot)
        assert bar.text == "" and table.row_count == total

    drive(demo_register, steps)


# --- quick actions ---------------------------------------------------------------------------


def test_changing_status_with_the_picker_is_one_commit(demo_register: Register):
    before = commits(demo_register)
    seen: dict[str, str] = {}

    async def steps(app: TrackerApp, pilot: Pilot[None]) -> None:
        record_id = str(issues_table(app).cursor_key)
        seen["id"] = record_id
        await pilot.press("s")
        options = app.screen.query_one(OptionList)
        options.highlighted = [option.id for option in options.options].index("resolved")
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.snapshot is not None and app.snapshot.find(record_id)["status"] == "resolved"
        assert issues_table(app).cursor_key == record_id

    drive(demo_register, steps)
    assert commits(demo_register) == before + 1
    message = git(demo_register.root, "log", "-1", "--format=%B")
    assert message.startswith(seen["id"]) and "→ resolved" in message


def test_an_update_added_from_the_record_view_is_one_commit(demo_register: Register):
    before = commits(demo_register)

    async def steps(app: TrackerApp, pilot: Pilot[None]) -> None:
        await pilot.press("enter")
        screen = app.screen
        assert isinstance(screen, RecordScreen)
        count = len(app.snapshot.record(screen.record_id)["updates"])  # type: ignore[union-attr]
        await pilot.press("u")
        app.screen.query_one(TextArea).text = "Called the bank; files resent."
        app.screen.query_one("#kind").value = "action"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        updates = app.snapshot.record(screen.record_id)["updates"]  # type: ignore[union-attr]
        assert len(updates) == count + 1
        assert (updates[-1]["text"], updates[-1]["kind"], updates[-1]["author"]) == (
            "Called the bank; files resent.",
            "action",
            TEST_NAME,
        )
        assert "Called the bank; files resent." in "\n".join(screen_lines(app))

    drive(demo_register, steps, size=(100, 60))
    assert commits(demo_register) == before + 1
    assert "action added" in git(demo_register.root, "log", "-1", "--format=%s")


def test_linking_an_issue_to_a_lesson_by_id_links_both_in_one_commit(demo_register: Register):
    lesson = next(iter(demo_register.documents("lesson")))
    before = commits(demo_register)

    async def steps(app: TrackerApp, pilot: Pilot[None]) -> None:
        issue = str(issues_table(app).cursor_key)
        await pilot.press("l")
        await type_text(pilot, lesson.lower())
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.snapshot is not None
        assert lesson in app.snapshot.find(issue)["lessons"]
        assert issue in app.snapshot.find(lesson)["issues"]

    drive(demo_register, steps)
    assert commits(demo_register) == before + 1
    assert git(demo_register.root, "log", "-1", "--format=%s").strip().endswith(f"linked to {lesson}")


def test_changing_visibility_is_one_commit(demo_register: Register):
    before = commits(demo_register)

    async def steps(app: TrackerApp, pilot: Pilot[None]) -> None:
        record_id = str(issues_table(app).cursor_key)
        await pilot.press("v")
        options = app.screen.query_one(OptionList)
        options.highlighted = [option.id for option in options.options].index("restricted")
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.snapshot is not None and app.snapshot.find(record_id)["visibility"] == "restricted"

    drive(demo_register, steps)
    assert commits(demo_register) == before + 1


# --- safety and other processes ----------------------------------------------------------------


def test_titles_holding_markup_show_as_typed_and_style_nothing(register: Register):
    register.add_issue(
        title=HOSTILE, description=f"{HOSTILE}\n\n![img](https://evil.example/x.png) <b>bold</b>"
    )

    def no_markup_styles(app: TrackerApp) -> None:
        for strip in app.screen._compositor.render_strips():
            for segment in strip:
                style = segment.style
                if style is not None and any(
                    word in segment.text for word in ("x[/red]", "click", "img", "<b>")
                ):
                    assert style.link is None and not style.italic and not style.underline
                    assert style.color is None or style.color.name != "red"

    async def steps(app: TrackerApp, pilot: Pilot[None]) -> None:
        assert any(HOSTILE in line for line in screen_lines(app))
        no_markup_styles(app)
        await pilot.press("enter")
        await pilot.pause()
        text = "\n".join(screen_lines(app))
        assert HOSTILE in text
        assert "![img](https://evil.example/x.png)" in text and "<b>bold</b>" in text
        no_markup_styles(app)

    drive(register, steps, size=(160, 48))


def test_a_commit_by_another_process_refreshes_the_view_and_keeps_the_cursor(demo_register: Register):
    async def steps(app: TrackerApp, pilot: Pilot[None]) -> None:
        table = issues_table(app)
        await pilot.press("j", "j")
        kept = table.cursor_key
        count = table.row_count
        result = run_tracker("--register", str(demo_register.root), "add", "From CLI")
        assert result.returncode == 0, result.stderr
        for _ in range(400):
            await pilot.pause(0.05)
            if table.row_count == count + 1:
                break
        await settle(app, pilot)
        assert table.row_count == count + 1
        assert table.cursor_key == kept
        assert any("From CLI" in line for line in screen_lines(app))

    demo = demo_register

    async def fast_watch(app: TrackerApp, pilot: Pilot[None]) -> None:
        await steps(app, pilot)

    async def main() -> None:
        app = build_app(demo, preferences=Preferences(None, {}))
        app.watch_seconds = 0.1
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(app, pilot)
            await fast_watch(app, pilot)

    asyncio.run(main())


# --- conventions -------------------------------------------------------------------------------


def test_every_binding_has_an_id_and_a_description(register: Register):
    from test_tui_help import our_classes_with_keys

    from tracker.tui.keys import APP_BINDINGS

    for bindings in [APP_BINDINGS, *(vars(cls)["BINDINGS"] for cls in our_classes_with_keys())]:
        for binding in bindings:
            assert binding.id and binding.description and binding.tooltip, binding


def test_the_help_screen_lists_every_binding_with_the_users_keys(register: Register):
    async def steps(app: TrackerApp, pilot: Pilot[None]) -> None:
        await pilot.press("question_mark")
        await pilot.pause()
        text = str(app.screen.query_one("#keys").content)
        # the keys of the screen help was opened over (the form's are in its own help)
        assert "register.new" in text and "record.status" in text
        assert "\n  N " in text

    async def main() -> None:
        app = build_app(register, preferences=Preferences(None, {"register.new": "N"}))
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(app, pilot)
            await steps(app, pilot)
            await pilot.press("escape", "N")
            await pilot.pause()
            assert isinstance(app.screen, RecordForm)

    asyncio.run(main())


def test_keys_and_theme_come_from_the_users_config_and_the_theme_is_remembered(register: Register):
    from tracker.tui.app import load_preferences, preferences_path

    path = preferences_path()
    path.parent.mkdir(parents=True)
    path.write_text('theme = "nord"\n[keys]\n"register.new" = "N"\n', encoding="utf-8")

    async def main() -> None:
        app = build_app(register)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(app, pilot)
            assert app.theme == "nord"
            await pilot.press("N")
            await pilot.pause()
            assert isinstance(app.screen, RecordForm)
            app.theme = "gruvbox"
            await pilot.pause()

    asyncio.run(main())
    assert load_preferences().theme == "gruvbox"
    assert load_preferences().keys == {"register.new": "N"}


def test_the_palette_offers_trackers_commands(register: Register):
    async def steps(app: TrackerApp, pilot: Pilot[None]) -> None:
        titles = [command.title for command in app.get_system_commands(app.screen)]
        for title in (
            "New",
            "Filter",
            "Status",
            "Update",
            "Link",
            "History",
            "Dashboard",
            "Export",
            "Import",
            "Sync",
        ):
            assert title in titles

    drive(register, steps)


def test_worker_failures_are_one_line_notifications(register: Register, tmp_path):
    async def steps(app: TrackerApp, pilot: Pilot[None]) -> None:
        app.change(lambda reg: reg.edit("ISS-000000", {"title": "x"}), "Saving")
        await settle(app, pilot)
        messages = [notification.message for notification in app._notifications]
        assert any(message == "ISS-000000: no such record in this register" for message in messages)

    drive(register, steps)


def test_the_sync_key_runs_sync_and_reports_a_missing_remote_in_the_status_bar(register: Register):
    from widgets.status_bar import StatusBar

    async def steps(app: TrackerApp, pilot: Pilot[None]) -> None:
        assert "no remote" in app.screen.query_one(StatusBar).text
        await pilot.press("S")
        await settle(app, pilot)
        messages = [notification.message for notification in app._notifications]
        assert any("no remote" in message for message in messages)
        assert app.sync_state.last_error is not None and "no remote" in app.screen.query_one(StatusBar).text

    drive(register, steps)


def test_ages_count_from_the_given_day(register: Register):
    register.add_issue(title="Old one", raised_on=date(2025, 1, 1))

    async def steps(app: TrackerApp, pilot: Pilot[None]) -> None:
        assert any(line.rstrip().endswith("30d") for line in screen_lines(app))

    drive(register, steps, today=date(2025, 1, 31))
