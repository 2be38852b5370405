"""Which column of a spreadsheet fills which field of a record.

Headers are matched on their letters and digits only (case, spacing and
punctuation ignored), first as written and then without a bracketed note:
"Impact (H/M/L)" is matched as "impact", "Date Raised" as "dateraised".
Aliases come from the registers councils keep: the PRINCE2 issue register and
lessons log, RAID logs and ServiceNow exports.

A header that is the field's own name or label ("Status") beats an alias
("State"), and an alias beats a loose one ("RAG", a free-text "Impact", "Date"):
a `RAG` column never takes the status from a `Status` column. Two columns that
match one field equally well stop the import, both named, with the `--map` that
settles it. `--map "Column=field"` overrides the automatic choice (`--map
"Column="` leaves a column out). A column that holds people's names ("Owner")
never fills a field for roles. Columns that match nothing are reported, not
imported.

Two columns are not fields: `id` (a Tracker ID, kept when it is one, so Tracker's
own exports round-trip) and `update` (a comments column, added to the record's
timeline as one update); a third, `closed?`, is a yes/no "Closed?" flag.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from typing import Literal

from data.kinds import KINDS, about

Kind = Literal["issue", "lesson"]
ID_COLUMN = "id"
UPDATE_COLUMN = "update"
CLOSED_FLAG = "closed?"

_REFERENCE = [
    "ref",
    "issue identifier",
    "lesson identifier",
    "identifier",
    "unique id",
    "raid id",
    "incident number",
    "case number",
    "ticket",
    "ticket number",
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
        "assignment group",
        "category",
    ],
    "priority": ["priority", "urgency", "priority rating", "priority level"],
    "visibility": ["visibility", "publish", "classification", "security classification"],
    "tags": ["tags", "tag", "labels", "keywords"],
    "created_at": ["created at"],
    ID_COLUMN: ["id", "tracker id"],
    CLOSED_FLAG: ["closed?", "closed y/n", "closed (y/n)", "is closed", "closed yes/no"],
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
    "type": ["type", "issue type", "issue category"],
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
        "impact score",
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
        "opened by",
        "issue report author",
        "caller",
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
        "opened at",
        "created",
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
        "closure",
        "closed at",
        "resolved",
        "resolved at",
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
        "lesson detail",
        "lesson details",
        "situation",
        "background",
    ],
    "effect": ["effect", "impact", "consequence", "consequences", "effects"],
    "cause": [
        "cause",
        "trigger",
        "cause trigger",
        "causes trigger",
        "cause or trigger",
        "root cause",
        "causes",
    ],
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
    "owner_role": ["owner role", "role", "owner", "action owner", "lesson owner"],
    "issues": ["issues", "related issues", "linked issues"],
}

LOOSE: dict[str, set[str]] = {
    "status": {"rag", "rag status", "status rag"},
    "severity": {"impact", "rag"},
    "priority": {"urgency"},
    "title": {"issue", "name", "lesson"},
    "raised_on": {"date", "opened", "raised", "logged", "created"},
    "logged_on": {"date", "logged"},
    "closed_on": {"closed", "resolved", "closure"},
    "external_ref": {"item", "no", "number", "key", "identifier"},
    "area": {"service", "team", "function", "module", "category", "assignment group"},
    "raised_by": {"author", "caller"},
    "was_risk": {"risk"},
    "recommendation": {"action", "actions", "learning"},
    "owner": {"lead", "responsible"},
}
"""Aliases that often mean something else: a `RAG` column is a rating, `Impact`
is often free text, `Date` any date. Any closer match for the field wins."""
NAME_HEADERS = frozenset(
    {"owner", "action owner", "lesson owner", "assigned to", "lead officer", "responsible officer"}
)
"""Headers whose cells are people's names: never read into a field for roles."""


def squash(header: str) -> str:
    """A header's letters and digits, lower case: the form aliases are matched in."""
    return re.sub(r"[^0-9a-z£]", "", header.lower())


def _without_notes(header: str) -> str:
    return re.sub(r"\([^)]*\)|\[[^\]]*\]", " ", header)


def headers_for(kind: Kind) -> dict[str, list[str]]:
    return {"issue": ISSUE_HEADERS, "lesson": LESSON_HEADERS}[kind]


def importable_fields(kind: Kind) -> list[str]:
    """Every name a column may be mapped to with `--map`."""
    names = [name for name in KINDS[kind].fields() if name != "updates"]
    return names + [UPDATE_COLUMN] + ([CLOSED_FLAG] if "closed_on" in names else [])


EXACT, ALIAS, LOOSE_ALIAS = 0, 1, 2
"""How closely a header names a field: its own name or label, an alias, a loose alias."""


@cache
def _alias_index(kind: Kind) -> dict[str, tuple[str, int]]:
    index: dict[str, tuple[str, int]] = {}
    for name in importable_fields(kind):
        index.setdefault(squash(name), (name, EXACT))
        found = about(kind, name)
        if found is not None:
            index.setdefault(squash(found.label), (name, EXACT))
    for name, aliases in headers_for(kind).items():
        for alias in aliases:
            closeness = LOOSE_ALIAS if alias in LOOSE.get(name, ()) else ALIAS
            index.setdefault(squash(alias), (name, closeness))
    return index


def match_field(header: str, kind: Kind) -> tuple[str, int] | None:
    """The field a header names and how closely, or None when it names none."""
    index = _alias_index(kind)
    return index.get(squash(header)) or index.get(squash(_without_notes(header)))


def guess_field(header: str, kind: Kind) -> str | None:
    """The field a header names, or None when it names none Tracker knows."""
    found = match_field(header, kind)
    return found[0] if found else None


def known_count(headers: list[str], kind: Kind) -> int:
    """How many headers name a field: used to find the header row under a title."""
    return sum(1 for header in headers if guess_field(header, kind))


@dataclass
class ColumnMap:
    """The decision for every column: the field it fills, or why it is left out;
    and the fields two columns match equally well (the import stops on those)."""

    fields: dict[str, str] = field(default_factory=dict)
    left_out: dict[str, str] = field(default_factory=dict)
    clashes: dict[str, list[str]] = field(default_factory=dict)

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
    wanted: dict[str, list[tuple[int, str]]] = {}
    for header in headers:
        chosen = _override(header, overrides)
        if chosen == "":
            result.left_out[header] = "left out by --map"
            continue
        exact = header if records and header in allowed else None
        found = (chosen, -1) if chosen else (exact, EXACT) if exact else match_field(header, kind)
        if found is None:
            result.left_out[header] = "no field of that name; use --map to import it"
        elif found[0] not in allowed:
            result.left_out[header] = f"{found[0]} is not a field of {KINDS[kind].a}"
        elif found[1] >= 0 and _names_for_a_role(header, found[0], kind):
            result.left_out[header] = (
                f"holds people's names, and {found[0]} takes roles only "
                f'(map it with --map "{header}=owner_role" if it holds roles)'
            )
        else:
            wanted.setdefault(found[0], []).append((found[1], header))
    for name, candidates in wanted.items():
        _choose_column(result, name, candidates)
    result.fields = {header: result.fields[header] for header in headers if header in result.fields}
    return result


def _choose_column(result: ColumnMap, name: str, candidates: list[tuple[int, str]]) -> None:
    """The closest match fills the field; the rest are left out, saying why. Two
    equally close matches are a clash (a `--map` override is closest of all)."""
    best = min(closeness for closeness, _ in candidates)
    closest = [header for closeness, header in candidates if closeness == best]
    if len(closest) > 1:
        result.clashes[name] = closest
        return
    result.fields[closest[0]] = name
    why = "--map" if best < 0 else "a closer match"
    for _, header in candidates:
        if header != closest[0]:
            result.left_out[header] = f"{name} already comes from column {closest[0]!r} ({why})"


def _names_for_a_role(header: str, name: str, kind: Kind) -> bool:
    found = about(kind, name)
    plain = " ".join(_without_notes(header).lower().split())
    return found is not None and found.publication == "role" and plain in NAME_HEADERS


def _override(header: str, overrides: dict[str, str]) -> str | None:
    for column, target in overrides.items():
        if squash(column) == squash(header):
            return target.strip().lower().replace(" ", "_").replace("-", "_")
    return None


def unused_overrides(headers: list[str], overrides: dict[str, str]) -> list[str]:
    """`--map` columns that are not in the file: a typo the person should hear about."""
    present = {squash(header) for header in headers}
    return [column for column in overrides if squash(column) not in present]
