"""The checks under the model: each kind of value, assignment, nesting, unknown fields."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from data.model import Issue, Lesson, Vocabulary, problems
from data.settings import RegisterSettings
from data.text import clean_line, clean_text
from data.validation import ValidationError, amount, day, flag, moment


def lines_of(build) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        build()
    return problems(caught.value)


@pytest.mark.parametrize(
    ("given", "read"), [(True, True), ("yes", True), ("No", False), (0, False), ("on", True)]
)
def test_flags_accept_the_words_people_use(given, read):
    assert flag(given) is read


@pytest.mark.parametrize("given", ["maybe", 2, None, 1.5])
def test_anything_else_is_not_a_flag(given):
    with pytest.raises(ValueError, match="must be true or false"):
        flag(given)


def test_dates_and_times():
    assert day("2025-03-31") == date(2025, 3, 31)
    assert day(datetime(2025, 3, 31)) == date(2025, 3, 31)
    assert moment("2025-03-31T09:30:00Z") == datetime(2025, 3, 31, 9, 30, tzinfo=UTC)
    assert moment("2025-03-31T09:30:00").tzinfo is UTC
    assert day("31/03/2025") == day("31 Mar 2025") == date(2025, 3, 31)  # the one reading: data.values
    for bad in ("31/02/2025", "2025-02-30", 20250331):
        with pytest.raises(ValueError, match="valid date like 2025-03-31"):
            day(bad)
    with pytest.raises(ValueError, match="year in full"):
        day("31/03/25")
    with pytest.raises(ValueError, match="must be a date without a time"):
        day(datetime(2025, 3, 31, 9, 30))


def test_amounts_are_bounded_numbers():
    check = amount(0, 100)
    assert check("12.5") == 12.5 and check(7) == 7.0
    for bad in (-1, 101, float("nan"), "lots", True):
        with pytest.raises(ValueError):
            check(bad)


def test_problems_in_updates_name_the_update_and_field():
    lines = lines_of(
        lambda: Issue(
            title="x",
            raised_by="Ann",
            updates=[{"author": "Ann", "text": "ok"}, {"author": "", "text": "x", "kind": "?"}],
        )
    )
    assert lines == [
        "updates.1.author: must not be empty",
        "updates.1.kind: must be one of comment, decision, action, conflict (not '?')",
    ]


def test_missing_required_fields_are_named():
    assert lines_of(lambda: Lesson(title="x")) == ["logged_by: is required"]


def test_assignment_is_checked_and_leaves_the_record_as_it_was():
    issue = Issue(title="x", raised_by="Ann")
    with pytest.raises(ValidationError):
        issue.closed_on = "soon"  # type: ignore[assignment]
    assert issue.closed_on is None
    issue.closed_on = "2025-04-01"  # type: ignore[assignment]
    assert issue.closed_on == date(2025, 4, 1)


def test_unknown_settings_are_refused_by_name_but_unknown_record_fields_kept():
    assert lines_of(lambda: RegisterSettings.model_validate({"nmae": "x"})) == [
        "nmae: is not a known setting"
    ]
    assert lines_of(lambda: RegisterSettings.model_validate({"vocabulary": {"statuses": []}})) == [
        "vocabulary.statuses: must list at least one word"
    ]
    assert Issue.model_validate({"title": "x", "raised_by": "A", "later": 1}).model_dump()["later"] == 1


def test_vocabulary_words_are_normalised_and_unique():
    assert Vocabulary(areas=["  Payroll ", "HR"]).areas == ["payroll", "hr"]
    assert lines_of(lambda: Vocabulary(areas=["hr", "HR"])) == ["areas: lists a word twice"]


def test_a_record_that_is_not_a_table_is_refused():
    assert lines_of(lambda: Issue.model_validate(["x"])) == ["record: must be a table of fields, not list"]


def test_json_dump_writes_times_as_utc_text():
    issue = Issue(title="x", raised_by="Ann", created_at="2025-03-31T09:30:00+00:00", raised_on="2025-03-31")
    dumped = issue.model_dump(mode="json")
    assert dumped["created_at"] == "2025-03-31T09:30:00Z" and dumped["raised_on"] == "2025-03-31"


_SPACES_AND_CONTROLS = "ab \t\n\r\x00\x1b\x7f\x85\u00a0\u2028\u202e\u2066\u3000é"


@given(st.text(alphabet=_SPACES_AND_CONTROLS, max_size=12))
def test_clean_line_takes_its_shortcut_only_when_the_text_is_already_clean(text):
    import re

    control = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]+")
    assert clean_line(text) == " ".join(control.sub(" ", text).split())


@given(st.text(alphabet=_SPACES_AND_CONTROLS + "\ud800", max_size=12))
def test_clean_text_takes_its_shortcut_only_when_the_text_is_already_clean(text):
    import re

    unsafe = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
    assert clean_text(text) == unsafe.sub("", text.replace("\r\n", "\n").replace("\r", "\n")).strip("\n")
