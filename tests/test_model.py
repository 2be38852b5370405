"""The model: what a valid issue or lesson is, and how bad input is explained."""

from __future__ import annotations

import pytest

from data.ids import CROCKFORD, is_record_id, new_id, normalise_id
from data.model import (
    Issue,
    Lesson,
    Update,
    Vocabulary,
    from_document,
    problems,
    to_document,
    vocabulary_problems,
)
from data.validation import ValidationError


def test_new_ids_are_crockford_base32_and_match_the_pattern():
    for _ in range(200):
        record_id = new_id("ISS")
        assert is_record_id(record_id)
        assert set(record_id[4:]) <= set(CROCKFORD)


def test_ids_typed_by_people_are_normalised():
    assert normalise_id(" iss-4k7q2m ") == "ISS-4K7Q2M"
    assert normalise_id("ISS-OIL123") == "ISS-011123"


@pytest.mark.parametrize(
    "text",
    [
        "../../etc/passwd",
        "ISS-4K7Q2",
        "ISS-4K7Q2MM",
        "ISS-4K7Q2U",
        "XYZ-4K7Q2M",
        "ISS-4K/Q2M",
        "ISS-4K7Q2M/../x",
        "",
    ],
)
def test_hostile_or_malformed_ids_are_not_record_ids(text):
    assert not is_record_id(normalise_id(text))


def test_every_problem_is_one_line_naming_its_field():
    with pytest.raises(ValidationError) as caught:
        Issue(title="", raised_by="Ann", severity=3, cost_gbp=-5, lessons=["ISS-4K7Q2M"], visibility="secret")
    lines = problems(caught.value)
    fields = [line.split(":")[0] for line in lines]
    assert sorted(fields) == ["cost_gbp", "lessons", "severity", "title", "visibility"]
    assert all("\n" not in line for line in lines)


def test_titles_are_one_line_without_control_characters():
    issue = Issue(title="Receipts\nnot\r\n\x1b[31mallocated\x07", raised_by="Ann")
    assert issue.title == "Receipts not [31mallocated"


def test_long_text_keeps_newlines_but_drops_terminal_escapes():
    issue = Issue(title="x", raised_by="Ann", description="line one\r\nline \x1b]8;;http://x\x07two")
    assert issue.description == "line one\nline ]8;;http://xtwo"


def test_sizes_are_limited():
    with pytest.raises(ValidationError) as caught:
        Issue(title="x" * 201, raised_by="Ann", description="y" * 20_001)
    assert [line.split(":")[0] for line in problems(caught.value)] == ["title", "description"]


def test_unknown_fields_survive_a_round_trip():
    document = to_document(Issue(title="x", raised_by="Ann"))
    document["field_from_a_newer_tracker"] = {"kept": True}
    again = to_document(from_document(document))
    assert again["field_from_a_newer_tracker"] == {"kept": True}
    assert list(again)[-1] == "field_from_a_newer_tracker"


def test_document_field_order_is_stable():
    first = to_document(Issue(title="x", raised_by="Ann", tags=["b", "a"]))
    second = to_document(from_document(dict(reversed(list(first.items())))))
    assert list(first) == list(second)


def test_tags_are_normalised_and_deduplicated():
    issue = Issue(title="x", raised_by="Ann", tags="Year End, year-end,Backlog")
    assert issue.tags == ["year-end", "backlog"]


def test_links_must_point_at_the_right_kind_of_record():
    with pytest.raises(ValidationError):
        Issue(title="x", raised_by="Ann", lessons=["ISS-4K7Q2M"])
    with pytest.raises(ValidationError):
        Lesson(title="x", logged_by="Ann", issues=["LES-4K7Q2M"])
    assert Lesson(title="x", logged_by="Ann", issues=["iss-4k7q2m"]).issues == ["ISS-4K7Q2M"]


def test_updates_carry_their_own_visibility_and_author():
    update = Update(author="Ann", text="Patch due Friday", visibility="public", kind="decision")
    assert update.id.startswith("UPD-") and update.at.tzinfo is not None
    with pytest.raises(ValidationError):
        Update(author="", text="x")


def test_vocabulary_comes_from_the_register():
    words = Vocabulary(statuses=["open", "parked", "done"], closed_statuses=["done"])
    issue = Issue(title="x", raised_by="Ann", status="Parked", severity="extreme")
    assert issue.status == "parked"
    assert vocabulary_problems(issue, words) == [
        "severity: 'extreme' is not one of critical, high, medium, low"
    ]
