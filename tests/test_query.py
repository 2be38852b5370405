"""The query language shared by `tracker list` and the TUI filter."""

from __future__ import annotations

from datetime import date

import pytest

from data.errors import QueryError
from data.model import Issue, Lesson, Vocabulary, to_document
from data.query import parse, sort_key

TODAY = date(2024, 6, 30)


def issue(**fields):
    fields.setdefault("raised_by", "Priya Nair")
    fields.setdefault("raised_on", date(2024, 6, 1))
    return to_document(Issue(**fields))


RECEIPTS = issue(
    title="Receipts not allocated",
    status="open",
    severity="high",
    area="finance",
    tags=["backlog"],
    affects_vulnerable=True,
    raised_on=date(2024, 4, 2),
    cost_gbp=42000,
    owner="Gareth Lloyd",
    updates=[{"author": "Ann", "text": "Vendor patch due"}],
)
PAYROLL = issue(
    title="Payroll overpayments",
    status="closed",
    severity="critical",
    area="payroll",
    raised_on=date(2024, 6, 25),
)
ALL = [RECEIPTS, PAYROLL]


def matching(text: str, kind="issue", documents=ALL):
    query = parse(text, kind, Vocabulary(), TODAY)
    return [d["title"] for d in documents if query(d)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ["Receipts not allocated", "Payroll overpayments"]),
        ("status:open", ["Receipts not allocated"]),
        ("severity:high,critical", ["Receipts not allocated", "Payroll overpayments"]),
        ("-status:closed", ["Receipts not allocated"]),
        ("is:open", ["Receipts not allocated"]),
        ("is:closed", ["Payroll overpayments"]),
        ("area:finance backlog", ["Receipts not allocated"]),
        ("tag:backlog", ["Receipts not allocated"]),
        ("vulnerable:yes", ["Receipts not allocated"]),
        ("vulnerable:no", ["Payroll overpayments"]),
        ("raised<2024-05-01", ["Receipts not allocated"]),
        ("raised>=2024-06-25", ["Payroll overpayments"]),
        ("age>30d", ["Receipts not allocated"]),
        ("age<1w", ["Payroll overpayments"]),
        ("cost>10000", ["Receipts not allocated"]),
        ("owner:gareth", ["Receipts not allocated"]),
        ("PAYROLL", ["Payroll overpayments"]),
        ('"vendor patch"', ["Receipts not allocated"]),
        ("-overpayments", ["Receipts not allocated"]),
        ("status:in-progress", []),
    ],
)
def test_terms_select_the_expected_issues(text, expected):
    assert matching(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("colour:red", "unknown field 'colour' for issues; fields are:"),
        ("status:opne", "status: 'opne' is not one of new, open"),
        ("raised<May", "raised: 'May' is not a date like 2024-05-01"),
        ("age>old", "age: 'old' is not an age like 30d"),
        ("vulnerable:maybe", "vulnerable: use yes or no"),
        ("severity:", "severity: needs a value"),
        ("title<x", "unknown field 'title'"),
        ("status<open", "status: cannot be compared"),
    ],
)
def test_bad_queries_say_what_is_allowed(text, message):
    with pytest.raises(QueryError, match="^" + message.replace("(", r"\(").replace("'", "'")):
        parse(text, "issue", Vocabulary(), TODAY)


def test_lessons_have_their_own_fields():
    lesson = to_document(
        Lesson(title="Test with real bank files", logged_by="Ann", action_status="agreed", source="audit")
    )
    assert matching("action:agreed source:audit", "lesson", [lesson]) == ["Test with real bank files"]
    with pytest.raises(QueryError, match="unknown field 'severity' for lessons"):
        parse("severity:high", "lesson")


def test_register_vocabulary_is_used():
    words = Vocabulary(statuses=["open", "parked", "done"], closed_statuses=["done"])
    parked = issue(title="Parked one", status="parked")
    assert [d["title"] for d in [parked] if parse("status:parked is:open", "issue", words)(d)] == [
        "Parked one"
    ]


def test_severity_sorts_by_rank_not_alphabet():
    ordered = sorted(ALL, key=sort_key("severity", Vocabulary()))
    assert [d["severity"] for d in ordered] == ["critical", "high"]
    with pytest.raises(QueryError, match="cannot sort by 'colour'"):
        sort_key("colour", Vocabulary())
