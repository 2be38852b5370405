"""No surprises: read-only commands never create or write a register; a failed
add names no ID; negated queries need no `--`; the README's `tracker list`
examples find something in the demo; a new register and an empty dashboard say
so plainly."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from conftest import run_tracker
from test_tui_flows import drive, issues_table, screen_lines, settle
from textual.pilot import Pilot

from tracker.locations import default_register
from tracker.register import Register
from tracker.tui.app import TrackerApp
from tracker.tui.screens.dashboard import drawn

README = Path(__file__).resolve().parents[1] / "README.md"


@pytest.mark.parametrize(
    "command", [["list"], ["show", "ISS-4K7Q2M"], ["history", "ISS-4K7Q2M"], ["log"], ["export"]]
)
def test_read_only_commands_outside_a_register_create_nothing(
    command: list[str], tmp_path: Path, no_identity: None
):
    result = run_tracker(*command, cwd=tmp_path)
    assert result.returncode == 1
    assert "no register here yet" in result.stderr and "creating" not in result.stderr
    assert result.stderr.count("\n") == 1
    assert not default_register().exists()
    assert list(tmp_path.iterdir()) == []


def test_a_failed_add_names_no_id_that_was_never_created(register: Register):
    result = run_tracker("--register", str(register.root), "add", "Receipts", "--target", "soon")
    assert result.returncode == 1
    assert "ISS-" not in result.stderr and "the new issue" in result.stderr
    assert register.documents("issue") == {}


def test_a_negated_query_works_without_a_double_dash(demo_register: Register):
    everything = run_tracker("--register", str(demo_register.root), "list", "--count")
    negated = run_tracker("--register", str(demo_register.root), "list", "-vulnerable:yes", "--count")
    vulnerable = run_tracker("--register", str(demo_register.root), "list", "vulnerable:yes", "--count")
    assert negated.returncode == 0, negated.stderr
    assert int(negated.stdout) + int(vulnerable.stdout) == int(everything.stdout)
    assert 0 < int(negated.stdout) < int(everything.stdout)


def readme_list_examples() -> list[list[str]]:
    blocks = re.findall(r"```sh\n(.*?)```", README.read_text(encoding="utf-8"), re.DOTALL)
    lines = [line.split("#")[0].strip() for block in blocks for line in block.splitlines()]
    return [shlex.split(line)[1:] for line in lines if line.startswith("tracker list")]


def test_every_tracker_list_example_in_the_readme_finds_something_in_the_demo(demo_register: Register):
    examples = readme_list_examples()
    assert len(examples) >= 3
    for arguments in examples:
        result = run_tracker("--register", str(demo_register.root), *arguments, "--count")
        assert result.returncode == 0, (arguments, result.stderr)
        assert int(result.stdout) > 0, arguments


def test_a_new_register_says_it_is_empty_and_how_to_add_not_that_nothing_matches(register: Register):
    async def steps(app: TrackerApp, pilot: Pilot[None]) -> None:
        text = "\n".join(screen_lines(app))
        assert "No issues yet" in text and "a adds one" in text and "No records match" not in text

    drive(register, steps)


def test_a_filter_that_finds_nothing_says_so_and_how_to_clear_it(register: Register):
    register.add("issue", title="One issue")

    async def steps(app: TrackerApp, pilot: Pilot[None]) -> None:
        await pilot.press("slash", *"zzz")
        await settle(app, pilot)
        assert issues_table(app).row_count == 0
        assert "No issues match (escape clears the filter)" in "\n".join(screen_lines(app))

    drive(register, steps)


def test_an_empty_dashboard_draws_no_full_height_bars():
    assert drawn([0, 0, 0]) == []
    assert drawn([0, 2, 1]) == [0, 2, 1]


def test_the_lessons_filter_suggests_terms_lessons_accept():
    from datetime import date

    from data.model import Vocabulary
    from data.query import parse
    from tracker.tui.screens.register_view import FILTER_HINTS

    for kind, hint in FILTER_HINTS.items():
        terms = [word for word in hint.split() if ":" in word and not word.endswith(":")]
        terms = [term for term in terms if term != "owner:me"]
        parse(" ".join(terms), kind, Vocabulary(), date(2026, 1, 1))  # raises if a term is not accepted
