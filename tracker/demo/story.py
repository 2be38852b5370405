"""The demo's story (`story.toml`, shipped beside this module) read into plain
values: who is in it, the issues with what happened to each, and the lessons
with the issues they were learned from. A mistake in the file is one line
naming the entry and what is wrong with it."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib.resources import files
from typing import Any

from data.errors import TrackerError

STORY_FILE = "story.toml"
UPDATE_KINDS = ("comment", "decision", "action")
CHANGED_FIELDS = ("status", "workaround")
DEFAULT_TARGET_DAYS = 60
# Set by the builder, not the story: who logs a record is the person acting.
_ISSUE_STORY_KEYS = {"key", "by", "owner", "day", "target_in", "story"}
_LESSON_STORY_KEYS = {"by", "day", "learned_from"}


@dataclass(frozen=True)
class Person:
    role: str
    email: str


@dataclass(frozen=True)
class Step:
    """One thing that happened to an issue, `after` days from its raising: a
    field changed (`status`, `workaround`) or an update added (`kind` is
    comment, decision or action)."""

    after: int
    field: str
    value: str
    kind: str = ""
    visibility: str = ""


@dataclass(frozen=True)
class StoryIssue:
    key: str
    by: str
    owner: str
    day: int
    """Days after go-live it was raised."""
    target_in: int
    fields: dict[str, Any]
    """The record's own fields as the story gives them (title, area, severity…)."""
    steps: tuple[Step, ...]


@dataclass(frozen=True)
class StoryLesson:
    by: str
    day: int
    fields: dict[str, Any]
    learned_from: tuple[str, ...]
    """Keys of the issues it was learned from."""


@dataclass(frozen=True)
class Story:
    go_live_days_ago: int
    name: str
    report_title: str
    programme: str
    keeper: str
    """Who creates the register and links lessons to issues."""
    people: dict[str, Person]
    issues: tuple[StoryIssue, ...]
    lessons: tuple[StoryLesson, ...]


def read_story() -> Story:
    """The story shipped with Tracker."""
    text = files(__package__ or "tracker.demo").joinpath(STORY_FILE).read_text(encoding="utf-8")
    return parse_story(tomllib.loads(text))


def parse_story(data: dict[str, Any]) -> Story:
    try:
        register, people = data["register"], data["people"]
        story = Story(
            go_live_days_ago=int(data["go_live_days_ago"]),
            name=register["name"],
            report_title=register["report_title"],
            programme=register["programme"],
            keeper=register["keeper"],
            people={name: Person(entry["role"], entry["email"]) for name, entry in people.items()},
            issues=tuple(_issue(number, entry) for number, entry in enumerate(data["issues"], 1)),
            lessons=tuple(_lesson(entry) for entry in data.get("lessons", [])),
        )
    except KeyError as missing:
        raise TrackerError(f"{STORY_FILE}: {missing.args[0]} is missing") from None
    _check(story)
    return story


def _issue(number: int, entry: dict[str, Any]) -> StoryIssue:
    where = f"issue {number} ({entry.get('key', 'no key')})"
    return StoryIssue(
        key=entry["key"],
        by=entry["by"],
        owner=entry["owner"],
        day=int(entry["day"]),
        target_in=int(entry.get("target_in", DEFAULT_TARGET_DAYS)),
        fields={name: value for name, value in entry.items() if name not in _ISSUE_STORY_KEYS},
        steps=tuple(_step(where, step) for step in entry.get("story", [])),
    )


def _step(where: str, step: dict[str, Any]) -> Step:
    said = [name for name in (*CHANGED_FIELDS, *UPDATE_KINDS) if name in step]
    if len(said) != 1 or "after" not in step:
        raise TrackerError(
            f"{STORY_FILE}: {where}: a story step gives `after` and one of "
            f"{', '.join((*CHANGED_FIELDS, *UPDATE_KINDS))}, not {sorted(step)}"
        )
    name = said[0]
    if name in UPDATE_KINDS:
        return Step(int(step["after"]), "update", step[name], name, step.get("visibility", "internal"))
    return Step(int(step["after"]), name, step[name])


def _lesson(entry: dict[str, Any]) -> StoryLesson:
    return StoryLesson(
        by=entry["by"],
        day=int(entry["day"]),
        fields={name: value for name, value in entry.items() if name not in _LESSON_STORY_KEYS},
        learned_from=tuple(entry.get("learned_from", [])),
    )


def _check(story: Story) -> None:
    """Every person named is in `[people]`; every lesson's issues exist."""
    keys = [issue.key for issue in story.issues]
    if len(set(keys)) != len(keys):
        raise TrackerError(f"{STORY_FILE}: two issues share a key")
    named = (
        [story.keeper] + [p for i in story.issues for p in (i.by, i.owner)] + [le.by for le in story.lessons]
    )
    unknown = sorted({person for person in named if person not in story.people})
    if unknown:
        raise TrackerError(f"{STORY_FILE}: not in [people]: {', '.join(unknown)}")
    missing = sorted({key for lesson in story.lessons for key in lesson.learned_from} - set(keys))
    if missing:
        raise TrackerError(f"{STORY_FILE}: lessons learned from unknown issues: {', '.join(missing)}")
