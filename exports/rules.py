"""The publication rules: what a report for an audience may show, in one place.

Public output is built only from the views this module returns, so a field that
is not in an allow-list below cannot reach a public report, digest or record
export. For the public audience:

- only records and updates whose visibility is `public`; restricted and internal
  records are counted as withheld, never shown (not even their titles), and links
  to them are dropped;
- people's names become roles: the name fields (owner, raised by, logged by,
  update authors) are replaced by the person's role, and every name the register
  knows (its `people` list and every name in any record's name fields) is
  replaced by `[role]` wherever it appears in any text;
- whether one record affects vulnerable residents is never shown; those cases
  appear only as counts, and counts under the register's threshold are shown as
  "fewer than N" (see `small_counts`).

The internal audience sees every record and field, with names.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from data.fields import PublicationClass
from data.ids import Kind, kind_of
from data.kinds import KINDS
from data.settings import RegisterSettings

Audience = Literal["public", "internal"]
AUDIENCES: tuple[str, ...] = ("public", "internal")

PUBLISHED: tuple[PublicationClass, ...] = ("shown", "text", "person", "role", "links", "updates")
"""The publication classes a public record shows (as the class says how);
`count` and `withheld` fields never appear in a public record."""
PUBLIC_FIELDS: dict[Kind, tuple[str, ...]] = {name: kind.names(*PUBLISHED) for name, kind in KINDS.items()}
PUBLIC_UPDATE_FIELDS: tuple[str, ...] = ("id", "at", "author", "kind", "text", "visibility")
NAME_FIELDS: frozenset[str] = frozenset(
    {*(name for kind in KINDS.values() for name in kind.names("person")), "author"}
)
LINK_FIELDS: frozenset[str] = frozenset(name for kind in KINDS.values() for name in kind.names("links"))
WITHHELD_REASONS = {
    "restricted": "restricted records hold information that must not be published, such as "
    "security weaknesses or details about individuals",
    "internal": "internal records are working notes not yet cleared for publication",
}
UNKNOWN_ROLE = "a member of staff"
_WORDS = re.compile(r"[^\W_]+")
_INVISIBLE = re.compile(r"[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f\u2060-\u206f\ufeff]")


def plain(text: str) -> str:
    """Text normalised for matching and publishing: compatibility forms folded
    (fullwidth letters, ligatures) and invisible characters removed, so a name
    cannot hide behind a zero-width space."""
    return _INVISIBLE.sub("", unicodedata.normalize("NFKC", text))


class NameScrubber:
    """Replaces people's names in text by their roles.

    A full name matches in any case, with any separators between its parts or
    none (`Priya Nair`, `priya.nair`, `PRIYA-NAIR`, `Nair, Priya`). A single part
    of three letters or more matches as a capitalised word (`Priya`, `NAIR`), so
    a first name alone is caught while an ordinary word (`marsh`) is left: when
    in doubt the rule removes too much rather than too little.
    """

    def __init__(self, roles: dict[str, str]):
        self.roles = {plain(name).casefold(): role for name, role in roles.items() if plain(name).strip()}
        self._tokens: set[str] = set()
        patterns: list[tuple[str, str]] = []
        for name, role in roles.items():
            parts = _WORDS.findall(plain(name))
            if not parts:
                continue
            self._tokens.update(part.casefold() for part in parts)
            self._tokens.update({"".join(parts).casefold(), "".join(reversed(parts)).casefold()})
            joined = r"[\W_]*".join(re.escape(part) for part in parts)
            patterns.append((rf"(?i:{joined})", role))
            if len(parts) > 1:
                reversed_ = r"[\W_]*".join(re.escape(part) for part in reversed(parts))
                patterns.append((rf"(?i:{reversed_})", role))
            for part in parts:
                if len(part) >= 3 and part[0].isalpha():
                    patterns.append((rf"(?:{re.escape(part.capitalize())}|{re.escape(part.upper())})", role))
        patterns.sort(key=lambda item: -len(item[0]))
        self._role_by_group = [role for _, role in patterns]
        body = "|".join(f"({pattern})" for pattern, _ in patterns)
        self._pattern = re.compile(rf"(?<![^\W_])(?:{body})(?![^\W_])") if patterns else None

    def __call__(self, text: str) -> str:
        text = plain(text)
        # Most text names nobody: a set lookup of its words avoids the big pattern.
        if self._pattern is None or self._tokens.isdisjoint(_WORDS.findall(text.casefold())):
            return text
        return self._pattern.sub(self._replace, text)

    def _replace(self, match: re.Match[str]) -> str:
        index = match.lastindex or 1
        return f"[{self._role_by_group[index - 1]}]"

    def role(self, name: str | None) -> str:
        if not name:
            return UNKNOWN_ROLE
        return self.roles.get(plain(name).casefold(), UNKNOWN_ROLE)


def people_in(documents: Iterable[dict[str, Any]]) -> set[str]:
    """Every name written in a name field of these records or their updates."""
    names: set[str] = set()
    for document in documents:
        for name in ("owner", "raised_by", "logged_by"):
            if document.get(name):
                names.add(document[name])
        names.update(update["author"] for update in document.get("updates", ()) if update.get("author"))
    return names


@dataclass
class Withheld:
    """What the public audience does not see, counted by kind and visibility."""

    records: dict[tuple[str, str], int] = field(default_factory=dict)
    updates: int = 0

    def add(self, kind: str, visibility: str) -> None:
        self.records[(kind, visibility)] = self.records.get((kind, visibility), 0) + 1

    def total(self) -> int:
        return sum(self.records.values())


class Publication:
    """The rules for one audience over one register's records."""

    def __init__(
        self,
        audience: Audience,
        settings: RegisterSettings,
        people: Iterable[str] = (),
        published_ids: Iterable[str] = (),
    ):
        self.audience = audience
        self.published_ids = frozenset(published_ids)
        self.settings = settings
        self.threshold = settings.report.small_count_threshold
        roles = {name: UNKNOWN_ROLE for name in people}
        roles.update(settings.people)
        safe = NameScrubber(roles)
        # A role must not carry a name either (a role such as "Deputy to Priya Nair").
        self.names = NameScrubber(
            {name: safe(role).replace("[", "").replace("]", "") for name, role in roles.items()}
        )

    @classmethod
    def for_documents(
        cls, audience: Audience, settings: RegisterSettings, *tables: Iterable[dict[str, Any]]
    ) -> Publication:
        documents = [document for table in tables for document in table]
        published = [d["id"] for d in documents if d.get("visibility") == "public"]
        return cls(audience, settings, people_in(documents), published)

    @property
    def public(self) -> bool:
        return self.audience == "public"

    def shows(self, document: dict[str, Any]) -> bool:
        return not self.public or document.get("visibility") == "public"

    def text(self, value: Any) -> str:
        """Any user text as this audience may read it (not yet escaped)."""
        text = "" if value is None else str(value)
        return self.names(text) if self.public else text

    def person(self, name: str | None) -> str:
        if self.public:
            return self.names.role(name)
        return name or ""

    def view(self, document: dict[str, Any]) -> dict[str, Any]:
        """The record as this audience may see it: allow-listed fields only,
        names as roles, text scrubbed, updates filtered, and links only to
        published records."""
        if not self.public:
            return dict(document)
        allowed = PUBLIC_FIELDS[kind_of(document["id"])]
        view: dict[str, Any] = {}
        for name in allowed:
            view[name] = self._field(name, document.get(name))
        return view

    def _field(self, name: str, value: Any) -> Any:
        if name in NAME_FIELDS:
            return self.person(value)
        if name == "updates":
            return [self.update(update) for update in value or () if self.shows(update)]
        if name in LINK_FIELDS:
            return [link for link in value or () if link in self.published_ids]
        if name == "tags":
            return [self.text(tag) for tag in value or ()]
        if isinstance(value, str):
            return self.text(value)
        return value

    def update(self, update: dict[str, Any]) -> dict[str, Any]:
        if not self.public:
            return dict(update)
        view = {name: update.get(name) for name in PUBLIC_UPDATE_FIELDS}
        view["author"] = self.person(update.get("author"))
        view["text"] = self.text(update.get("text"))
        return view

    def count(self, value: int) -> str:
        """A count of vulnerable-resident cases: small counts (zero included) are
        shown as "fewer than N" for the public, so that a published zero does
        not mark the other small figures out as one to N-1 cases."""
        if self.public and value < self.threshold:
            return f"fewer than {self.threshold}"
        return f"{value:,}"


NOT_SHOWN = "not shown"


def small_counts(
    publication: Publication, figures: dict[str, int], sums: list[tuple[str, tuple[str, ...]]]
) -> dict[str, str]:
    """Vulnerable-resident figures as shown to the audience.

    `sums` declares which figures add up to others (`total = a + b`). When one
    member of a sum is suppressed, another is suppressed too (the smallest), so
    the hidden figure cannot be worked out by subtraction.
    """
    shown = {name: publication.count(value) for name, value in figures.items()}
    if not publication.public:
        return shown
    hidden = {name for name, value in figures.items() if value < publication.threshold}
    changed = True
    while changed:
        changed = False
        for total, parts in sums:
            members = [total, *parts]
            if sum(member in hidden for member in members) == 1:
                candidates = [m for m in parts if m not in hidden] or [total]
                hidden.add(min(candidates, key=lambda member: figures[member]))
                changed = True
    for name in hidden:
        if figures[name] >= publication.threshold:
            shown[name] = NOT_SHOWN
    return shown
