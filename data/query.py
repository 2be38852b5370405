"""The query language shared by `tracker list` and the TUI's filter bar.

    status:open severity:high,critical area:finance -tag:payroll backlog
    raised<2024-05-01 age>30d vulnerable:yes is:open "receipts not allocated"

A term is `field:value` (several values with commas mean any of them), a
comparison on a date, an age or an amount (`raised<2024-05-01`, `age>30d`,
`cost>=10000`), or a free word or quoted phrase matched case-insensitively in
the record's text and updates. `-` before a term negates it. A query that cannot
be read raises QueryError saying what is allowed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from data.errors import QueryError
from data.fields import About
from data.ids import Kind, kind_of
from data.kinds import KINDS
from data.model import Vocabulary

Document = dict[str, Any]
Predicate = Callable[[Any], bool]

_TERM = re.compile(r'(?P<neg>-)?(?:(?P<field>[A-Za-z_]+)(?P<op><=|>=|:|<|>|=))?(?P<value>"[^"]*"?|\S+)?')

_HOW: dict[str, str] = {
    "id": "id",
    "line": "text",
    "date": "date",
    "flag": "bool",
    "amount": "number",
    "tags": "list",
    "links": "list",
}
"""How a term compares, by how the field is written (`data.fields.Input`)."""


def _how(about: About) -> str | None:
    if about.input == "words":
        return f"word:{about.words}"
    if about.input == "choice":
        return "choice:" + ",".join(about.choices)
    return _HOW.get(about.input)


def _terms(kind: Kind) -> dict[str, tuple[str, str]]:
    """Field name typed → (document field, how to compare), from the kinds-and-fields
    table: each field by its own name and its query names (`status`, `by`)."""
    terms: dict[str, tuple[str, str]] = {"age": ("", "age")}
    spec = KINDS[kind]
    for name, about in spec.fields().items():
        how = _how(about)
        if how is not None:
            for typed in (name,) if about.query is None else about.query:
                terms[typed] = (name, how)
    if kind == "issue":
        terms["is"] = (spec.state, "state")
    return terms


TERMS: dict[Kind, dict[str, tuple[str, str]]] = {kind: _terms(kind) for kind in KINDS}
TEXT_FIELDS: dict[Kind, tuple[str, ...]] = {
    name: tuple(field for field, about in kind.fields().items() if about.input in ("id", "line", "text"))
    for name, kind in KINDS.items()
}
"""Where a free word is looked for (with the tags and the updates' texts)."""
_TRUE = {"yes", "y", "true", "1"}
_FALSE = {"no", "n", "false", "0"}
_AGE = re.compile(r"^(\d{1,5})([dwmy]?)$")
_AGE_DAYS = {"": 1, "d": 1, "w": 7, "m": 30, "y": 365}


def fields_for(kind: Kind) -> dict[str, tuple[str, str]]:
    return TERMS[kind]


def _word(text: str) -> str:
    return " ".join(text.replace("-", " ").replace("_", " ").lower().split())


@dataclass(frozen=True)
class Query:
    """A compiled query: call it with a record document."""

    text: str
    predicate: Predicate
    needs_text: bool = False
    """True when a free word or phrase is searched for: it needs the records'
    long texts and updates, not only their listed fields."""
    fields: Predicate = field(default=lambda document: True, compare=False)
    """The field terms alone (without the free words)."""
    words: tuple[tuple[str, bool], ...] = ()
    """The free words, lower case, each with whether it is negated (`-word`)."""

    def __call__(self, value: Any) -> bool:
        """`value`: a document, or anything with its `.get` (a listing's row view)."""
        return self.predicate(value)

    def matching_words(self, texts: Mapping[str, str]) -> Callable[[str], bool]:
        """A test of record IDs for the free words, from each record's searchable
        text (`haystack_of`): one substring search per word and record, instead
        of the predicate's field-by-field look, for a filter over many records."""
        required: set[str] | None = None
        excluded: set[str] = set()
        holding = getattr(texts, "holding", None)  # packed texts search in one pass (data.packed_texts)
        for needle, negated in self.words:
            if holding is not None:
                hits = holding(needle)
            else:
                hits = {record_id for record_id, haystack in texts.items() if needle in haystack}
            if negated:
                excluded |= hits
            else:
                required = hits if required is None else required & hits
        if required is None:
            return lambda record_id: record_id not in excluded
        return lambda record_id: record_id in required and record_id not in excluded

    def __hash__(self) -> int:
        return hash(("tracker-query", self.text))


Access = Callable[[str], Callable[[Any], Any]]
"""How a test reads a field: given the field's name, a function from a record
to that field's value (None when the record has no such field)."""


def by_key(field: str) -> Callable[[Any], Any]:
    """Fields read from a document (a dict, or anything with its `.get`)."""
    return lambda document: document.get(field)


def parse(
    text: str, kind: Kind, words: Vocabulary | None = None, today: date | None = None, access: Access = by_key
) -> Query:
    """Compile `text` into a Query for issues or lessons. `access` says how its
    field terms read a record (`by_key` for documents; a listing passes one that
    reads its rows by position, in C). Free words always read documents: on
    anything else, use the query's `fields` and `matching_words`."""
    words = words or Vocabulary()
    today = today or date.today()
    if len(text) > 2000:
        raise QueryError("the query is longer than 2,000 characters")
    tests: list[Predicate] = []
    field_tests: list[Predicate] = []
    free_words: list[tuple[str, bool]] = []
    needs_text = False
    for match in _TERM.finditer(text):
        if not match.group(0):
            continue
        negate = bool(match.group("neg"))
        name, operator, value = match.group("field"), match.group("op"), match.group("value") or ""
        value = value.strip('"')
        if name is None:
            if not value:
                continue
            test = _free_text(value, kind)
            needs_text = True
            free_words.append((_needle(value), negate))
        else:
            test = _field_test(name.lower(), operator, value, kind, words, today, access)
            field_tests.append(_negated(test) if negate else test)
        tests.append(_negated(test) if negate else test)
    return Query(text, _all(tests), needs_text, _all(field_tests), tuple(free_words))


def _needle(value: str) -> str:
    return value.lower().replace("\0", "")


def _all(tests: list[Predicate]) -> Predicate:
    if not tests:
        return lambda document: True
    if len(tests) == 1:
        return tests[0]
    first, rest = tests[0], _all(tests[1:])
    return lambda document: first(document) and rest(document)


def _negated(test: Predicate) -> Predicate:
    return lambda document: not test(document)


def haystack_of(document: Mapping[str, Any]) -> str:
    """Everything a free word is looked for in, lower case, one field per part:
    the text fields, the tags and the updates' texts. Parts are joined by NUL,
    which no record text holds, so a word never matches across two fields."""
    names = TEXT_FIELDS[kind_of(str(document.get("id", "")))]
    parts = [str(value).lower() for value in (document.get(name) for name in names) if value]
    parts += list(document.get("tags") or ())
    parts += [str(update.get("text", "")).lower() for update in document.get("updates") or ()]
    return "\0".join(parts)


def _free_text(value: str, kind: Kind) -> Predicate:
    needle = _needle(value)
    names = TEXT_FIELDS[kind]

    def test(document: Document) -> bool:
        for name in names:
            field_value = document.get(name)
            if field_value and needle in field_value.lower():
                return True
        if any(needle in tag for tag in document.get("tags", ())):
            return True
        return any(needle in update.get("text", "").lower() for update in document.get("updates", ()))

    return test


def _field_test(
    name: str, operator: str, value: str, kind: Kind, words: Vocabulary, today: date, access: Access
) -> Predicate:
    known = fields_for(kind)
    if name not in known:
        raise QueryError(f"unknown field {name!r} for {kind}s; fields are: {', '.join(sorted(known))}")
    field, how = known[name]
    if not value:
        raise QueryError(f"{name}: needs a value after {operator!r}")
    if operator in ("<", ">", "<=", ">="):
        return _comparison(name, field, how, operator, value, today, access)
    if how == "age":
        raise QueryError(f"{name}: compare it, as in age>30d or age<7d")
    values = [part.strip() for part in value.split(",") if part.strip()]
    if how.startswith("word:"):
        allowed = getattr(words, how[5:])
        return _choice(name, access(field), [_word(v) for v in values], allowed)
    if how.startswith("choice:"):
        return _choice(name, access(field), [_word(v) for v in values], how[7:].split(","))
    if how == "state":
        return _state(name, values, words, access("status"))
    if how == "bool":
        return _boolean(name, access(field), value)
    get = access(field)
    if how == "list":
        wanted = {v.lower() for v in values}
        return lambda document: any(item.lower() in wanted for item in get(document) or ())
    if how == "id":
        wanted = {v.upper() for v in values}
        return lambda document: get(document) in wanted
    if how == "date":
        dates = {_date(name, v).isoformat() for v in values}
        return lambda document: get(document) in dates
    if how == "number":
        amounts = {_number(name, v) for v in values}
        return lambda document: get(document) in amounts
    needles = [v.lower() for v in values]
    return lambda document: any(n in (get(document) or "").lower() for n in needles)


def _choice(name: str, get: Callable[[Any], Any], values: list[str], allowed: list[str]) -> Predicate:
    by_word = {_word(word): word for word in allowed}
    chosen = set()
    for value in values:
        if value not in by_word:
            raise QueryError(f"{name}: {value!r} is not one of {', '.join(allowed)}")
        chosen.add(by_word[value])
    return lambda document: get(document) in chosen


def _state(name: str, values: list[str], words: Vocabulary, get: Callable[[Any], Any]) -> Predicate:
    closed = set(words.closed_statuses)
    if values == ["open"]:
        return lambda document: get(document) not in closed
    if values == ["closed"]:
        return lambda document: get(document) in closed
    raise QueryError(f"{name}: use is:open (not yet resolved or closed) or is:closed")


def _boolean(name: str, get: Callable[[Any], Any], value: str) -> Predicate:
    value = value.lower()
    if value in _TRUE:
        return lambda document: bool(get(document))
    if value in _FALSE:
        return lambda document: not get(document)
    raise QueryError(f"{name}: use yes or no")


def _date(name: str, value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise QueryError(f"{name}: {value!r} is not a date like 2024-05-01") from None


def _number(name: str, value: str) -> float:
    try:
        return float(value.replace(",", "").lstrip("£"))
    except ValueError:
        raise QueryError(f"{name}: {value!r} is not an amount like 10000") from None


_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "<": lambda a, b: a < b,
    ">": lambda a, b: a > b,
    "<=": lambda a, b: a <= b,
    ">=": lambda a, b: a >= b,
}


def _comparison(
    name: str, field: str, how: str, operator: str, value: str, today: date, access: Access
) -> Predicate:
    compare = _COMPARE[operator]
    if how == "age":
        match = _AGE.match(value.lower())
        if not match:
            raise QueryError(f"{name}: {value!r} is not an age like 30d, 4w, 6m or 1y")
        days = int(match.group(1)) * _AGE_DAYS[match.group(2)]
        # Age is counted from the day raised (or logged): age>30d is raised before today-30.
        flipped = _COMPARE[{"<": ">", ">": "<", "<=": ">=", ">=": "<="}[operator]]
        try:
            threshold = (today - timedelta(days=days)).isoformat()
        except OverflowError:
            raise QueryError(f"{name}: {value!r} reaches back before the calendar begins") from None

        raised_on, logged_on = access("raised_on"), access("logged_on")

        def age_test(document: Document) -> bool:
            raised = raised_on(document) or logged_on(document)
            return bool(raised) and flipped(raised, threshold)

        return age_test
    get = access(field)
    if how == "date":
        bound = _date(name, value).isoformat()
        return lambda document: bool(get(document)) and compare(get(document), bound)
    if how == "number":
        amount = _number(name, value)
        return lambda document: get(document) is not None and compare(get(document), amount)
    raise QueryError(f"{name}: cannot be compared with {operator}; use {name}:value")


# --- sorting ----------------------------------------------------------------------------

SORTABLE = (
    "id",
    "title",
    "status",
    "severity",
    "priority",
    "area",
    "owner",
    "raised",
    "age",
    "target",
    "logged",
    "action",
    "cost",
)


def sort_key(field: str, words: Vocabulary) -> Callable[[Document], Any]:
    """A key for sorting documents by a field typed by a person (`severity`, `age`)."""
    ranks = {
        "severity": {word: rank for rank, word in enumerate(words.severities)},
        "priority": {word: rank for rank, word in enumerate(words.priorities)},
        "status": {word: rank for rank, word in enumerate(words.statuses)},
        "action": {w: r for r, w in enumerate(("identified", "agreed", "actioned", "embedded"))},
    }
    if field in ranks:
        rank, name = ranks[field], "action_status" if field == "action" else field
        return lambda document: rank.get(str(document.get(name)), len(rank))
    names = {"raised": "raised_on", "target": "target_date", "logged": "logged_on", "cost": "cost_gbp"}
    if field == "age":
        return lambda document: document.get("raised_on") or document.get("logged_on") or ""
    if field in names or field in ("id", "title", "area", "owner"):
        name = names.get(field, field)
        return lambda document: (document.get(name) is None, document.get(name) or "")
    raise QueryError(f"cannot sort by {field!r}; sort by one of {', '.join(SORTABLE)}")
