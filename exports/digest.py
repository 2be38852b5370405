"""The lessons digest: the lessons log grouped by area and by action status, each
lesson with its event, effect, cause, early warnings and recommendation.

Like the report, every value in it passes the publication gate (`exports.gate`)
for the audience, and every piece of user text goes through `exports.markdown`.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from data.kinds import KINDS, label
from data.model import ACTION_STATUSES
from exports.gate import Audience, Gate
from exports.markdown import Safe, heading, long_day, paragraph, record_id, table
from exports.reader import RegisterReader

LESSON_TEXTS = tuple((name, label(name, "lesson")) for name in KINDS["lesson"].names(long=True))


def build_digest(
    register: RegisterReader,
    audience: Audience = "public",
    start: date | None = None,
    end: date | None = None,
    today: date | None = None,
    gate: Gate | None = None,
) -> str:
    """The lessons digest as markdown, for lessons logged between `start` and `end`."""
    today = today or date.today()
    end = end or today
    rules = gate or Gate.for_register(audience, register)
    in_period = [
        lesson
        for lesson in register.listed("lesson")
        if (start is None or lesson["logged_on"] >= start.isoformat())
        and lesson["logged_on"] <= end.isoformat()
    ]
    # Whole lessons (their texts) are read only for those the digest shows.
    shown = register.records(lesson["id"] for lesson in in_period if rules.shows(lesson))
    lessons = [rules.view(lesson) for lesson in shown]
    withheld = len(in_period) - len(lessons)
    lines = _header(register, rules, start, end, today)
    lines += _summary(lessons, withheld if rules.public else 0)
    by_area: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for lesson in lessons:
        by_area[lesson["area"]].append(lesson)
    for area in _areas(register.settings.vocabulary.areas, by_area):
        lines += _area(rules, area, by_area[area])
    if rules.public:
        note = (
            f"{withheld:,} {'lesson is' if withheld == 1 else 'lessons are'} internal or restricted "
            "and not included. "
            if withheld
            else ""
        )
        lines += heading(2, Safe("What we have withheld and why"))
        lines += paragraph(
            Safe(note + "Names of staff are replaced by their roles; internal updates are not shown.")
        )
    return "\n".join(lines).rstrip("\n") + "\n"


def _header(register: RegisterReader, rules: Gate, start: date | None, end: date, today: date) -> list[str]:
    wording = register.settings.report
    lines = heading(
        1, Safe("Lessons learned: ") + _escaped(rules.text(wording.programme, "report wording, programme"))
    )
    if not rules.public:
        lines += [
            "> **Internal digest: not for publication.** It shows every lesson, including internal "
            "and restricted ones, and the names of staff.",
            "",
        ]
    begins = long_day(start) if start else "the start of the register"
    lines += paragraph(
        Safe(f"Lessons logged from {begins} to {long_day(end)}. Produced on {long_day(today)}.")
    )
    return lines + paragraph(
        Safe(
            "Lessons are grouped by service area, then by how far the action on them "
            "has gone: identified, agreed, actioned, or embedded in how we work."
        )
    )


def _escaped(text: str) -> Safe:
    from exports.escape import cell

    return Safe(cell(text))


def _summary(lessons: list[dict[str, Any]], withheld: int) -> list[str]:
    if not lessons:
        if withheld:
            # Saying none were logged would be false: they were, and are withheld.
            return paragraph(Safe("No lesson logged in this period is published; the last section says why."))
        return paragraph(Safe("No lessons have been logged in this period."))
    counts: dict[str, int] = defaultdict(int)
    for lesson in lessons:
        counts[lesson["action_status"]] += 1
    rows = [[Safe(status.capitalize()), counts[status]] for status in ACTION_STATUSES]
    return table(
        [Safe("Action status"), Safe("Lessons")], [*rows, [Safe("**Total**"), len(lessons)]], numeric=[1]
    )


def _areas(order: list[str], found: dict[str, list[dict[str, Any]]]) -> list[str]:
    return [area for area in order if area in found] + sorted(set(found) - set(order))


def _area(rules: Gate, area: str, lessons: list[dict[str, Any]]) -> list[str]:
    lines = heading(2, rules.text(area, "vocabulary, area").capitalize())
    for status in ACTION_STATUSES:
        group = sorted(
            (lesson for lesson in lessons if lesson["action_status"] == status),
            key=lambda lesson: (lesson["logged_on"], lesson["id"]),
        )
        if not group:
            continue
        lines += heading(3, Safe(status.capitalize()))
        for lesson in group:
            lines += _lesson(rules, lesson)
    return lines


def _lesson(rules: Gate, lesson: dict[str, Any]) -> list[str]:
    lines = heading(4, Safe(f"{record_id(lesson['id'])}: ") + _escaped(lesson["title"]))
    facts = [f"Logged on {lesson['logged_on']}", f"source: {lesson['source']}", f"type: {lesson['type']}"]
    if lesson.get("was_risk"):
        facts.append("previously identified as a risk")
    lines += paragraph(Safe(", ".join(facts).capitalize() + "."))
    people = Safe("**Logged by:** ") + _escaped(lesson.get("logged_by") or "")
    if lesson.get("owner_role"):
        people = people + Safe(" · **Owner:** ") + _escaped(lesson["owner_role"])
    lines += paragraph(people)
    for name, heading_text in LESSON_TEXTS:
        text = lesson.get(name)
        if text:
            lines += paragraph(Safe(f"**{heading_text}:**")) + paragraph(text)
    if lesson.get("issues"):
        lines += paragraph(Safe("**Issues:** " + ", ".join(record_id(i) for i in lesson["issues"])))
    return lines
