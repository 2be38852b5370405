"""The register's records: issues, lessons and their updates, validated.

This module is the domain model and depends on nothing else of Tracker's, so the
storage, the exports, the CLI and the TUI can all share it. Validation is done by
pydantic; `problems()` turns a validation failure into one line per field.

What a register may call a status, an area or a severity is the register's own
choice (`tracker.toml`), so those fields are plain strings here and are checked
against the register's `Vocabulary` by `vocabulary_problems()`.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
)

# --- identifiers ----------------------------------------------------------------

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
ID_LENGTH = 6
ISSUE_PREFIX = "ISS"
LESSON_PREFIX = "LES"
UPDATE_PREFIX = "UPD"
RECORD_ID = re.compile(r"^(ISS|LES)-[0-9A-HJKMNP-TV-Z]{6}$")
UPDATE_ID = re.compile(r"^UPD-[0-9A-HJKMNP-TV-Z]{8}$")


def new_id(prefix: str, length: int = ID_LENGTH) -> str:
    """A random Crockford base32 ID such as `ISS-4K7Q2M`: short, typeable, read aloud."""
    return prefix + "-" + "".join(secrets.choice(CROCKFORD) for _ in range(length))


def normalise_id(text: str) -> str:
    """Accept IDs as people type them: any case, `O` for 0, `I`/`L` for 1."""
    head, sep, tail = text.strip().upper().partition("-")
    tail = tail.replace("O", "0").replace("I", "1").replace("L", "1")
    return head + sep + tail


def is_record_id(text: str) -> bool:
    return bool(RECORD_ID.match(text))


def kind_of(record_id: str) -> Literal["issue", "lesson"]:
    return "issue" if record_id.startswith(ISSUE_PREFIX + "-") else "lesson"


# --- text hygiene -----------------------------------------------------------------

TITLE_MAX = 200
NAME_MAX = 100
TEXT_MAX = 20_000
TAG_MAX = 40
LIST_MAX = 200
UPDATES_MAX = 2_000

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_CONTROL_AND_NEWLINES = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]+")


def clean_line(value: Any) -> Any:
    """One line of text: control characters and newlines become single spaces."""
    if not isinstance(value, str):
        return value
    return " ".join(_CONTROL_AND_NEWLINES.sub(" ", value).split())


def clean_text(value: Any) -> Any:
    """Multi-line text: keep newlines and tabs, drop other control characters
    (terminal escape sequences among them), normalise line endings."""
    if not isinstance(value, str):
        return value
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", value).strip("\n")


def _not_blank(value: str) -> str:
    if not value:
        raise ValueError("must not be empty")
    return value


def _blank_to_none(value: Any) -> Any:
    if isinstance(value, str) and not value.strip():
        return None
    return value


def _word(value: Any) -> Any:
    """Vocabulary words are stored lower case with single spaces."""
    return clean_line(value).lower() if isinstance(value, str) else value


Title = Annotated[str, BeforeValidator(clean_line), Field(max_length=TITLE_MAX), AfterValidator(_not_blank)]
Name = Annotated[str, BeforeValidator(clean_line), Field(max_length=NAME_MAX)]
OptionalName = Annotated[
    Annotated[str, Field(max_length=NAME_MAX)] | None,
    BeforeValidator(_blank_to_none),
    BeforeValidator(clean_line),
]
Text = Annotated[str, BeforeValidator(clean_text), Field(max_length=TEXT_MAX)]
Word = Annotated[str, BeforeValidator(_word), Field(max_length=60), AfterValidator(_not_blank)]
OptionalDate = Annotated[date | None, BeforeValidator(_blank_to_none)]


def _clean_tags(value: Any) -> Any:
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list):
        return value
    tags: list[str] = []
    for tag in value:
        if not isinstance(tag, str):
            raise ValueError("tags must be words")
        tag = "-".join(clean_line(tag).lower().split())
        if len(tag) > TAG_MAX:
            raise ValueError(f"tag {tag[:20]!r}… is longer than {TAG_MAX} characters")
        if tag and tag not in tags:
            tags.append(tag)
    return tags


def _clean_links(value: Any) -> Any:
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list):
        return value
    links: list[str] = []
    for link in value:
        if not isinstance(link, str) or not is_record_id(normalise_id(link)):
            raise ValueError(f"{str(link)[:30]!r} is not a record ID like ISS-4K7Q2M")
        link = normalise_id(link)
        if link not in links:
            links.append(link)
    return links


def _links_to(prefix: str, kind: str) -> Callable[[list[str]], list[str]]:
    """A check that every link in a list points at one kind of record."""

    def check(value: list[str]) -> list[str]:
        for link in value:
            if not link.startswith(prefix + "-"):
                raise ValueError(f"{link} is not {kind}")
        return value

    return check


def _starts_with(prefix: str, what: str) -> Callable[[str], str]:
    """A check that an ID has the right prefix for its kind of record."""

    def check(value: str) -> str:
        if not value.startswith(prefix + "-"):
            raise ValueError(f"{what} starts with {prefix}-")
        return value

    return check


Tags = Annotated[list[str], BeforeValidator(_clean_tags), Field(max_length=LIST_MAX)]
Links = Annotated[list[str], BeforeValidator(_clean_links), Field(max_length=LIST_MAX)]
IssueLinks = Annotated[Links, AfterValidator(_links_to(ISSUE_PREFIX, "an issue"))]
LessonLinks = Annotated[Links, AfterValidator(_links_to(LESSON_PREFIX, "a lesson"))]
IssueId = Annotated[str, AfterValidator(_starts_with(ISSUE_PREFIX, "an issue ID"))]
LessonId = Annotated[str, AfterValidator(_starts_with(LESSON_PREFIX, "a lesson ID"))]

Visibility = Literal["public", "internal", "restricted"]
VISIBILITIES: tuple[str, ...] = ("public", "internal", "restricted")


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


# --- records ------------------------------------------------------------------------

UPDATE_KINDS: tuple[str, ...] = ("comment", "decision", "action", "conflict")


class Update(BaseModel):
    """One dated, attributed entry in a record's timeline."""

    model_config = ConfigDict(extra="allow", validate_assignment=True)

    id: str = Field(default_factory=lambda: new_id(UPDATE_PREFIX, 8), pattern=UPDATE_ID.pattern)
    at: Annotated[datetime, AfterValidator(_aware)] = Field(default_factory=now)
    author: Annotated[Name, AfterValidator(_not_blank)]
    kind: Literal["comment", "decision", "action", "conflict"] = "comment"
    text: Annotated[Text, AfterValidator(_not_blank)]
    visibility: Visibility = "internal"


class Record(BaseModel):
    """What issues and lessons share: identity, text hygiene, visibility, updates.

    Unknown fields are kept (`extra="allow"`) so that a record written by a newer
    Tracker survives being edited by an older one.
    """

    model_config = ConfigDict(extra="allow", validate_assignment=True, str_max_length=TEXT_MAX)

    id: str
    title: Title
    area: Word = "programme"
    priority: Word = "medium"
    visibility: Visibility = "internal"
    tags: Tags = Field(default_factory=list)
    updates: list[Update] = Field(default_factory=list, max_length=UPDATES_MAX)
    created_at: Annotated[datetime, AfterValidator(_aware)] = Field(default_factory=now)
    external_ref: OptionalName = None

    @field_validator("id", mode="before")
    @classmethod
    def _id_pattern(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = normalise_id(value)
            if not is_record_id(value):
                raise ValueError("must look like ISS-4K7Q2M or LES-8H2Z1P")
        return value


class Issue(Record):
    """A PRINCE2 issue register entry, with what a council programme needs."""

    id: IssueId = Field(default_factory=lambda: new_id(ISSUE_PREFIX))
    type: Literal["problem", "request for change", "off-specification"] = "problem"
    description: Text = ""
    status: Word = "new"
    severity: Word = "medium"
    raised_by: Annotated[Name, AfterValidator(_not_blank)]
    owner: OptionalName = None
    owner_role: OptionalName = None
    raised_on: date = Field(default_factory=lambda: now().date())
    target_date: OptionalDate = None
    closed_on: OptionalDate = None
    workaround: Text = ""
    affects_vulnerable: bool = False
    statutory_impact: bool = False
    cost_gbp: Annotated[float | None, BeforeValidator(_blank_to_none)] = Field(
        default=None, ge=0, le=10_000_000_000
    )
    cost_basis: Literal["estimate", "actual"] | None = None
    lessons: LessonLinks = Field(default_factory=list)
    related: IssueLinks = Field(default_factory=list)


class Lesson(Record):
    """A PRINCE2 lessons log entry. A lesson is not learned until it is acted on."""

    id: LessonId = Field(default_factory=lambda: new_id(LESSON_PREFIX))
    type: Literal["project", "corporate/programme", "both"] = "project"
    event: Text = ""
    effect: Text = ""
    cause: Text = ""
    early_warnings: Text = ""
    recommendation: Text = ""
    was_risk: bool = False
    logged_by: Annotated[Name, AfterValidator(_not_blank)]
    logged_on: date = Field(default_factory=lambda: now().date())
    source: Literal["audit", "independent review", "retrospective", "staff"] = "staff"
    action_status: Literal["identified", "agreed", "actioned", "embedded"] = "identified"
    owner_role: OptionalName = None
    issues: IssueLinks = Field(default_factory=list)


AnyRecord = Issue | Lesson
LESSON_TYPES: tuple[str, ...] = ("project", "corporate/programme", "both")
ISSUE_TYPES: tuple[str, ...] = ("problem", "request for change", "off-specification")
LESSON_SOURCES: tuple[str, ...] = ("audit", "independent review", "retrospective", "staff")
ACTION_STATUSES: tuple[str, ...] = ("identified", "agreed", "actioned", "embedded")
COST_BASES: tuple[str, ...] = ("estimate", "actual")


def model_for(record_id: str) -> type[Issue] | type[Lesson]:
    return Issue if kind_of(record_id) == "issue" else Lesson


def field_names(model: type[Record]) -> list[str]:
    """The model's fields in their declared order: the order a record file uses."""
    return list(model.model_fields)


def problems(error: ValidationError) -> list[str]:
    """One line per problem, each naming the field: `severity: must be one of …`."""
    lines = []
    for item in error.errors():
        where = ".".join(str(part) for part in item["loc"]) or "record"
        message = item["msg"].removeprefix("Value error, ")
        lines.append(f"{where}: {message}")
    return lines


def to_document(record: Record) -> dict[str, Any]:
    """The record as the JSON document stored in its file: declared fields in
    order, then any unknown fields (sorted) that a newer Tracker wrote."""
    data = record.model_dump(mode="json")
    ordered = {name: data[name] for name in type(record).model_fields}
    for name in sorted(set(data) - set(ordered)):
        ordered[name] = data[name]
    return ordered


def from_document(document: dict[str, Any]) -> AnyRecord:
    """Validate a stored document into an Issue or a Lesson (by its ID)."""
    record_id = document.get("id")
    if not isinstance(record_id, str) or not is_record_id(record_id):
        raise ValueError(f"id: {str(record_id)[:30]!r} is not a record ID")
    return model_for(record_id).model_validate(document)


# --- the register's vocabulary ----------------------------------------------------------


class Vocabulary(BaseModel):
    """The words a register uses for status, area, severity and priority.

    `closed_statuses` are the statuses that count as done (not in the backlog).
    """

    model_config = ConfigDict(extra="forbid")

    statuses: list[Word] = [
        "new",
        "open",
        "in progress",
        "workaround in place",
        "resolved",
        "closed",
    ]
    closed_statuses: list[Word] = ["resolved", "closed"]
    severities: list[Word] = ["critical", "high", "medium", "low"]
    priorities: list[Word] = ["urgent", "high", "medium", "low"]
    areas: list[Word] = [
        "finance",
        "accounts receivable",
        "payroll",
        "hr",
        "recruitment",
        "safeguarding checks",
        "procurement",
        "pensions",
        "reporting",
        "integration",
        "data migration",
        "programme",
    ]

    @field_validator("statuses", "severities", "priorities", "areas")
    @classmethod
    def _not_empty(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("must list at least one word")
        if len(set(value)) != len(value):
            raise ValueError("lists a word twice")
        return value

    def is_closed(self, status: str) -> bool:
        return status in self.closed_statuses


def vocabulary_problems(record: Record, words: Vocabulary) -> list[str]:
    """Fields whose value is not one of the register's words, one line each."""
    checks: list[tuple[str, str, list[str]]] = [
        ("area", record.area, words.areas),
        ("priority", record.priority, words.priorities),
    ]
    if isinstance(record, Issue):
        checks += [
            ("status", record.status, words.statuses),
            ("severity", record.severity, words.severities),
        ]
    return [
        f"{name}: {value!r} is not one of {', '.join(allowed)}"
        for name, value, allowed in checks
        if value not in allowed
    ]
