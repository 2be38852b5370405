"""Quick add: one line, a title then query-style fields, completed as it is
typed, saved as one commit."""

from __future__ import annotations

import asyncio
from pathlib import Path

from conftest import git
from test_tui_typing import drive_slowly, type_at_full_speed, until_quiet
from textual.pilot import Pilot

from data.model import Vocabulary
from data.settings import RegisterSettings
from tracker.register import Register
from tracker.tui.app import TrackerApp
from tracker.tui.quick_entry import QuickSuggester, Words, read_line
from tracker.tui.screens.record_form import RecordForm
from tracker.tui.screens.register_view import RegisterScreen

WORDS = Words("issue", Vocabulary(), ("Priya Nair", "Tom Bell"), {"Priya Nair": "Finance lead"})


def test_a_quick_line_is_a_title_then_fields_in_the_query_language():
    entry = read_line("Receipts rejected severity:high area:fin owner:priya target:2026-06-30", WORDS)
    assert entry.problems == []
    assert entry.fields == {
        "title": "Receipts rejected",
        "severity": "high",
        "area": "finance",
        "owner": "Priya Nair",
        "owner_role": "Finance lead",
        "target_date": "2026-06-30",
    }


def test_a_quick_line_takes_quoted_values_flags_and_tags():
    entry = read_line('Pay run late vulnerable:yes tags:payroll,pensions role:"Head of pay"', WORDS)
    assert entry.fields == {
        "title": "Pay run late",
        "affects_vulnerable": True,
        "tags": ["payroll", "pensions"],
        "owner_role": "Head of pay",
    }


def test_a_quick_line_names_a_word_the_register_does_not_have_and_needs_a_title():
    entry = read_line("severity:enormous", WORDS)
    assert "severity: 'enormous' is not one of critical, high, medium, low" in entry.problems
    assert any(problem.startswith("title:") for problem in entry.problems)


def test_completion_offers_field_names_then_their_words_then_people():
    suggest = QuickSuggester(WORDS)

    def completed(value: str) -> str | None:
        return asyncio.run(suggest.get_suggestion(value))

    assert completed("Receipts sev") == "Receipts severity:"
    assert completed("Receipts severity:cr") == "Receipts severity:critical"
    assert completed("Receipts ow") == "Receipts owner:"  # owner_role starts with owner too
    assert completed("Receipts s") is None  # severity, status, statutory…
    assert completed("Receipts owner:pri") == "Receipts owner:priya"
    assert completed('Receipts owner:"pri') == 'Receipts owner:"priya Nair"'
    assert completed("Receipts") is None  # title words are left alone


def test_quick_add_saves_one_commit_from_keys_typed_at_full_speed(tmp_path: Path):
    register = Register.init(tmp_path / "r", settings=RegisterSettings(people={"Priya Nair": "Finance lead"}))
    before = int(git(register.root, "rev-list", "--count", "HEAD"))
    keys = ["a", *"Receipts rejected sev".replace(" ", "\0"), "tab", "h", "tab"]
    keys += ["\0", *"area:fin", "tab", "\0", *"owner:pri", "tab", "enter"]

    async def steps(app: TrackerApp, pilot: Pilot[None]) -> None:
        type_at_full_speed(app, ["space" if key == "\0" else key for key in keys])
        await until_quiet(app, pilot)
        assert isinstance(app.screen, RegisterScreen)
        assert app.screen.table("issue").cursor_key is not None

    drive_slowly(register, steps)
    assert int(git(register.root, "rev-list", "--count", "HEAD")) == before + 1
    [issue] = Register.open(register.root).documents("issue").values()
    assert (issue["title"], issue["severity"], issue["area"], issue["owner"], issue["owner_role"]) == (
        "Receipts rejected",
        "high",
        "finance",
        "Priya Nair",
        "Finance lead",
    )


def test_quick_add_carries_the_line_over_to_the_full_form(register: Register):
    async def steps(app: TrackerApp, pilot: Pilot[None]) -> None:
        await pilot.press("a", *"Payroll", "space", *"severity:critical", "ctrl+o")
        await until_quiet(app, pilot)
        form = app.screen
        assert isinstance(form, RecordForm)
        assert (form.values()["title"], form.values()["severity"]) == ("Payroll", "critical")

    drive_slowly(register, steps)
