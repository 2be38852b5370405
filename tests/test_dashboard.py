"""The dashboard's figures (`tracker.dashboard`), from plain documents: what is
open, by severity and area, how long it has been open, the backlog week by week,
what was resolved each week, and where lessons stand."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from data.model import Vocabulary
from tracker.dashboard import compute, week_of

TODAY = date(2025, 6, 11)  # a Wednesday; its week starts on Monday 9 June
WORDS = Vocabulary()


def issue(raised: date, status: str = "open", closed: date | None = None, **fields: Any) -> dict[str, Any]:
    return {
        "status": status,
        "severity": "medium",
        "area": "finance",
        "raised_on": raised.isoformat(),
        "closed_on": closed.isoformat() if closed else None,
        "affects_vulnerable": False,
        **fields,
    }


def days_ago(days: int) -> date:
    return TODAY - timedelta(days=days)


def test_open_issues_are_counted_by_severity_in_the_registers_order_and_by_area_largest_first():
    issues = [
        issue(days_ago(1), severity="critical", area="payroll"),
        issue(days_ago(2), severity="low", area="payroll"),
        issue(days_ago(3), severity="critical", area="finance"),
        issue(days_ago(4), status="resolved", closed=days_ago(1), severity="high", area="hr"),
    ]
    figures = compute(issues, [], WORDS, TODAY)
    assert figures.issues == 4 and figures.open_issues == 3
    assert figures.open_by_severity == [("critical", 2), ("high", 0), ("medium", 0), ("low", 1)]
    assert figures.open_by_area == [("payroll", 2), ("finance", 1)]
    assert figures.most_severe_open == ("critical", 2)


def test_words_not_in_the_vocabulary_are_still_counted_after_the_known_ones():
    figures = compute([issue(TODAY, severity="severe")], [], WORDS, TODAY)
    assert figures.open_by_severity[-1] == ("severe", 1)


def test_ageing_buckets_are_0_to_7_8_to_30_31_to_90_and_over_90_days():
    ages = [0, 7, 8, 30, 31, 90, 91, 400]
    figures = compute([issue(days_ago(age)) for age in ages], [], WORDS, TODAY)
    assert figures.ageing == [("0–7 days", 2), ("8–30 days", 2), ("31–90 days", 2), ("90+ days", 2)]


def test_the_backlog_counts_issues_open_at_the_end_of_each_week():
    monday = week_of(TODAY)
    three_weeks_ago = monday - timedelta(weeks=3)
    issues = [
        issue(three_weeks_ago, status="closed", closed=three_weeks_ago + timedelta(days=8)),
        issue(three_weeks_ago + timedelta(days=1)),
        issue(monday - timedelta(weeks=1)),
        issue(monday - timedelta(weeks=1), status="resolved", closed=monday - timedelta(weeks=1)),
    ]
    figures = compute(issues, [], WORDS, TODAY)
    assert figures.backlog == [
        (three_weeks_ago, 2),
        (three_weeks_ago + timedelta(weeks=1), 1),
        (monday - timedelta(weeks=1), 2),
        (monday, 2),
    ]
    assert figures.backlog[-1][1] == figures.open_issues


def test_a_closed_issue_without_a_closed_date_never_counts_as_open_and_the_last_point_is_todays_count():
    issues = [issue(days_ago(60), status="closed"), issue(days_ago(60), status="open", closed=days_ago(30))]
    figures = compute(issues, [], WORDS, TODAY)
    assert {count for _, count in figures.backlog} == {1}
    assert figures.open_issues == 1


def test_resolved_per_week_follows_closed_dates_over_the_backlogs_weeks():
    monday = week_of(TODAY)
    issues = [
        issue(days_ago(20), status="resolved", closed=monday - timedelta(days=6)),
        issue(days_ago(20), status="closed", closed=monday - timedelta(days=1)),
        issue(days_ago(20), status="closed", closed=TODAY),
        issue(days_ago(20), status="open", closed=TODAY),
    ]
    figures = compute(issues, [], WORDS, TODAY)
    assert [week for week, _ in figures.resolved_per_week] == [week for week, _ in figures.backlog]
    assert figures.resolved_per_week[-2:] == [(monday - timedelta(weeks=1), 2), (monday, 1)]


def test_lessons_are_counted_by_action_status_in_the_order_a_lesson_is_learned():
    lessons = [{"action_status": status} for status in ("embedded", "identified", "identified", "agreed")]
    figures = compute([], lessons, WORDS, TODAY)
    assert figures.lessons == 4
    assert figures.lessons_by_action == [("identified", 2), ("agreed", 1), ("actioned", 0), ("embedded", 1)]


def test_an_empty_register_has_a_flat_backlog_and_nothing_open():
    figures = compute([], [], WORDS, TODAY)
    assert figures.open_issues == 0 and figures.backlog == [(week_of(TODAY), 0)]
    assert figures.ageing == [("0–7 days", 0), ("8–30 days", 0), ("31–90 days", 0), ("90+ days", 0)]


def test_the_backlog_covers_at_most_three_years_but_counts_older_issues_still_open():
    figures = compute([issue(days_ago(2000)), issue(days_ago(10))], [], WORDS, TODAY)
    assert len(figures.backlog) == 156
    assert figures.backlog[0][1] == 1 and figures.backlog[-1][1] == 2


def test_vulnerable_residents_counted_among_open_issues_only():
    issues = [
        issue(TODAY, affects_vulnerable=True),
        issue(TODAY, status="closed", closed=TODAY, affects_vulnerable=True),
    ]
    assert compute(issues, [], WORDS, TODAY).vulnerable_open == 1
