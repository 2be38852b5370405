"""Turning spreadsheet cells into field values: dates as councils write them,
yes/no answers, amounts in pounds, and the words of a register's lists.

Dates and amounts are read as everywhere else in Tracker (`data.values`): day
first (01/04/2024 is 1 April 2024), never guessing the century of a two-digit
year; £1,234.56 and £12k. Words for status, severity, priority, area and the
fixed lists (type, visibility, lesson source, action status) are matched to the
register's own words: exactly, then through common synonyms (the SYNONYMS
table: "WIP" is in progress, "Complete" is resolved, "H" is high), then after a
rank ("1 - Critical", "3 - Moderate"), then as the one list word the cell
contains ("High impact"). A cell that negates ("Not resolved", "Public: no") is
never read as the word it negates, and visibility takes exact words and
synonyms only. RAG colours are read as a rating: for severity, red is high,
amber medium and green low; as a status, red, amber and green all mean the
issue is still open (map them otherwise with `--map-value`).
`--map-value "status:Parked=open"` is consulted before all of that.

Each function returns the value for the field, or raises ValueError with the
reason a person can act on.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from data.ids import Kind
from data.kinds import KINDS
from data.model import Vocabulary
from data.values import read_amount, read_date


def _fields_written_as(*inputs: str) -> frozenset[str]:
    return frozenset(
        name for kind in KINDS.values() for name, about in kind.fields().items() if about.input in inputs
    )


DATE_FIELDS = _fields_written_as("date")
BOOL_FIELDS = _fields_written_as("flag")
AMOUNT_FIELDS = _fields_written_as("amount")
LIST_FIELDS = _fields_written_as("tags", "links")
NOT_GIVEN = frozenset({"", "-", "--", "n/a", "na", "tbc", "tbd", "unknown", "none", "not known", "?"})

SYNONYMS: dict[str, dict[str, list[str]]] = {
    "status": {
        "new": ["not started", "to do", "todo", "submitted", "logged", "raised", "proposed", "draft"],
        "open": [
            "live",
            "outstanding",
            "pending",
            "assigned",
            "active",
            "reopened",
            "re-opened",
            "red",
            "amber",
            "green",
            "on hold",
            "awaiting",
            "escalated",
        ],
        "in progress": [
            "wip",
            "work in progress",
            "ongoing",
            "in hand",
            "underway",
            "under way",
            "started",
            "being worked on",
            "in-progress",
            "investigating",
            "under investigation",
        ],
        "workaround in place": [
            "workaround",
            "work around in place",
            "mitigated",
            "workaround applied",
            "mitigation in place",
            "workaround agreed",
        ],
        "resolved": ["complete", "completed", "done", "fixed", "blue", "implemented", "delivered"],
        "closed": ["cancelled", "canceled", "withdrawn", "duplicate", "rejected", "archived", "no action"],
    },
    "severity": {
        "critical": ["very high", "crit", "severe", "showstopper", "show stopper", "p1", "1", "catastrophic"],
        "high": ["h", "red", "major", "significant", "hi", "p2", "2"],
        "medium": ["m", "med", "amber", "moderate", "p3", "3"],
        "low": ["l", "green", "minor", "very low", "lo", "negligible", "p4", "4"],
    },
    "priority": {
        "urgent": ["immediate", "very high", "critical", "asap", "p1", "1"],
        "high": ["h", "red", "hi", "p2", "2"],
        "medium": ["m", "med", "amber", "normal", "p3", "3"],
        "low": ["l", "green", "lo", "p4", "4"],
    },
    "area": {
        "hr": ["human resources", "people", "people services"],
        "accounts receivable": ["ar", "income", "receipts", "debtors"],
        "finance": ["financial", "general ledger", "gl"],
        "procurement": ["purchasing", "p2p", "purchase to pay"],
        "payroll": ["pay", "salaries"],
        "integration": ["interfaces", "interface", "integrations"],
        "data migration": ["migration", "data"],
        "reporting": ["reports", "bi", "business intelligence"],
    },
    "type": {
        "problem": ["problem/concern", "concern", "issue", "problem or concern"],
        "request for change": ["rfc", "change request", "change", "cr", "request"],
        "off-specification": ["off specification", "off spec", "off-spec", "defect", "offspec"],
        "corporate/programme": [
            "programme",
            "corporate",
            "corporate programme",
            "corporate or programme",
            "corporate and programme",
            "program",
        ],
    },
    "visibility": {
        "internal": ["official", "internal only", "not for publication"],
        "restricted": [
            "official-sensitive",
            "official sensitive",
            "confidential",
            "sensitive",
            "private",
            "secret",
        ],
        "public": ["publish", "published", "open data"],
    },
    "source": {
        "audit": ["internal audit", "external audit", "auditor", "audit report"],
        "independent review": ["review", "external review", "gateway review", "peer review"],
        "retrospective": ["retro", "lessons workshop", "workshop", "post implementation review", "pir"],
        "staff": ["staff feedback", "employee", "team", "colleague"],
    },
    "action_status": {
        "identified": ["new", "open", "logged", "raised", "not started"],
        "agreed": ["accepted", "approved", "in progress", "planned"],
        "actioned": ["done", "complete", "completed", "implemented", "closed"],
        "embedded": ["business as usual", "bau", "learned", "learnt"],
    },
    "cost_basis": {"estimate": ["estimated", "est", "forecast"], "actual": ["actuals", "confirmed"]},
}

_TRUE = {"yes", "y", "true", "t", "1", "x", "✓", "✔", "ticked"}
_FALSE = {"no", "n", "false", "f", "0", "", "-", "n/a", "na", "none"}
_NEGATION = re.compile(r"(?<![a-z])(?:not|non|no|never|nor|un)(?![a-z])|n't")
_RANK = re.compile(r"^\(?\d{1,2}\)?\s*[-.:)]\s*")


def words(text: str) -> str:
    return " ".join(text.lower().replace("_", " ").split())


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and words(value) in NOT_GIVEN)


def to_date(value: Any, century: int | None = None) -> date | None:
    """A cell as a date, day first (`data.values`); None when blank; ValueError
    (TwoDigitYear for 01/04/99) when it cannot be one."""
    if isinstance(value, bool):
        raise ValueError("is not a date")
    if is_blank(value):
        return None
    return read_date(value, century)


def is_yes_or_no(value: Any) -> bool:
    """Whether a cell is a yes/no answer (a `Closed?` column's Y or N)."""
    return isinstance(value, bool) or (isinstance(value, str) and words(value) in (_TRUE | _FALSE) - {""})


def to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    text = words(str(value))
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError("is not yes or no")


def to_amount(value: Any) -> float | None:
    """£1,234.56, 1234, £12k, £1.5m, (500) → an amount in pounds (`data.values`)."""
    if isinstance(value, bool):
        raise ValueError("is not an amount")
    if is_blank(value):
        return None
    return read_amount(value)


def choose_word(
    name: str, value: Any, allowed: list[str] | tuple[str, ...], overrides: dict[str, str]
) -> str:
    """The list word a cell means for field `name`; ValueError listing the words.

    A cell that negates ("Not public", "Not resolved", "Public: no") is never
    read as the word it negates: only an exact word, a listed synonym or an
    override reads it. Visibility is read strictly (exact words and synonyms
    only): a guess there could publish what was never meant to be public."""
    text = words(str(value))
    override = overrides.get(text)
    if override is not None:
        return override
    for candidate in dict.fromkeys((text, _RANK.sub("", text))):
        found = _listed(name, candidate, allowed)
        if found:
            return found
    if name != "visibility" and not _NEGATION.search(text):
        inside = [word for word in allowed if re.search(rf"(?<![a-z]){re.escape(word)}(?![a-z])", text)]
        if len(inside) == 1:
            return inside[0]
    raise ValueError(f"is not one of {', '.join(allowed)}")


def _listed(name: str, text: str, allowed: list[str] | tuple[str, ...]) -> str | None:
    """The word itself, or the word a listed synonym stands for."""
    if text in allowed:
        return text
    for word, synonyms in SYNONYMS.get(name, {}).items():
        if word in allowed and (text in synonyms or text.replace("-", " ") in synonyms):
            return word
    return None


def word_lists(vocabulary: Vocabulary, kind: Kind) -> dict[str, list[str] | tuple[str, ...]]:
    """The allowed words of each list field, for this register and kind of record:
    the register's own words, or the field's fixed choices (`data.kinds`)."""
    lists: dict[str, list[str] | tuple[str, ...]] = {}
    for name, about in KINDS[kind].fields().items():
        if about.words:
            lists[name] = getattr(vocabulary, about.words)
        elif about.choices:
            lists[name] = about.choices
    return lists


def to_list(value: Any) -> list[Any]:
    if isinstance(value, list):
        return value
    if is_blank(value):
        return []
    return [part for part in re.split(r"[,;\n]", str(value)) if part.strip()]
