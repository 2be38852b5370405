"""The register's records: issues, lessons and their updates, validated.

This module is the domain model and depends on nothing else of Tracker's, so the
storage, the exports, the CLI and the TUI can all share it. Each field is one check
from `data.validation`; `problems()` turns a validation failure into one line per
field.

What a register may call a status, an area or a severity is the register's own
choice (`tracker.toml`), so those fields are plain strings here and are checked
against the register's `Vocabulary` by `vocabulary_problems()`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any, Literal

from data.fields import About
from data.ids import (
    ISSUE_PREFIX,
    LESSON_PREFIX,
    UPDATE_ID,
    UPDATE_PREFIX,
    is_record_id,
    kind_of,
    new_id,
    normalise_id,
)
from data.text import LIST_MAX, NAME_MAX, TAG_MAX, TEXT_MAX, TITLE_MAX, UPDATES_MAX, clean_line, clean_text
from data.validation import (
    REQUIRED,
    Model,
    ValidationError,
    amount,
    day,
    field,
    flag,
    list_of,
    model,
    moment,
    one_of,
    optional,
    text,
    then,
)

__all__ = ["REQUIRED", "ValidationError"]


def _word(value: Any) -> Any:
    """Vocabulary words are stored lower case with single spaces."""
    return clean_line(value).lower() if isinstance(value, str) else value


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


def _record_id(prefix: str, what: str) -> Callable[[Any], str]:
    """A record ID, normalised, of the right kind for its record."""

    def check(value: Any) -> str:
        if not isinstance(value, str):
            raise ValueError(f"must be text, not {type(value).__name__}")
        value = normalise_id(value)
        if not is_record_id(value):
            raise ValueError("must look like ISS-4K7Q2M or LES-8H2Z1P")
        if not value.startswith(prefix + "-"):
            raise ValueError(f"{what} starts with {prefix}-")
        return value

    return check


def _update_id(value: Any) -> str:
    if not isinstance(value, str) or not UPDATE_ID.match(value):
        raise ValueError(f"must look like UPD-4K7Q2M8H (not {str(value)[:30]!r})")
    return value


Visibility = Literal["public", "internal", "restricted"]
VISIBILITIES: tuple[str, ...] = ("public", "internal", "restricted")
UPDATE_KINDS: tuple[str, ...] = ("comment", "decision", "action", "conflict")
LESSON_TYPES: tuple[str, ...] = ("project", "corporate/programme", "both")
ISSUE_TYPES: tuple[str, ...] = ("problem", "request for change", "off-specification")
LESSON_SOURCES: tuple[str, ...] = ("audit", "independent review", "retrospective", "staff")
ACTION_STATUSES: tuple[str, ...] = ("identified", "agreed", "actioned", "embedded")
COST_BASES: tuple[str, ...] = ("estimate", "actual")

# The kinds of value a record holds, each one check.
TITLE = text(TITLE_MAX, clean_line, blank=False)
NAME = text(NAME_MAX, clean_line, blank=False)
OPTIONAL_NAME = then(clean_line, optional(text(NAME_MAX)))
TEXT = text(TEXT_MAX, clean_text)
WORD = text(60, _word, blank=False)
OPTIONAL_DATE = optional(day)
TAGS = list_of(text(TAG_MAX), LIST_MAX, _clean_tags)
LINKS = list_of(text(20), LIST_MAX, _clean_links)
ISSUE_LINKS = then(LINKS, _links_to(ISSUE_PREFIX, "an issue"))
LESSON_LINKS = then(LINKS, _links_to(LESSON_PREFIX, "a lesson"))
OPTIONAL_DATE_TYPE = date | None


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _today() -> date:
    return now().date()


# --- records ------------------------------------------------------------------------


class Update(Model):
    """One dated, attributed entry in a record's timeline."""

    keeps_unknown = True

    id: str = field(_update_id, factory=lambda: new_id(UPDATE_PREFIX, 8))
    at: datetime = field(moment, datetime, factory=now)
    author: str = field(NAME)
    kind: str = field(
        one_of(UPDATE_KINDS), Literal["comment", "decision", "action", "conflict"], default="comment"
    )
    text: str = field(text(TEXT_MAX, clean_text, blank=False))
    visibility: str = field(one_of(VISIBILITIES), Visibility, default="internal")


class Record(Model):
    """What issues and lessons share: identity, text hygiene, visibility, updates.

    The fields of `Record`, `Issue` and `Lesson`, with their `About`, are the
    kinds-and-fields table: labels, forms, command-line options, publication
    allow-lists, CSV columns and query terms derive from them (`data.kinds`).
    Unknown fields are kept (`keeps_unknown`) so that a record written by a newer
    Tracker survives being edited by an older one.
    """

    keeps_unknown = True

    id: str = field(_record_id("ISS", "an issue ID"), about=About("ID", "id", "shown", editable=False))
    title: str = field(TITLE, about=About("Title", "line", "text", query=()))
    area: str = field(WORD, default="programme", about=About("Area", "words", "text", words="areas"))
    priority: str = field(
        WORD, default="medium", about=About("Priority", "words", "text", words="priorities")
    )
    visibility: str = field(
        one_of(VISIBILITIES),
        Visibility,
        default="internal",
        about=About("Visibility", "choice", "shown", choices=VISIBILITIES),
    )
    tags: list[str] = field(
        TAGS, list[str], factory=list, about=About("Tags", "tags", "text", query=("tag",), option=("--tag",))
    )
    updates: list[Update] = field(
        list_of(model(Update), UPDATES_MAX),
        list[Update],
        factory=list,
        about=About("Updates", "updates", "updates", editable=False),
    )
    created_at: datetime = field(
        moment, datetime, factory=now, about=About("Created", "moment", "withheld", editable=False)
    )
    external_ref: str | None = field(
        OPTIONAL_NAME,
        str | None,
        default=None,
        about=About(
            "Original reference", "line", "withheld", query=("ref",), option=("--ref",), optional=True
        ),
    )


class Issue(Record):
    """A PRINCE2 issue register entry, with what a council programme needs."""

    id: str = field(
        _record_id(ISSUE_PREFIX, "an issue ID"),
        factory=lambda: new_id(ISSUE_PREFIX),
        about=About("ID", "id", "shown", editable=False),
    )
    type: str = field(
        one_of(ISSUE_TYPES),
        Literal["problem", "request for change", "off-specification"],
        default="problem",
        about=About("Type", "choice", "shown", choices=ISSUE_TYPES),
    )
    description: str = field(
        TEXT, default="", about=About("Description", "text", "text", option=("--description", "-d"))
    )
    status: str = field(WORD, default="new", about=About("Status", "words", "text", words="statuses"))
    severity: str = field(
        WORD, default="medium", about=About("Severity", "words", "text", words="severities")
    )
    raised_by: str = field(NAME, about=About("Raised by", "line", "person", query=("by", "raised_by")))
    owner: str | None = field(
        OPTIONAL_NAME, str | None, default=None, about=About("Owner", "line", "person", optional=True)
    )
    owner_role: str | None = field(
        OPTIONAL_NAME,
        str | None,
        default=None,
        about=About("Owner role", "line", "role", query=("role",), optional=True),
    )
    raised_on: date = field(
        day, date, factory=_today, about=About("Raised on", "date", "shown", query=("raised",))
    )
    target_date: date | None = field(
        OPTIONAL_DATE,
        OPTIONAL_DATE_TYPE,
        default=None,
        about=About("Target date", "date", "shown", query=("target",), option=("--target",), optional=True),
    )
    closed_on: date | None = field(
        OPTIONAL_DATE,
        OPTIONAL_DATE_TYPE,
        default=None,
        about=About("Closed on", "date", "shown", query=("closed",), optional=True),
    )
    workaround: str = field(TEXT, default="", about=About("Workaround", "text", "text"))
    affects_vulnerable: bool = field(
        flag,
        bool,
        default=False,
        about=About(
            "Affects vulnerable residents",
            "flag",
            "count",
            query=("vulnerable",),
            option=("--vulnerable/--not-vulnerable",),
        ),
    )
    statutory_impact: bool = field(
        flag,
        bool,
        default=False,
        about=About(
            "Statutory or compliance impact",
            "flag",
            "shown",
            query=("statutory",),
            option=("--statutory/--not-statutory",),
        ),
    )
    cost_gbp: float | None = field(
        optional(amount(0, 10_000_000_000)),
        float | None,
        default=None,
        about=About("Cost impact (£)", "amount", "shown", query=("cost",), option=("--cost",), optional=True),
    )
    cost_basis: str | None = field(
        optional(one_of(COST_BASES)),
        Literal["estimate", "actual"] | None,
        default=None,
        about=About("Cost basis", "choice", "shown", choices=COST_BASES, query=("basis",), optional=True),
    )
    lessons: list[str] = field(
        LESSON_LINKS,
        list[str],
        factory=list,
        about=About(
            "Linked lessons", "links", "links", links_to="lesson", query=("lesson",), option=("--lesson",)
        ),
    )
    related: list[str] = field(
        ISSUE_LINKS,
        list[str],
        factory=list,
        about=About("Related issues", "links", "links", links_to="issue"),
    )


class Lesson(Record):
    """A PRINCE2 lessons log entry. A lesson is not learned until it is acted on."""

    id: str = field(
        _record_id(LESSON_PREFIX, "a lesson ID"),
        factory=lambda: new_id(LESSON_PREFIX),
        about=About("ID", "id", "shown", editable=False),
    )
    type: str = field(
        one_of(LESSON_TYPES),
        Literal["project", "corporate/programme", "both"],
        default="project",
        about=About("Type", "choice", "shown", choices=LESSON_TYPES),
    )
    event: str = field(TEXT, default="", about=About("What happened", "text", "text"))
    effect: str = field(TEXT, default="", about=About("Effect", "text", "text"))
    cause: str = field(TEXT, default="", about=About("Cause or trigger", "text", "text"))
    early_warnings: str = field(TEXT, default="", about=About("Early-warning indicators", "text", "text"))
    recommendation: str = field(TEXT, default="", about=About("Recommendation", "text", "text"))
    was_risk: bool = field(
        flag,
        bool,
        default=False,
        about=About(
            "Previously identified as a risk",
            "flag",
            "shown",
            query=("risk",),
            option=("--was-risk/--was-not-risk",),
        ),
    )
    logged_by: str = field(NAME, about=About("Logged by", "line", "person", query=("by", "logged_by")))
    logged_on: date = field(
        day, date, factory=_today, about=About("Logged on", "date", "shown", query=("logged",))
    )
    source: str = field(
        one_of(LESSON_SOURCES),
        Literal["audit", "independent review", "retrospective", "staff"],
        default="staff",
        about=About("Source", "choice", "shown", choices=LESSON_SOURCES),
    )
    action_status: str = field(
        one_of(ACTION_STATUSES),
        Literal["identified", "agreed", "actioned", "embedded"],
        default="identified",
        about=About("Action status", "choice", "shown", choices=ACTION_STATUSES, query=("action",)),
    )
    owner_role: str | None = field(
        OPTIONAL_NAME,
        str | None,
        default=None,
        about=About("Owner role", "line", "role", query=("role",), optional=True),
    )
    issues: list[str] = field(
        ISSUE_LINKS,
        list[str],
        factory=list,
        about=About(
            "Linked issues", "links", "links", links_to="issue", query=("issue",), option=("--issue",)
        ),
    )


AnyRecord = Issue | Lesson


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
    return _model_of(document).model_validate(document)


def _model_of(document: dict[str, Any]) -> type[Issue] | type[Lesson]:
    record_id = document.get("id")
    if not isinstance(record_id, str) or not is_record_id(record_id):
        raise ValueError(f"id: {str(record_id)[:30]!r} is not a record ID")
    return model_for(record_id)


def checked_document(document: dict[str, Any]) -> dict[str, Any]:
    """`to_document(from_document(document))`: the document validated and
    normalised, or ValidationError saying why not. A document parsed from a
    file Tracker wrote is already exactly that, which `Model.proves` shows in a
    fraction of the time, without building the record (a cold start's most of
    the work); any other is validated in full."""
    kind = _model_of(document)
    if kind.proves(document):
        unknown = list(document)[len(kind.model_fields) :]
        if unknown == sorted(unknown):
            return document
    return to_document(kind.model_validate(document))


# --- the register's vocabulary ----------------------------------------------------------


def _word_list(value: Any) -> list[str]:
    if not isinstance(value, list) or not value:
        raise ValueError("must list at least one word")
    words = [WORD(word) for word in value]
    if len(set(words)) != len(words):
        raise ValueError("lists a word twice")
    return words


def _closed_words(value: Any) -> list[str]:
    if not isinstance(value, list):
        raise ValueError("must be a list of words")
    return [WORD(word) for word in value]


class Vocabulary(Model):
    """The words a register uses for status, area, severity and priority.

    `closed_statuses` are the statuses that count as done (not in the backlog).
    """

    statuses: list[str] = field(
        _word_list,
        list[str],
        factory=lambda: [
            "new",
            "open",
            "in progress",
            "workaround in place",
            "resolved",
            "closed",
        ],
    )
    closed_statuses: list[str] = field(_closed_words, list[str], factory=lambda: ["resolved", "closed"])
    severities: list[str] = field(
        _word_list, list[str], factory=lambda: ["critical", "high", "medium", "low"]
    )
    priorities: list[str] = field(_word_list, list[str], factory=lambda: ["urgent", "high", "medium", "low"])
    areas: list[str] = field(
        _word_list,
        list[str],
        factory=lambda: [
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
        ],
    )

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


def close_or_reopen(record: Record, old_status: str | None, words: Vocabulary, today: date) -> None:
    """The closing rule, for every way an issue is written: moving into a closed
    status dates the closing (today, unless a date is given); moving out of one
    clears it. Lessons have no closing date."""
    if not isinstance(record, Issue) or record.status == old_status:
        return
    if words.is_closed(record.status) and record.closed_on is None:
        record.closed_on = today
    elif not words.is_closed(record.status) and old_status is not None and words.is_closed(old_status):
        record.closed_on = None
