"""The backlog over time, from the register's history in git.

One `git log` pass reads every commit's date and message. Tracker writes each
status change into the commit body (`status: open → resolved`) with a
`Tracker-Record:` trailer, so the transitions of every issue come back without
reading a single old record file. An issue whose history holds no status lines
(a bulk import, say), or only its creation in a closed status (an old issue
logged after the fact), falls back on its `raised_on` and `closed_on` dates. The
backlog on a day is the number of issues raised by then and not in a closed
status at that moment; reopened issues count again.

This is the one backlog figure: the report's trend and the dashboard's weekly
backlog both sample a `Backlog`.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import accumulate
from typing import Any

from data.changes import parse_message
from data.git import Git
from data.ids import is_record_id, kind_of
from data.model import Vocabulary

# NUL cannot occur in a commit message (git refuses one), so it parts fields exactly.
_NUL = "\x00"


@dataclass(frozen=True)
class Transition:
    day: date
    old: str | None
    new: str


@dataclass(frozen=True)
class TrendPoint:
    """The backlog at the end of a stretch of time, and what came and went in it
    (`raised` counts issues raised or reopened, so the figures add up)."""

    day: date
    open: int
    raised: int
    closed: int


def status_history(git: Git, commits: str = "HEAD") -> dict[str, list[Transition]]:
    """Every issue's status transitions from git, oldest first (one git call),
    in `commits` (a commit's history, or a range `old..new`)."""
    if git.head_commit() is None:
        return {}
    # No pathspec: every commit in a register is Tracker's, and limiting by path would
    # make git compare trees for each of them, several times slower than reading messages.
    output = git.run("log", "--reverse", "--no-merges", "--format=%x00%as%x00%B", commits, "--")
    history: dict[str, list[Transition]] = defaultdict(list)
    fields = output.stdout.decode("utf-8", "replace").split(_NUL)[1:]
    for day_text, text in zip(fields[0::2], fields[1::2], strict=False):
        if "status: " not in text:  # no status line (most commits): not worth parsing
            continue
        message = parse_message(text)
        issues = [record for record in message.records if is_record_id(record) and kind_of(record) == "issue"]
        status = message.field("status")
        if len(issues) != 1 or status is None:
            continue
        history[issues[0]].append(Transition(date.fromisoformat(day_text), status.before, status.after))
    return history


def _in_backlog_changes(
    document: dict[str, Any], transitions: list[Transition], words: Vocabulary
) -> list[tuple[date, int]]:
    """When this issue entered (+1) and left (-1) the backlog."""
    raised = date.fromisoformat(document["raised_on"])
    closed_now = words.is_closed(document.get("status", ""))
    logged_closed = (
        len(transitions) == 1 and transitions[0].old is None and words.is_closed(transitions[0].new)
    )
    if not transitions or logged_closed:
        closed_on = document.get("closed_on")
        if not closed_now:
            return [(raised, 1)]
        if not closed_on:
            return []
        return [(raised, 1), (max(raised, date.fromisoformat(closed_on)), -1)]
    first = transitions[0]
    is_open = not words.is_closed(first.old if first.old is not None else first.new)
    changes = [(raised, 1)] if is_open else []
    for step in transitions:
        now_open = not words.is_closed(step.new)
        if now_open != is_open:
            changes.append((max(raised, step.day), 1 if now_open else -1))
            is_open = now_open
    if is_open == closed_now:
        # The file changed status without a status line (a merge): trust the file.
        when = document.get("closed_on") if closed_now else None
        changes.append(
            (max(raised, date.fromisoformat(when) if when else transitions[-1].day), -1 if closed_now else 1)
        )
    return changes


def sample_days(start: date, end: date) -> list[date]:
    """Weekly points for a short history, month ends for a longer one; the last
    point is always `end`."""
    if end <= start:
        return [end]
    if (end - start).days <= 92:
        days = [end - timedelta(days=7 * back) for back in range(((end - start).days + 6) // 7, -1, -1)]
        return [day for day in days if day >= start] or [end]
    days = []
    month = date(start.year, start.month, 1)
    while True:
        following = date(month.year + month.month // 12, month.month % 12 + 1, 1)
        last_day = following - timedelta(days=1)
        if last_day >= end:
            days.append(end)
            return days
        days.append(last_day)
        month = following


class Backlog:
    """Every issue's entries to and exits from the backlog, sorted, ready to be
    sampled on any days."""

    def __init__(
        self, documents: Iterable[dict[str, Any]], history: dict[str, list[Transition]], words: Vocabulary
    ):
        changes: list[tuple[date, int]] = []
        for document in documents:
            changes.extend(_in_backlog_changes(document, history.get(document.get("id", ""), []), words))
        changes.sort()
        self.days = [day for day, _ in changes]
        self.totals = list(accumulate(step for _, step in changes))
        self.entries = [day for day, step in changes if step > 0]
        self.exits = [day for day, step in changes if step < 0]

    def on(self, day: date) -> int:
        index = bisect_right(self.days, day)
        return self.totals[index - 1] if index else 0

    def points(self, days: list[date]) -> list[TrendPoint]:
        """The backlog at each of `days`, with issues raised (or reopened) and
        closed since the previous one."""
        points, previous = [], None
        for day in days:
            raised = bisect_right(self.entries, day) - (
                bisect_right(self.entries, previous) if previous else 0
            )
            closed = bisect_right(self.exits, day) - (bisect_right(self.exits, previous) if previous else 0)
            points.append(TrendPoint(day, self.on(day), raised, closed))
            previous = day
        return points


def backlog_trend(
    documents: Iterable[dict[str, Any]],
    history: dict[str, list[Transition]],
    words: Vocabulary,
    days: list[date],
) -> list[TrendPoint]:
    """The backlog at each of `days`, with issues raised and closed since the previous one."""
    return Backlog(documents, history, words).points(days)
