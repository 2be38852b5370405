"""Which column of a spreadsheet fills which field of a record.

Headers are matched on their letters and digits only (case, spacing and
punctuation ignored), first as written and then without a bracketed note:
"Impact (H/M/L)" is matched as "impact", "Date Raised" as "dateraised".
`--map "Column=field"` overrides the automatic choice (`--map "Column="` leaves a
column out). When two columns would fill one field, the first one does and the
other is reported as not imported. Columns that match nothing are reported, not
imported: a register keeps only fields it knows, and the report says how to map
them.

Two columns are not fields: `id` (a Tracker ID, kept when it is one, so Tracker's
own exports round-trip) and `update` (a comments column, added to the record's
timeline as one update).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from typing import Literal

from data.model import Issue, Lesson

Kind = Literal["issue", "lesson"]
ID_COLUMN = "id"
UPDATE_COLUMN = "update"

_REFERENCE = [
    "ref",
    "reference",
    "ref no",
    "reference number",
    "issue id",
    "issue ref",
    "issue no",
    "issue number",
    "log ref",
    "log no",
    "raid ref",
    "raid id",
    "item",
    "item no",
    "number",
    "no",
    "key",
    "external ref",
    "original reference",
    "lesson id",
    "lesson ref",
    "lesson no",
]
_COMMON: dict[str, list[str]] = {
    "external_ref": _REFERENCE,
    "area": [
        "area",
        "service area",
        "service",
        "workstream",
        "work stream",
        "department",
        "directorate",
        "team",
        "module",
        "function",
        "business area",
    ],
    "priority": ["priority", "urgency", "priority rating", "priority level"],
    "visibility": ["visibility", "publish", "classification", "security classification"],
    "tags": ["tags", "tag", "labels", "keywords"],
    "created_at": ["created at"],
    ID_COLUMN: ["id", "tracker id"],
    UPDATE_COLUMN: [
        "comments",
        "comment",
        "latest update",
        "update",
        "updates",
        "notes",
        "progress",
        "progress update",
        "commentary",
        "latest position",
        "current position",
    ],
}
ISSUE_HEADERS: dict[str, list[str]] = {
    **_COMMON,
    "title": [
        "title",
        "summary",
        "issue title",
        "issue summary",
        "issue",
        "subject",
        "short description",
        "headline",
        "issue name",
        "name",
    ],
    "type": ["type", "issue type"],
    "description": [
        "description",
        "details",
        "detail",
        "issue description",
        "full description",
        "issue details",
        "description of issue",
        "narrative",
    ],
    "status": ["status", "state", "current status", "issue status", "rag", "rag status", "status rag"],
    "severity": [
        "severity",
        "impact",
        "impact rating",
        "impact level",
        "severity rating",
        "criticality",
        "severity level",
    ],
    "owner": [
        "owner",
        "assigned to",
        "assignee",
        "action owner",
        "issue owner",
        "responsible",
        "responsible officer",
        "lead officer",
        "lead",
    ],
    "owner_role": ["owner role", "role"],
    "raised_by": [
        "raised by",
        "reported by",
        "logged by",
        "submitted by",
        "originator",
        "author",
        "identified by",
        "created by",
    ],
    "raised_on": [
        "raised on",
        "date raised",
        "date logged",
        "logged on",
        "date reported",
        "date identified",
        "date opened",
        "opened",
        "date created",
        "raised",
        "date",
        "date added",
        "logged",
    ],
    "target_date": [
        "target date",
        "due date",
        "due",
        "target",
        "deadline",
        "target resolution date",
        "expected resolution date",
        "by when",
        "due by",
        "resolution date",
    ],
    "closed_on": [
        "closed on",
        "closed date",
        "date closed",
        "resolved date",
        "date resolved",
        "closure date",
        "completed date",
        "date completed",
        "closed",
    ],
    "workaround": [
        "workaround",
        "work around",
        "mitigation",
        "mitigations",
        "mitigation workaround",
        "workaround mitigation",
        "mitigating actions",
        "interim solution",
        "mitigating action",
    ],
    "affects_vulnerable": [
        "affects vulnerable",
        "vulnerable residents",
        "affects vulnerable residents",
        "vulnerable",
        "vulnerable people",
        "safeguarding impact",
    ],
    "statutory_impact": [
        "statutory impact",
        "statutory",
        "statutory or compliance impact",
        "compliance",
        "compliance impact",
        "statutory compliance",
        "legal or regulatory",
        "regulatory",
    ],
    "cost_gbp": [
        "cost gbp",
        "cost",
        "cost impact",
        "estimated cost",
        "financial impact",
        "cost estimate",
        "cost £",
        "cost impact gbp",
    ],
    "cost_basis": ["cost basis"],
    "lessons": ["lessons", "linked lessons", "related lessons"],
    "related": ["related", "related issues", "linked issues"],
}
LESSON_HEADERS: dict[str, list[str]] = {
    **_COMMON,
    "title": ["title", "lesson", "lesson title", "summary", "lesson summary", "subject", "headline", "name"],
    "type": ["type", "lesson type"],
    "event": [
        "event",
        "what happened",
        "description",
        "details",
        "lesson description",
        "situation",
        "background",
    ],
    "effect": ["effect", "impact", "consequence", "consequences", "effects"],
    "cause": ["cause", "trigger", "cause trigger", "cause or trigger", "root cause", "causes"],
    "early_warnings": [
        "early warnings",
        "early warning indicators",
        "early warning",
        "warning signs",
        "indicators",
    ],
    "recommendation": [
        "recommendation",
        "recommendations",
        "what should we do differently",
        "lesson learned",
        "lessons learned",
        "learning",
        "action",
        "actions",
    ],
    "was_risk": [
        "was risk",
        "previously identified as a risk",
        "previously identified as risk",
        "identified as a risk",
        "was it a risk",
        "on risk register",
        "risk",
    ],
    "logged_by": [
        "logged by",
        "raised by",
        "reported by",
        "identified by",
        "submitted by",
        "author",
        "originator",
        "created by",
    ],
    "logged_on": [
        "logged on",
        "date logged",
        "date raised",
        "raised on",
        "date identified",
        "date",
        "date added",
        "logged",
    ],
    "source": ["source", "lesson source"],
    "action_status": ["action status", "status", "state", "lesson status"],
    "owner_role": ["owner role", "role", "owner"],
    "issues": ["issues", "related issues", "linked issues"],
}


def squash(header: str) -> str:
    """A header's letters and digits, lower case: the form aliases are matched in."""
    return re.sub(r"[^0-9a-z£]", "", header.lower())


def _without_notes(header: str) -> str:
    return re.sub(r"\([^)]*\)|\[[^\]]*\]", " ", header)


def headers_for(kind: Kind) -> dict[str, list[str]]:
    return ISSUE_HEADERS if kind == "issue" else LESSON_HEADERS


def importable_fields(kind: Kind) -> list[str]:
    """Every name a column may be mapped to with `--map`."""
    model = Issue if kind == "issue" else Lesson
    return [name for name in model.model_fields if name != "updates"] + [UPDATE_COLUMN]


@cache
def _alias_index(kind: Kind) -> dict[str, str]:
    index: dict[str, str] = {}
    for name in importable_fields(kind):
        index.setdefault(squash(name), name)
    for name, aliases in headers_for(kind).items():
        for alias in aliases:
            index.setdefault(squash(alias), name)
    return index


def guess_field(header: str, kind: Kind) -> str | None:
    """The field a header names, or None when it names none Tracker knows."""
    index = _alias_index(kind)
    return index.get(squash(header)) or index.get(squash(_without_notes(header))) or None


def known_count(headers: list[str], kind: Kind) -> int:
    """How many headers name a field: used to find the header row under a title."""
    return sum(1 for header in headers if guess_field(header, kind))


@dataclass
class ColumnMap:
    """The decision for every column: the field it fills, or why it is left out."""

    fields: dict[str, str] = field(default_factory=dict)
    left_out: dict[str, str] = field(default_factory=dict)

    def column_for(self, name: str) -> str | None:
        return next((column for column, target in self.fields.items() if target == name), None)


def map_columns(
    headers: list[str], kind: Kind, overrides: dict[str, str], records: bool = False
) -> ColumnMap:
    """Decide every column's field; `overrides` maps header → field ("" leaves it out).
    For Tracker's own JSON (`records`), a key that is a field's name is that field,
    the timeline of `updates` included."""
    allowed = set(importable_fields(kind))
    if records:
        allowed.add("updates")
    result = ColumnMap()
    for header in headers:
        chosen = _override(header, overrides)
        if chosen == "":
            result.left_out[header] = "left out by --map"
            continue
        exact = header if records and header in allowed else None
        target = chosen or exact or guess_field(header, kind)
        if target is None:
            result.left_out[header] = "no field of that name; use --map to import it"
        elif target not in allowed:
            result.left_out[header] = (
                f"{target} is not a field of {'an issue' if kind == 'issue' else 'a lesson'}"
            )
        elif target in result.fields.values():
            result.left_out[header] = f"{target} already comes from column {result.column_for(target)!r}"
        else:
            result.fields[header] = target
    return result


def _override(header: str, overrides: dict[str, str]) -> str | None:
    for column, target in overrides.items():
        if squash(column) == squash(header):
            return target.strip().lower().replace(" ", "_").replace("-", "_")
    return None


def unused_overrides(headers: list[str], overrides: dict[str, str]) -> list[str]:
    """`--map` columns that are not in the file: a typo the person should hear about."""
    present = {squash(header) for header in headers}
    return [column for column in overrides if squash(column) not in present]
