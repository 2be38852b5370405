"""The demo register: realistic, fictional programme issues and lessons.

The story itself is data (`story.toml` beside this module, read by
`tracker.demo.story`); this module builds a register from it through the same
register as everything else, one commit per change, by several people over the
months since a go-live date set relative to the day it is built, so its history,
dashboard and reports look like a real programme's. The times of day and who
adds each update come from a seeded random generator: two builds on the same
day make the same register, apart from the random record IDs.

A demo register, once built, is the user's: `open_or_build` reopens it with
whatever they changed, and only `fresh` builds it again.
"""

from __future__ import annotations

import random
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from data.errors import InvalidSettings, TrackerError
from data.git import Identity
from data.settings import SETTINGS_FILE, RegisterSettings, ReportWording, load_settings
from tracker.demo.story import Step, Story, StoryIssue, StoryLesson, read_story
from tracker.register import Register

SEED = 2024
REGISTER_BEFORE_GO_LIVE = timedelta(days=40)
OWNER_WRITES_UPDATES = 0.7
"""How often an issue's owner (rather than anyone else) makes its later changes."""


def is_demo_register(root: Path) -> bool:
    """A register whose `tracker.toml` says `demo = true` (a demo Tracker built)."""
    if not (root / SETTINGS_FILE).is_file() or not (root / ".git").exists():
        return False
    try:
        return load_settings(root).demo
    except InvalidSettings:
        return False


def open_or_build(root: Path, fresh: bool = False) -> tuple[Register, bool]:
    """The demo register at `root` and whether it was built now: an existing demo
    register is reopened as it is, unless `fresh`, which replaces it (the caller
    asks the user first). A folder holding anything else is never touched."""
    if is_demo_register(root):
        if not fresh:
            return Register.open(root), False
        shutil.rmtree(root)
    elif root.exists() and any(root.iterdir()):
        raise TrackerError(f"{root}: folder is not empty; give an empty or new folder for the demo")
    return build_demo(root), True


def build_demo(root: Path, now: datetime | None = None) -> Register:
    """Create the demo register in `root` (new or empty), as it stands at `now`."""
    if root.exists() and any(root.iterdir()):
        raise TrackerError(f"{root}: folder is not empty; give an empty or new folder for the demo")
    story = read_story()
    now = now or datetime.now(UTC)
    go_live = now - timedelta(days=story.go_live_days_ago)
    rng = random.Random(SEED)
    clock = _Clock()
    clock.set(go_live - REGISTER_BEFORE_GO_LIVE, rng)
    register = Register.init(
        root, settings=_settings(story), acting_as=_identity(story, story.keeper), clock=clock
    )
    builder = _Builder(register, story, rng)
    for moment, number, event in sorted(_events(story, go_live, now), key=lambda event: event[:2]):
        clock.set(moment, rng)
        builder.apply(number, event)
    builder.link_lessons()
    register.acting_as, register.clock = None, None
    return register


def _settings(story: Story) -> RegisterSettings:
    return RegisterSettings(
        name=story.name,
        demo=True,
        people={name: person.role for name, person in story.people.items()},
        report=ReportWording(title=story.report_title, programme=story.programme),
    )


def _identity(story: Story, name: str) -> Identity:
    return Identity(name, story.people[name].email)


Event = StoryIssue | StoryLesson | tuple[StoryIssue, Step]


def _events(story: Story, go_live: datetime, now: datetime) -> list[tuple[datetime, int, Event]]:
    """Everything that happened up to `now`, each with its moment and its
    record's number in the story (issues first, then lessons), which keeps
    records raised at the same moment, and an issue's steps, in the story's order."""
    events: list[tuple[datetime, int, Event]] = []
    for number, issue in enumerate(story.issues):
        raised = go_live + timedelta(days=issue.day)
        events.append((raised, number, issue))
        events += [
            (raised + timedelta(days=step.after, minutes=1), number, (issue, step)) for step in issue.steps
        ]
    for number, lesson in enumerate(story.lessons, start=len(story.issues)):
        events.append((go_live + timedelta(days=lesson.day), number, lesson))
    return [event for event in events if event[0] <= now]


class _Clock:
    """The demo's clock: a moment set before each change, in working hours."""

    def __init__(self) -> None:
        self.moment = datetime.min.replace(tzinfo=UTC)

    def set(self, day: datetime, rng: random.Random) -> None:
        """A working-hours moment on `day`, never before the previous change."""
        moment = datetime.combine(day.date(), time(rng.randint(8, 17), rng.randint(0, 59)), UTC)
        self.moment = max(moment, self.moment + timedelta(minutes=rng.randint(3, 40)))

    def __call__(self) -> datetime:
        return self.moment


@dataclass
class _Builder:
    register: Register
    story: Story
    rng: random.Random

    def __post_init__(self) -> None:
        self.ids: dict[int, str] = {}
        """Record IDs by the record's number in the story."""

    def apply(self, number: int, event: Event) -> None:
        if isinstance(event, StoryIssue):
            self.ids[number] = self._raise(event)
        elif isinstance(event, StoryLesson):
            self.ids[number] = self._log(event)
        else:
            self._happen(self.ids[number], event[1])

    def _raise(self, issue: StoryIssue) -> str:
        register = self.register
        register.acting_as = _identity(self.story, issue.by)
        severity = issue.fields["severity"]
        added = register.add_issue(
            **{
                "type": "problem",
                "visibility": "public",
                "priority": {"critical": "urgent"}.get(severity, severity),
                **issue.fields,
                "raised_by": issue.by,
                "owner": issue.owner,
                "owner_role": self.story.people[issue.owner].role,
                "target_date": register.today() + timedelta(days=issue.target_in),
            }
        )
        return added.id

    def _log(self, lesson: StoryLesson) -> str:
        self.register.acting_as = _identity(self.story, lesson.by)
        return self.register.add_lesson(**lesson.fields, visibility="public").id

    def _happen(self, record_id: str, step: Step) -> None:
        register = self.register
        record = register.get(record_id)
        owner = getattr(record, "owner", None) or self.story.keeper
        people = list(self.story.people)
        who = owner if self.rng.random() < OWNER_WRITES_UPDATES else self.rng.choice(people)
        register.acting_as = _identity(self.story, who)
        if step.field == "update":
            register.add_update(record.id, step.value, step.kind, step.visibility)
        else:
            register.edit(record.id, {step.field: step.value})

    def link_lessons(self) -> None:
        """Each lesson points at the issues it was learned from (those raised yet)."""
        self.register.acting_as = _identity(self.story, self.story.keeper)
        numbers = {issue.key: number for number, issue in enumerate(self.story.issues)}
        for number, lesson in enumerate(self.story.lessons, start=len(self.story.issues)):
            for key in lesson.learned_from:
                issue_id, lesson_id = self.ids.get(numbers[key]), self.ids.get(number)
                if issue_id and lesson_id:
                    self.register.link(issue_id, lesson_id)
