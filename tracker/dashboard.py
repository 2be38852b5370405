"""The dashboard's figures: open issues by severity and area, how long they have
been open, the open backlog week by week, issues resolved per week, and lessons by
action status.

Pure computation over the register's documents and status history (no
Textual, no git of its own), so the TUI can run it in a worker and tests can
check it with plain dictionaries. The passes over the issues only count raw
values, and dates are parsed once per distinct day.

The backlog week by week is the published report's figure (`data.backlog`):
each issue's status transitions from git, so an issue closed and reopened
leaves the backlog and comes back; an issue with no status history counts from
its `raised_on` to its `closed_on`. Each week's point is the backlog at the end
of that week; this week's takes in every change known, so the latest point
always equals today's open count.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from data.backlog import Backlog, Transition
from data.model import ACTION_STATUSES, Vocabulary

AGE_BUCKETS: tuple[tuple[str, int], ...] = (
    ("0–7 days", 7),
    ("8–30 days", 30),
    ("31–90 days", 90),
    ("90+ days", 10**9),
)
"""Label and the oldest age (in days) that falls in the bucket."""
BACKLOG_WEEKS = 156
"""At most three years of weekly backlog points."""

Counts = list[tuple[str, int]]
WeeklyCounts = list[tuple[date, int]]


@dataclass(frozen=True)
class Dashboard:
    today: date
    issues: int
    open_issues: int
    most_severe_open: tuple[str, int]
    """The first severity in the register's list (such as critical) and its open count."""
    vulnerable_open: int
    open_by_severity: Counts
    open_by_area: Counts
    ageing: Counts
    backlog: WeeklyCounts
    """Open issues at the end of each week (Monday's date), oldest first; the last
    point is this week, to today."""
    resolved_per_week: WeeklyCounts
    """Issues that left the backlog in each week (closed, or closed again after
    reopening), over the same weeks as `backlog`."""
    lessons: int
    lessons_by_action: Counts


def week_of(day: date) -> date:
    """The Monday that starts the week holding `day`."""
    return day - timedelta(days=day.weekday())


def compute(
    issues: Iterable[dict[str, Any]],
    lessons: Iterable[dict[str, Any]],
    vocabulary: Vocabulary,
    today: date,
    history: dict[str, list[Transition]] | None = None,
) -> Dashboard:
    """Every figure on the dashboard, from stored documents and the issues' status
    history (`Register.status_history`; without one, each issue's dates).

    Each pass over the issues only counts raw values (C-speed `Counter`s); dates
    are then parsed and bucketed once per distinct day."""
    every = list(issues)
    closed_words = set(vocabulary.closed_statuses)
    still_open = [issue for issue in every if issue.get("status") not in closed_words]
    days = _Days(today)
    by_severity = _words(Counter(issue.get("severity") for issue in still_open))
    backlog, resolved = _weekly(Backlog(every, history or {}, vocabulary), today)
    lesson_list = list(lessons)
    return Dashboard(
        today=today,
        issues=len(every),
        open_issues=len(still_open),
        most_severe_open=(vocabulary.severities[0], by_severity.get(vocabulary.severities[0], 0)),
        vulnerable_open=sum(1 for issue in still_open if issue.get("affects_vulnerable")),
        open_by_severity=_in_order(by_severity, vocabulary.severities, keep_zero=True),
        open_by_area=sorted(
            _words(Counter(issue.get("area") for issue in still_open)).items(),
            key=lambda item: (-item[1], item[0]),
        ),
        ageing=days.ageing(Counter(issue.get("raised_on") for issue in still_open)),
        backlog=backlog,
        resolved_per_week=resolved,
        lessons=len(lesson_list),
        lessons_by_action=_in_order(
            _words(Counter(lesson.get("action_status") for lesson in lesson_list)),
            list(ACTION_STATUSES),
            keep_zero=True,
        ),
    )


class _Days:
    """Dates as stored (ISO strings), parsed once each; a missing or bad date
    counts as today."""

    def __init__(self, today: date) -> None:
        self.today = today
        self._seen: dict[Any, date] = {}

    def parse(self, value: Any) -> date:
        day = self._seen.get(value)
        if day is None:
            try:
                day = date.fromisoformat(value) if isinstance(value, str) else self.today
            except ValueError:
                day = self.today
            self._seen[value] = day
        return day

    def ageing(self, raised: Counter[Any]) -> Counts:
        ages: Counter[str] = Counter()
        for value, count in raised.items():
            ages[_age_bucket((self.today - self.parse(value)).days)] += count
        return [(label, ages.get(label, 0)) for label, _ in AGE_BUCKETS]


def _words(counts: Counter[Any]) -> Counter[str]:
    """Counts keyed by the words as text (a missing value counts as `None`)."""
    words: Counter[str] = Counter()
    for value, count in counts.items():
        words[str(value)] += count
    return words


def _age_bucket(days: int) -> str:
    for label, oldest in AGE_BUCKETS:
        if days <= oldest:
            return label
    return AGE_BUCKETS[-1][0]


def _in_order(counts: Counter[str], order: list[str], keep_zero: bool) -> Counts:
    """Counts in the register's own order of words, then any other values found."""
    known = [(word, counts.get(word, 0)) for word in order if keep_zero or counts.get(word)]
    others = sorted((word, count) for word, count in counts.items() if word not in order)
    return known + others


def _weekly(backlog: Backlog, today: date) -> tuple[WeeklyCounts, WeeklyCounts]:
    """The backlog at the end of each week and what left it that week, from the
    week of the first change (at most BACKLOG_WEEKS back) to this week."""
    this_week = week_of(today)
    if not backlog.days:
        return [(this_week, 0)], [(this_week, 0)]
    first = min(this_week, max(week_of(backlog.days[0]), this_week - timedelta(weeks=BACKLOG_WEEKS - 1)))
    weeks = [this_week - timedelta(weeks=back) for back in range((this_week - first).days // 7, -1, -1)]
    ends = [week + timedelta(days=6) for week in weeks[:-1]] + [max(today, backlog.days[-1])]
    points = backlog.points([first - timedelta(days=1), *ends])[1:]
    return (
        [(week, point.open) for week, point in zip(weeks, points, strict=True)],
        [(week, point.closed) for week, point in zip(weeks, points, strict=True)],
    )
