"""Property tests (hypothesis): whatever text people or files give them, the
model, the query language and the merge answer with a result or a clear error,
never a traceback."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from data.errors import QueryError
from data.merge import MergeError, merge_records
from data.model import Issue, Lesson, from_document, problems, to_document
from data.query import TERMS, parse
from data.validation import ValidationError

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=60)
HOSTILE_TEXT = st.one_of(
    TEXT, st.sampled_from(["\x1b[31m", "\x1b]8;;x\x07", "\r\n", "\u202e", "[b]x[/b]", ""])
)
VALUE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=True),
    HOSTILE_TEXT,
    st.lists(HOSTILE_TEXT, max_size=3),
    st.dates().map(str),
)
ISSUE_NAMES = [*list(Issue.model_fields), "unknown_field"]
LESSON_NAMES = [*list(Lesson.model_fields), "unknown_field"]


def _no_traceback(model: type[Issue] | type[Lesson], data: dict[str, Any]) -> None:
    try:
        record = model.model_validate(data)
    except ValidationError as error:
        lines = problems(error)
        assert lines and all(isinstance(line, str) and ": " in line for line in lines)
        return
    document = to_document(record)
    assert to_document(from_document(document)) == document  # a saved record reads back the same
    assert "\n" not in record.title and "\x1b" not in record.title


@FAST
@given(st.dictionaries(st.sampled_from(ISSUE_NAMES), VALUE, max_size=8), HOSTILE_TEXT, TEXT)
def test_the_issue_model_gives_a_record_or_field_problems(
    fields: dict[str, Any], title: str, by: str
) -> None:
    _no_traceback(Issue, {"title": title, "raised_by": by, **fields})


@FAST
@given(st.dictionaries(st.sampled_from(LESSON_NAMES), VALUE, max_size=8), HOSTILE_TEXT, TEXT)
def test_the_lesson_model_gives_a_record_or_field_problems(
    fields: dict[str, Any], title: str, by: str
) -> None:
    _no_traceback(Lesson, {"title": title, "logged_by": by, **fields})


DOCUMENTS = [
    to_document(
        Issue(
            id="ISS-4K7Q2M",
            title="Receipts not allocated",
            raised_by="Priya Nair",
            status="open",
            severity="high",
            area="finance",
            cost_gbp=12000.5,
            tags=["backlog"],
            target_date=date(2024, 6, 1),
            affects_vulnerable=True,
        )
    ),
    to_document(Issue(id="ISS-0000AB", title="x", raised_by="y", owner=None, closed_on=None)),
    to_document(Lesson(id="LES-8H2Z1P", title="Escalate early", logged_by="Sam", issues=["ISS-4K7Q2M"])),
]
PIECES = st.one_of(
    st.sampled_from([*sorted(set(TERMS["issue"]) | set(TERMS["lesson"])), "nope", ""]),
    st.sampled_from(
        [
            ":",
            "<",
            ">",
            "<=",
            ">=",
            "=",
            "-",
            '"',
            ",",
            " ",
            "30d",
            "2024-05-01",
            "yes",
            "open",
            "high",
            "finance",
            "1e9",
            "£10,000",
            "9" * 30,
            "is",
            "-age",
            "\x1b",
            "\n",
            "age>",
            "99999y",
            "12w",
        ]
    ),
    TEXT,
)


@FAST
@given(st.lists(PIECES, max_size=12).map("".join), st.sampled_from(["issue", "lesson"]))
@example("age>99999y", "issue")
def test_the_query_parser_gives_a_query_or_a_clear_error_and_the_query_never_fails(
    text: str, kind: str
) -> None:
    try:
        query = parse(text, kind, today=date(2024, 7, 1))  # type: ignore[arg-type]
    except QueryError as error:
        assert str(error) and "\n" not in str(error)
        return
    for document in DOCUMENTS:
        assert query(document) in (True, False)


UPDATE = st.builds(
    lambda n, text: {
        "id": f"UPD-{n:08d}",
        "at": f"2024-05-{1 + n % 28:02d}T10:00:00+00:00",
        "author": "Priya",
        "kind": "comment",
        "text": text or "x",
        "visibility": "internal",
    },
    st.integers(0, 20),
    TEXT,
)
SIDE = st.fixed_dictionaries(
    {},
    optional={
        "title": HOSTILE_TEXT,
        "status": st.sampled_from(["new", "open", "resolved", "closed"]),
        "severity": st.sampled_from(["low", "high", "critical"]),
        "tags": st.lists(TEXT, max_size=3),
        "description": HOSTILE_TEXT,
        "cost_gbp": st.one_of(st.none(), st.floats(0, 1e6)),
        "updates": st.lists(UPDATE, max_size=3, unique_by=lambda u: u["id"]),
        "closed_on": st.sampled_from([None, "2024-05-02"]),
        "related": st.lists(st.sampled_from(["ISS-111111", "ISS-222222"]), max_size=2),
    },
)
BASE = to_document(Issue(id="ISS-4K7Q2M", title="Receipts not allocated", raised_by="Priya Nair"))
MOMENT = st.integers(0, 10).map(lambda hours: datetime(2024, 5, 1, tzinfo=UTC) + timedelta(hours=hours))


@FAST
@given(SIDE, SIDE, MOMENT, MOMENT)
def test_the_merge_keeps_every_update_and_gives_the_same_record_either_way(
    ours: dict[str, Any], theirs: dict[str, Any], ours_at: datetime, theirs_at: datetime
) -> None:
    left, right = {**BASE, **ours}, {**BASE, **theirs}
    try:
        merged = merge_records(BASE, left, right, ours_at, theirs_at, "Priya", "Sam")
    except MergeError as error:
        assert "\n" not in str(error) and "ISS-4K7Q2M" in str(error)
        return
    swapped = merge_records(BASE, right, left, theirs_at, ours_at, "Sam", "Priya")
    assert merged.document is not None and merged.document == swapped.document
    kept = {update["id"] for update in merged.document["updates"]}
    for side in (left, right):
        assert {update["id"] for update in side.get("updates", [])} <= kept
    assert to_document(from_document(merged.document)) == merged.document
