"""One line to a new record: a title followed by query-style fields.

    Receipts rejected severity:high area:finance owner:priya

Words after `name:` fill that field (its name, or its name in the query
language: `target:2026-06-30`, `role:…`); a value with spaces is quoted
(`owner:"Priya Nair"`). A register word may be shortened to any unambiguous
start of it (`sev:crit` is not: field names are whole), and a person to the
start of a name the register knows. Everything else is the title. The fields and
their words come from the kinds-and-fields table and the register's vocabulary,
so completion (`QuickSuggester`) offers exactly what the line accepts.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from typing import Any

from textual.suggester import Suggester

from data.fields import About
from data.ids import Kind
from data.kinds import KINDS
from data.model import Vocabulary

FLAG_WORDS = {"yes": True, "y": True, "true": True, "no": False, "n": False, "false": False}
_PAIR = re.compile(r"^([a-z_]+):(.*)$", re.DOTALL)


@dataclass(frozen=True)
class Words:
    """What the quick line may say for one kind of record in one register."""

    kind: Kind
    vocabulary: Vocabulary
    people: tuple[str, ...] = ()
    roles: dict[str, str] = field(default_factory=dict)
    """`[people]` of tracker.toml: each person's role."""

    def names(self) -> dict[str, str]:
        """Every name a field goes by on the line (`target` → `target_date`)."""
        found: dict[str, str] = {}
        for name, about in KINDS[self.kind].fields().items():
            if about.editable and about.input not in ("text", "updates"):
                found[name] = name
                for alias in about.query or ():
                    found.setdefault(alias, name)
        return found

    def choices(self, name: str) -> tuple[str, ...]:
        about = KINDS[self.kind].fields()[name]
        if about.words:
            return tuple(getattr(self.vocabulary, about.words))
        if about.choices:
            return about.choices
        if about.input == "flag":
            return ("yes", "no")
        if self._names_a_person(name, about):
            return self.people
        if about.publication == "role":
            return tuple(dict.fromkeys(self.roles.values()))
        return ()

    def _names_a_person(self, name: str, about: About) -> bool:
        return about.publication == "person" and about.input == "line"


@dataclass(frozen=True)
class QuickEntry:
    """The record the line describes, or the problems that stop it."""

    fields: dict[str, Any]
    problems: list[str]


def _split(line: str) -> list[str]:
    try:
        return shlex.split(line)
    except ValueError:  # an unclosed quote: the words as typed so far
        return shlex.split(line + '"')


def _value(words: Words, name: str, text: str) -> tuple[Any, str | None]:
    about = KINDS[words.kind].fields()[name]
    choices = words.choices(name)
    if about.input == "flag":
        flag = FLAG_WORDS.get(text.lower())
        return (flag, None) if flag is not None else (None, f"{name}: yes or no, not {text!r}")
    if about.input in ("tags", "links"):
        return [part.strip() for part in text.split(",") if part.strip()], None
    if not choices:
        return text, None
    exact = [choice for choice in choices if choice.lower() == text.lower()]
    starts = exact or [choice for choice in choices if choice.lower().startswith(text.lower())]
    if len(starts) == 1:
        return starts[0], None
    if about.input in ("words", "choice"):
        offered = ", ".join(starts or choices)
        return None, f"{name}: {text!r} is not one of {offered}"
    return text, None  # a person or role the register does not know yet


def read_line(line: str, words: Words) -> QuickEntry:
    """The fields a quick line gives, with the title taken from its other words."""
    names = words.names()
    title: list[str] = []
    fields: dict[str, Any] = {}
    problems: list[str] = []
    for token in _split(line):
        pair = _PAIR.match(token)
        if pair is None or pair.group(1) not in names:
            title.append(token)
            continue
        name = names[pair.group(1)]
        value, problem = _value(words, name, pair.group(2))
        if problem:
            problems.append(problem)
        elif value not in ("", None, []):
            fields[name] = value
    if title:
        fields = {"title": " ".join(title), **fields}
    else:
        problems.append("title: type a title first, then fields like severity:high")
    if "owner" in fields and "owner_role" in names and "owner_role" not in fields:
        role = words.roles.get(fields["owner"])
        if role:
            fields["owner_role"] = role
    return QuickEntry(fields, problems)


class QuickSuggester(Suggester):
    """Completes the word being typed: a field's name, then one of its words."""

    def __init__(self, words: Words) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self.words = words

    async def get_suggestion(self, value: str) -> str | None:
        """`value` completed (what is typed stays as typed: the line reads any case)."""
        last = value.rpartition(" ")[2]
        names = self.words.names()
        pair = _PAIR.match(last)
        if pair is None:
            if len(last) < 2 or not last.islower():
                return None
            found = sorted((name for name in names if name.startswith(last)), key=len)
            if not found or not all(name.startswith(found[0]) for name in found):
                return None  # several fields start so: type on
            return value + found[0][len(last) :] + ":"  # `ow` → owner: (owner_role is owner…)
        name, typed = pair.groups()
        if name not in names:
            return None
        quoted = typed.startswith('"')
        typed = typed.lstrip('"')
        for choice in self.words.choices(names[name]):
            if choice.lower().startswith(typed.lower()) and len(choice) > len(typed):
                rest = choice[len(typed) :]
                # unquoted, a name ends at a space: its first word is enough
                return value + (rest + '"' if quoted else rest.split(" ")[0]) or None
        return None
