"""The field-level three-way merge of one record (data.merge), as a pure function."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from data.merge import MergeError, merge_records, same_creation
from data.model import Issue, Lesson, Update, to_document

EARLY = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
LATE = EARLY + timedelta(hours=2)


def issue(**fields: Any) -> dict[str, Any]:
    defaults: dict[str, Any] = {
        "id": "ISS-4K7Q2M",
        "title": "Receipts not allocated",
        "raised_by": "Ann Lee",
        "created_at": datetime(2026, 3, 1, tzinfo=UTC),
        "raised_on": "2026-03-01",
    }
    return to_document(Issue(**{**defaults, **fields}))


def update(
    text: str, author: str = "Ann Lee", minute: int = 0, update_id: str | None = None
) -> dict[str, Any]:
    fields: dict[str, Any] = {"author": author, "text": text, "at": EARLY + timedelta(minutes=minute)}
    if update_id:
        fields["id"] = update_id
    return Update(**fields).model_dump(mode="json")


def merge(
    base: Any, ours: Any, theirs: Any, ours_time: datetime = EARLY, theirs_time: datetime = LATE
) -> Any:
    return merge_records(base, ours, theirs, ours_time, theirs_time, "Ann Lee", "Bo Stone")


def test_a_field_changed_on_one_side_takes_that_side() -> None:
    base = issue()
    result = merge(base, issue(status="open"), issue(severity="high"))
    assert result.document["status"] == "open"
    assert result.document["severity"] == "high"
    assert result.conflicts == []


def test_the_same_field_changed_differently_keeps_the_later_change_and_records_the_other() -> None:
    base = issue()
    result = merge(base, issue(status="resolved"), issue(status="workaround in place"))
    assert result.document["status"] == "workaround in place"
    [entry] = [u for u in result.document["updates"] if u["kind"] == "conflict"]
    assert entry["visibility"] == "internal"
    assert "Ann Lee" in entry["text"] and "Bo Stone" in entry["text"]
    assert '"resolved"' in entry["text"] and '"workaround in place"' in entry["text"]
    assert entry["conflict"]["replaced"] == {
        "author": "Ann Lee",
        "at": EARLY.isoformat(),
        "value": "resolved",
    }
    assert [c.field for c in result.conflicts] == ["status"]


def test_the_later_side_wins_whichever_side_is_ours() -> None:
    base = issue()
    result = merge(base, issue(title="Ours, later"), issue(title="Theirs, earlier"), LATE, EARLY)
    assert result.document["title"] == "Ours, later"


def test_a_tie_in_time_is_broken_the_same_way_from_both_sides() -> None:
    base = issue()
    one = merge(base, issue(owner="Cara"), issue(owner="Dev"), EARLY, EARLY)
    two = merge_records(base, issue(owner="Dev"), issue(owner="Cara"), EARLY, EARLY, "Bo Stone", "Ann Lee")
    assert one.document == two.document


def test_a_conflict_entry_is_the_same_on_both_clones_and_not_repeated_by_a_second_merge() -> None:
    base = issue()
    ours, theirs = issue(status="open"), issue(status="closed")
    merged_here = merge(base, ours, theirs)
    merged_there = merge_records(base, theirs, ours, LATE, EARLY, "Bo Stone", "Ann Lee")
    assert merged_here.document == merged_there.document
    again = merge(ours, merged_here.document, merged_there.document)
    assert again.document == merged_here.document


def test_updates_from_both_sides_are_all_kept_in_time_order() -> None:
    first = update("First", minute=1)
    base = issue(updates=[first])
    ours = issue(updates=[first, update("Ours", minute=5)])
    theirs = issue(updates=[first, update("Theirs", author="Bo Stone", minute=3)])
    texts = [u["text"] for u in merge(base, ours, theirs).document["updates"]]
    assert texts == ["First", "Theirs", "Ours"]


def test_an_update_edited_on_one_side_takes_the_edit_and_is_never_dropped() -> None:
    note = update("Bank file rejected for Ann's account 1234", update_id="UPD-0000AAAA")
    base = issue(updates=[note])
    redacted = {**note, "text": "Bank file rejected [redacted]"}
    result = merge(base, issue(updates=[redacted]), issue(updates=[]))
    assert [u["text"] for u in result.document["updates"]] == ["Bank file rejected [redacted]"]


def test_tags_and_links_are_merged_as_sets_and_removals_are_honoured() -> None:
    base = issue(tags=["payroll", "backlog"], related=["ISS-AAAAAA"])
    ours = issue(tags=["payroll"], related=["ISS-AAAAAA", "ISS-BBBBBB"])
    theirs = issue(tags=["payroll", "backlog", "month-end"], related=["ISS-AAAAAA", "ISS-CCCCCC"])
    result = merge(base, ours, theirs)
    assert result.document["tags"] == ["payroll", "month-end"]
    assert result.document["related"] == ["ISS-AAAAAA", "ISS-BBBBBB", "ISS-CCCCCC"]
    assert result.conflicts == []


def test_a_list_changed_on_one_side_only_keeps_that_sides_order() -> None:
    base = issue(tags=["a", "b"])
    assert merge(base, issue(tags=["c", "b", "a"]), base).document["tags"] == ["c", "b", "a"]


def test_a_record_deleted_on_one_side_and_edited_on_the_other_keeps_the_edit() -> None:
    base = issue()
    edited = issue(status="open")
    assert merge(base, None, edited).document == edited
    assert merge(base, edited, None).document == edited


def test_a_record_deleted_on_one_side_and_untouched_on_the_other_stays_deleted() -> None:
    base = issue()
    assert merge(base, None, base).document is None
    assert merge(base, base, None).document is None


def test_a_conflicting_status_brings_its_own_closing_date() -> None:
    base = issue(status="open")
    closed = issue(status="closed", closed_on="2026-03-02")
    reopened = issue(status="in progress")
    result = merge(base, closed, reopened)
    assert result.document["status"] == "in progress"
    assert result.document["closed_on"] is None


def test_an_invalid_side_is_refused_with_the_record_named() -> None:
    with pytest.raises(MergeError, match="ISS-4K7Q2M"):
        merge(issue(), {**issue(), "severity": 7}, issue())


def test_lessons_merge_their_issue_links() -> None:
    lesson: dict[str, Any] = {"id": "LES-8H2Z1P", "title": "Test the bank file", "logged_by": "Ann Lee"}
    base = to_document(Lesson(**lesson))
    ours = to_document(Lesson(**lesson, issues=["ISS-AAAAAA"]))
    theirs = to_document(Lesson(**lesson, issues=["ISS-BBBBBB"], action_status="agreed"))
    result = merge(base, ours, theirs)
    assert result.document["issues"] == ["ISS-AAAAAA", "ISS-BBBBBB"]
    assert result.document["action_status"] == "agreed"


def test_same_creation_tells_one_record_from_two_with_the_same_id() -> None:
    assert same_creation(issue(), issue(status="open"))
    assert not same_creation(issue(), issue(created_at=LATE))
    assert not same_creation(issue(), issue(raised_by="Bo Stone"))


# --- properties ------------------------------------------------------------------------

STATUSES = ["new", "open", "in progress", "resolved", "closed"]
TAGS = ["payroll", "finance", "backlog", "month-end", "bank"]


@st.composite
def edited(draw: st.DrawFn, base: dict[str, Any], prefix: str) -> dict[str, Any] | None:
    """A side: the base with some fields changed, some updates added or removed."""
    if draw(st.integers(0, 9)) == 0:
        return None
    fields: dict[str, Any] = {}
    if draw(st.booleans()):
        fields["status"] = draw(st.sampled_from(STATUSES))
    if draw(st.booleans()):
        fields["title"] = draw(st.sampled_from(["Receipts", "Payroll late", "Bank file"]))
    if draw(st.booleans()):
        fields["tags"] = draw(st.lists(st.sampled_from(TAGS), unique=True, max_size=4))
    kept: list[dict[str, Any]] = list(base["updates"])
    count = draw(st.integers(0, 3))
    added = [
        update(f"{prefix} {n}", minute=draw(st.integers(0, 30)), update_id=f"UPD-{prefix}00000{n}")
        for n in range(count)
    ]
    if draw(st.booleans()) and kept:
        kept[0] = {**kept[0], "text": f"edited by {prefix}"}
    if draw(st.booleans()) and kept:
        kept = kept[1:]
    return issue(**{**base, **fields, "updates": kept + added})


@st.composite
def three_versions(draw: st.DrawFn) -> tuple[Any, Any, Any, datetime, datetime]:
    base = issue(
        status=draw(st.sampled_from(STATUSES)),
        tags=draw(st.lists(st.sampled_from(TAGS), unique=True)),
        updates=[update("Logged", update_id="UPD-BASE0001")],
    )
    when = st.sampled_from([EARLY, LATE])
    return base, draw(edited(base, "AA")), draw(edited(base, "BB")), draw(when), draw(when)


@settings(max_examples=80, deadline=None)
@given(three_versions())
def test_merging_is_the_same_whichever_side_is_ours(
    versions: tuple[Any, Any, Any, datetime, datetime],
) -> None:
    base, ours, theirs, ours_time, theirs_time = versions
    one = merge_records(base, ours, theirs, ours_time, theirs_time, "Ann Lee", "Bo Stone")
    two = merge_records(base, theirs, ours, theirs_time, ours_time, "Bo Stone", "Ann Lee")
    assert one.document == two.document


@settings(max_examples=80, deadline=None)
@given(three_versions())
def test_every_update_on_either_side_is_in_the_merged_record(
    versions: tuple[Any, Any, Any, datetime, datetime],
) -> None:
    base, ours, theirs, ours_time, theirs_time = versions
    result = merge_records(base, ours, theirs, ours_time, theirs_time, "Ann Lee", "Bo Stone")
    if ours is None or theirs is None:
        present = ours if ours is not None else theirs
        assert result.document in (None, present)
        return
    assert result.document is not None
    merged_ids = {u["id"] for u in result.document["updates"]}
    assert {u["id"] for u in ours["updates"]} | {u["id"] for u in theirs["updates"]} <= merged_ids
