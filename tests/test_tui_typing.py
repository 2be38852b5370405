"""Keys typed faster than the app handles them: every key lands where the key
before it left the focus, however slow the app is (Tab, Escape and the keys that
open and close screens and menus included)."""

from __future__ import annotations

import asyncio
import contextlib
import time
import unicodedata
from collections.abc import Iterable
from datetime import date
from typing import Any

import pytest
from conftest import git
from textual import events
from textual.keys import REPLACED_KEYS, _character_to_key, _get_unicode_name_from_key
from textual.message import Message
from textual.pilot import Pilot

from data.ids import Kind
from data.kinds import KINDS
from tracker.register import Register
from tracker.tui.app import Preferences, TrackerApp, build_app
from tracker.tui.screens.record_form import FieldSpec, RecordForm, field_specs
from tracker.tui.screens.register_view import RegisterScreen


def key_event(key: str) -> events.Key:
    """The event a terminal sends for `key` (a key name or one character)."""
    if len(key) == 1 and not key.isalnum():
        key = _character_to_key(key)
    try:
        character: str | None = unicodedata.lookup(_get_unicode_name_from_key(REPLACED_KEYS.get(key, key)))
    except KeyError:
        character = key if len(key) == 1 else None
    return events.Key(key, character)


def type_at_full_speed(app: TrackerApp, keys: Iterable[str]) -> None:
    """Every key arrives before the app has handled the first: a fast typist
    on a busy machine, at the limit."""
    for key in keys:
        app.post_message(key_event(key))


def slowly(message: Message) -> None:
    """An artificially slow event loop: every message takes a while to handle."""
    time.sleep(0.0005)


async def until_quiet(app: TrackerApp, pilot: Pilot[None]) -> None:
    """Wait until the keys typed ahead have all been handled (the app holds them
    while an earlier key is still on its way) and every worker has finished."""
    await pilot.press("wait:0")
    for _ in range(200):
        await pilot.pause()
        await app.workers.wait_for_complete()
        if not app.keys_waiting():
            break
    await pilot.pause()


def drive_slowly(register: Register, steps: Any, size: tuple[int, int] = (100, 40)) -> None:
    async def main() -> None:
        app = build_app(register, preferences=Preferences(None, {}), today=date(2026, 5, 4))
        async with app.run_test(size=size, message_hook=slowly) as pilot:
            await until_quiet(app, pilot)
            await steps(app, pilot)

    asyncio.run(main())


def keys_for(spec: FieldSpec, index: int) -> tuple[list[str], Any]:
    """The keys that fill one field of the form, and the value they give it."""
    if spec.input in ("line", "markdown"):
        text = f"{spec.name} {index}"
        return [*text.replace(" ", "\0")], text
    if spec.input == "date":
        text = f"2026-07-{index:02d}"
        return ["ctrl+u", *text], text
    if spec.input == "number":
        return [*str(1000 + index)], str(1000 + index)
    if spec.input == "list" and spec.name == "tags":
        return [*"t1,t2"], ["t1", "t2"]
    if spec.input == "list":
        return [], []
    if spec.input == "bool":
        return ["space"], True
    # a menu: open it, move one down from the top (a blank, where allowed), take it
    return ["enter", "home", "down", "enter"], spec.choices[0] if spec.optional else spec.choices[1]


def filling_keys(specs: list[FieldSpec], skip: set[str]) -> tuple[list[str], dict[str, Any]]:
    keys: list[str] = []
    expected: dict[str, Any] = {}
    for index, spec in enumerate(specs, start=1):
        if spec.name in skip:
            keys.append("tab")
            continue
        typed, value = keys_for(spec, index)
        keys += [("space" if key == "\0" else key) for key in typed]
        keys.append("tab")
        expected[spec.name] = value
    return keys, expected


@pytest.mark.parametrize(("kind", "switch"), [("issue", "1"), ("lesson", "2")])
def test_every_field_gets_exactly_what_was_typed_into_it_at_full_speed(
    register: Register, kind: Kind, switch: str
):
    """From `n` to `ctrl+s` in one burst: each key lands in the field the Tab
    before it moved to, the menus open and close in turn, and the saved record
    holds every value."""
    specs = field_specs(kind, register.settings.vocabulary)
    skip = {"closed_on", "raised_by", "logged_by"}
    keys, expected = filling_keys(specs, skip)
    seen: dict[str, Any] = {}

    async def steps(app: TrackerApp, pilot: Pilot[None]) -> None:
        type_at_full_speed(app, [switch, "n", *keys])
        await until_quiet(app, pilot)
        form = app.screen
        assert isinstance(form, RecordForm)
        seen.update(form.values())
        assert {name: seen[name] for name in expected} == expected
        type_at_full_speed(app, ["ctrl+s"])
        await until_quiet(app, pilot)
        assert isinstance(app.screen, RegisterScreen)

    drive_slowly(register, steps)
    [record] = Register.open(register.root).documents(kind).values()
    long_text = KINDS[kind].main_text
    assert (record["title"], record[long_text]) == (expected["title"], expected[long_text])
    if kind == "issue":
        assert record["target_date"] == expected["target_date"]
    assert "1 file changed" in git(register.root, "show", "--stat", "--format=", "HEAD")


def test_escape_and_the_keys_after_it_land_in_order_under_load(register: Register):
    """A form abandoned, its question answered, a menu opened and closed and a
    second form saved, all typed before the app has caught up: only the second
    record is saved, with the title typed into it."""
    burst = [
        "n",
        *"Half",
        "escape",  # asks: discard?
        "y",
        "n",
        *"Second",
        "tab",
        "tab",
        "enter",  # opens the severity menu…
        "escape",  # …and closes only the menu
        "ctrl+s",
    ]

    async def steps(app: TrackerApp, pilot: Pilot[None]) -> None:
        type_at_full_speed(app, burst)
        await until_quiet(app, pilot)
        assert isinstance(app.screen, RegisterScreen)

    drive_slowly(register, steps)
    [issue] = Register.open(register.root).documents("issue").values()
    assert issue["title"] == "Second"


def test_ctrl_e_in_a_long_text_opens_the_editor_and_stays_end_of_line_elsewhere(
    register: Register, monkeypatch: Any
):
    monkeypatch.setenv("VISUAL", 'sh -c \'printf "From the editor" > "$1"\' sh')

    async def steps(app: TrackerApp, pilot: Pilot[None]) -> None:
        monkeypatch.setattr(type(app), "suspend", lambda self: contextlib.nullcontext())
        await pilot.press("n", *"Title", "home", "ctrl+e", "X")
        form = app.screen
        assert isinstance(form, RecordForm)
        assert form.values()["title"] == "TitleX"  # ctrl+e: end of the line
        await pilot.press("ctrl+t")  # the first long text, one key away
        assert form.focused is form.query_one("#input-description")
        await pilot.press("ctrl+e")
        assert form.values()["description"] == "From the editor"

    drive_slowly(register, steps)


def test_choosing_an_owner_fills_their_role_from_the_people_list(tmp_path: Any):
    from data.settings import RegisterSettings

    register = Register.init(tmp_path / "r", settings=RegisterSettings(people={"Priya Nair": "Finance lead"}))

    async def steps(app: TrackerApp, pilot: Pilot[None]) -> None:
        await pilot.press("n")
        form = app.screen
        assert isinstance(form, RecordForm)
        form.query_one("#input-owner").focus()
        await pilot.press(*"pri", "right")  # completed from the people list
        assert form.values()["owner"] == "Priya Nair"
        assert form.values()["owner_role"] == "Finance lead"

    drive_slowly(register, steps)


def test_an_empty_update_says_why_it_was_not_added(demo_register: Register):
    async def steps(app: TrackerApp, pilot: Pilot[None]) -> None:
        await pilot.press("u", "ctrl+s")
        problem = app.screen.query_one("#problem")
        assert problem.display and "must not be empty" in str(problem.render())

    drive_slowly(demo_register, steps)


def test_a_full_issue_takes_thirteen_keys_besides_its_title_and_description(tmp_path: Any):
    from data.settings import RegisterSettings

    register = Register.init(tmp_path / "r", settings=RegisterSettings(people={"Priya Nair": "Finance lead"}))
    register.add("issue", title="Earlier", owner="Priya Nair")
    keys = ["n", *"Receipts", "tab", *"Bank", "tab", "enter", "up", "enter"]  # severity: high
    keys += ["tab", "tab", *"pri", "right", "ctrl+s"]  # area: the first; owner completed, role filled
    assert len(keys) - len("Receipts") - len("Bank") == 13

    async def steps(app: TrackerApp, pilot: Pilot[None]) -> None:
        type_at_full_speed(app, keys)
        await until_quiet(app, pilot)
        assert isinstance(app.screen, RegisterScreen)

    drive_slowly(register, steps)
    saved = [d for d in Register.open(register.root).documents("issue").values() if d["title"] == "Receipts"]
    assert [(d["description"], d["severity"], d["owner"], d["owner_role"]) for d in saved] == [
        ("Bank", "high", "Priya Nair", "Finance lead")
    ]
