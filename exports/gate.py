"""The publication gate: every value that leaves the register for a public
audience passes `Gate.publish`, and nothing else decides what may go public.

`publish` knows three things: the field's publication class, declared once on
the model (`data.fields.PublicationClass`, read through `data.kinds`), the
record's effective visibility, and the register's people index
(`exports.people`). For the public audience:

- only public records and public updates; restricted and internal records are
  counted (`Withheld`), never described, and links to them are dropped;
- `shown` fields as they are (Tracker's own words: dates, flags, amounts, IDs);
- `text` with people's names replaced by their roles and personal data removed
  (e-mail addresses, UK telephone numbers, postcodes, National Insurance numbers);
- `person` fields become the person's role; `role` fields only ever publish a
  role (a role field holding a known person's name becomes that person's role);
- `count` and `withheld` fields never leave per record; a field the model does
  not declare (written by a newer Tracker) is withheld;
- the register's own wording (`tracker.toml`) is cleaned of control and bidi
  characters and scrubbed like record text.

Every removal is recorded (`Gate.redactions`: what, where, why) and every text
published is kept (`Gate.published`), for the publication review. The internal
audience sees every record and field, with names, cleaned of control characters.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from data.fields import PublicationClass
from data.ids import Kind, kind_of
from data.kinds import KINDS, label
from data.people import PeopleSeen
from data.settings import RegisterSettings
from data.text import clean_text
from exports.people import UNKNOWN_ROLE, PeopleIndex, build_index

Audience = Literal["public", "internal"]
AUDIENCES: tuple[str, ...] = ("public", "internal")

PUBLISHED: tuple[PublicationClass, ...] = ("shown", "text", "person", "role", "links", "updates")
"""The publication classes a public record shows (as the class says how);
`count` and `withheld` fields never appear in a public record."""
PUBLIC_FIELDS: dict[Kind, tuple[str, ...]] = {name: kind.names(*PUBLISHED) for name, kind in KINDS.items()}
UPDATE_FIELDS: dict[str, PublicationClass] = {
    "id": "shown",
    "at": "shown",
    "author": "person",
    "kind": "shown",
    "text": "text",
    "visibility": "shown",
}
"""An update's fields and their publication classes."""
PUBLIC_UPDATE_FIELDS: tuple[str, ...] = tuple(UPDATE_FIELDS)
_PLANS: dict[Kind, tuple[tuple[str, PublicationClass, str], ...]] = {
    name: tuple((field, kind.fields()[field].publication, f", {label(field, name)}") for field in fields)
    for name, kind in KINDS.items()
    for fields in [PUBLIC_FIELDS[name]]
}
"""A public record's fields with their publication classes and the label each
adds to where a removal happened (what `publish` looks up field by field)."""
_REMEMBERED = 100_000
"""How many distinct texts the gate remembers the scrubbed form of: vocabulary
words, tags and repeated update texts are scrubbed once, not once a record."""
WITHHELD_REASONS = {
    "restricted": "restricted records hold information that must not be published, such as "
    "security weaknesses or details about individuals",
    "internal": "internal records are working notes not yet cleared for publication",
}


class PeopleSource(Protocol):
    """What the gate reads of a register (a subset of `exports.reader.RegisterReader`)."""

    @property
    def settings(self) -> RegisterSettings: ...

    def listed(self, kind: Kind) -> Sequence[dict[str, Any]]: ...

    def people_in_records(self) -> set[str]: ...

    def people_in_history(self) -> PeopleSeen: ...

    def accepted_words(self) -> set[str]: ...


@dataclass(frozen=True, slots=True)
class Redaction:
    """Something the gate removed from a public value: what, where, and why."""

    where: str
    what: str
    why: str


class Published:
    """Every text the gate published, in order, as `(where, text)` pairs; kept
    as two lists, not a tuple for each of the hundreds of thousands of values
    of an export of the whole register."""

    __slots__ = ("_texts", "_wheres")

    def __init__(self) -> None:
        self._wheres: list[str] = []
        self._texts: list[str] = []

    def add(self, where: str, text: str) -> None:
        self._wheres.append(where)
        self._texts.append(text)

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return zip(self._wheres, self._texts, strict=True)

    def __len__(self) -> int:
        return len(self._texts)


@dataclass
class Withheld:
    """What the public audience does not see, counted by kind and visibility."""

    records: dict[tuple[str, str], int] = field(default_factory=dict)
    updates: int = 0

    def add(self, kind: str, visibility: str) -> None:
        self.records[(kind, visibility)] = self.records.get((kind, visibility), 0) + 1

    def total(self) -> int:
        return sum(self.records.values())


class Gate:
    """The publication rules for one audience over one register."""

    def __init__(
        self,
        audience: Audience,
        settings: RegisterSettings,
        people: Iterable[str] = (),
        published_ids: Iterable[str] = (),
        emails: dict[str, str] | None = None,
        accepted: Iterable[str] = (),
    ):
        self.audience = audience
        self.public = audience == "public"
        """Whether the publication rules apply (asked for every value and record)."""
        self.settings = settings
        self.published_ids = frozenset(published_ids)
        self.threshold = settings.report.small_count_threshold
        self.accepted = frozenset(accepted)
        listed = {name: (person.role, list(person.aliases)) for name, person in settings.people.items()}
        self.index: PeopleIndex = build_index(listed, people, emails or {})
        self.redactions: list[Redaction] = []
        self.published = Published()
        self._scrubbed: dict[str, tuple[str, tuple[tuple[str, str], ...]]] = {}
        self._roles: dict[str, str | None] = {}

    @classmethod
    def for_register(
        cls, audience: Audience, register: PeopleSource, *tables: Iterable[dict[str, Any]]
    ) -> Gate:
        """The gate for a register: its people index from `[people]`, every name
        its records hold (`data.people.names_in`, from the register, which knows
        them without reading whole records) and the names and e-mail addresses in
        its history. Links publish to the public records among `tables` (short
        fields are enough; every record in the register when none are given)."""
        listed = tables or tuple(register.listed(kind) for kind in KINDS)
        published = [d["id"] for table in listed for d in table if d.get("visibility") == "public"]
        if audience != "public":
            return cls(audience, register.settings, (), published)
        seen = register.people_in_history()
        names = register.people_in_records() | seen.names
        return cls(audience, register.settings, names, published, seen.emails, register.accepted_words())

    # --- the one function -------------------------------------------------------------

    def publish(self, kind: Kind | None, name: str, value: Any, where: str) -> Any:
        """A field's value as this audience may read it (not yet escaped).
        `kind` None is for the register's own wording and vocabulary (text)."""
        if kind is None:
            publication: PublicationClass = "text"
        else:
            about = KINDS[kind].fields().get(name)
            publication = about.publication if about is not None else "withheld"
        return self.value(publication, value, f"{where}, {label(name, kind)}" if kind else where)

    def value(self, publication: PublicationClass, value: Any, where: str) -> Any:
        """A value of a publication class, as this audience may read it."""
        if not self.public:
            return _cleaned(value)
        if publication == "shown":
            return value
        if publication == "text":
            if isinstance(value, list):
                return [self._text(str(item), where) for item in value]
            return self._text("" if value is None else str(value), where)
        if publication == "person":
            return self._person(value, where)
        if publication == "role":
            return self._role(value, where)
        if publication == "links":
            return [link for link in value or () if link in self.published_ids]
        if publication == "updates":
            return [self.update(update, where) for update in value or () if self.shows(update)]
        return None

    # --- by class -----------------------------------------------------------------------

    def _text(self, text: str, where: str) -> str:
        # Scrubbing depends on the text alone, so each distinct text is scrubbed
        # once; what was removed is still recorded at every place it was.
        known = self._scrubbed.get(text)
        if known is None:
            scrubbed, found = self.index.scrub(clean_text(text))
            known = (scrubbed, tuple((item.what, item.why) for item in found))
            if len(self._scrubbed) >= _REMEMBERED:
                self._scrubbed.clear()
            self._scrubbed[text] = known
        scrubbed, removed = known
        if removed:
            self.redactions += [Redaction(where, what, why) for what, why in removed]
        if scrubbed:
            self.published.add(where, scrubbed)
        return scrubbed

    def _role_of(self, name: str) -> str | None:
        """`PeopleIndex.role`, looked up once for each name."""
        if name not in self._roles:
            self._roles[name] = self.index.role(name)
        return self._roles[name]

    def _person(self, name: Any, where: str) -> str:
        role = self._role_of(name) if isinstance(name, str) else None
        if name:
            self.redactions.append(
                Redaction(
                    where, str(name), f"a person's name, replaced by their role ({role or UNKNOWN_ROLE})"
                )
            )
        return role or UNKNOWN_ROLE

    def _role(self, value: Any, where: str) -> str | None:
        if not value:
            return None
        role = self._role_of(str(value))
        if role is not None:
            self.redactions.append(
                Redaction(
                    where, str(value), f"a person's name in a role field, replaced by their role ({role})"
                )
            )
            return role
        return self._text(str(value), where)

    # --- records ------------------------------------------------------------------------

    def shows(self, document: dict[str, Any]) -> bool:
        """Whether the audience may see a record or an update: its effective
        visibility (a record or update with no visibility is not public)."""
        return not self.public or document.get("visibility") == "public"

    def view(self, document: dict[str, Any]) -> dict[str, Any]:
        """The record as this audience may see it: published fields only, each
        through `publish`."""
        if not self.public:
            return dict(document)
        record_id = document["id"]
        # `publish` for each public field, with its class and label looked up once for the kind.
        view: dict[str, Any] = {}
        for name, publication, label_part in _PLANS[kind_of(record_id)]:
            value = document.get(name)
            if publication == "shown":
                view[name] = value
            elif publication == "text" and type(value) is str:  # what `value` does with it
                view[name] = self._text(value, record_id + label_part)
            else:
                view[name] = self.value(publication, value, record_id + label_part)
        return view

    def update(self, update: dict[str, Any], where: str = "update") -> dict[str, Any]:
        if not self.public:
            return dict(update)
        place = f"{where}, update {update.get('id', '')}".rstrip()
        return {
            name: value if kind == "shown" else self.value(kind, value, place)
            for name, kind in UPDATE_FIELDS.items()
            for value in [update.get(name)]
        }

    # --- the register's own words -------------------------------------------------------

    def text(self, value: Any, where: str = "report wording") -> str:
        """The register's own text (report wording, vocabulary words) for this audience."""
        published = self.publish(None, "", value, where)
        return published if isinstance(published, str) else ""

    def person(self, name: str | None, where: str = "name") -> str:
        return str(self.value("person", name, where) or "")


def _cleaned(value: Any) -> Any:
    """Internal output keeps everything, but never a control or bidi character."""
    if isinstance(value, str):
        return clean_text(value)
    return value
