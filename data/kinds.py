"""The kinds of record (issues and lessons) and what derives from their fields.

`KINDS` says, for each kind, what the rest of Tracker would otherwise spell out
in an `if kind == "issue" else …`: its ID prefix, its folder, its model, the
fields that say who raised it and when, its state. Everything a screen, a
command, an import or an export needs to know about fields (labels, long texts,
names and roles, publication classes, links) is read here from the model's
kinds-and-fields table (`data.model`, `data.fields.About`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from data.fields import About, PublicationClass
from data.ids import ISSUE_PREFIX, LESSON_PREFIX, Kind, kind_of
from data.model import Issue, Lesson

__all__ = ["KINDS", "Kind", "KindOfRecord", "about", "kind_of", "label", "of_record"]


@dataclass(frozen=True)
class KindOfRecord:
    """One kind of record and the fields that play a part in every kind."""

    name: Kind
    plural: str
    prefix: str
    table: str
    model: type[Issue] | type[Lesson]
    raised_by: str
    """Who logged it (`raised_by`, `logged_by`)."""
    raised_on: str
    """When it was logged (`raised_on`, `logged_on`): ages are counted from it."""
    state: str
    """Its state in a workflow (`status`, `action_status`)."""
    main_text: str
    """The long text a title is taken from when none is given."""

    @property
    def a(self) -> str:
        """`an issue`, `a lesson`."""
        return ("an " if self.name[0] in "aeiou" else "a ") + self.name

    def fields(self) -> dict[str, About]:
        """Every field in the record file's order, with its entry in the table."""
        return _fields(self.name)

    def names(
        self, *publications: PublicationClass, long: bool | None = None, editable: bool | None = None
    ) -> tuple[str, ...]:
        """Field names chosen by publication class, long text or editability."""
        return tuple(
            name
            for name, about in self.fields().items()
            if (not publications or about.publication in publications)
            and (long is None or about.long == long)
            and (editable is None or about.editable == editable)
        )

    def links(self) -> dict[str, Kind]:
        """Link fields and the kind each links to (`lessons` → lesson)."""
        return {name: about.links_to for name, about in self.fields().items() if about.links_to}

    def links_to(self, other: Kind) -> bool:
        """Whether this kind of record can link to the other."""
        return other in self.links().values()

    def link_field(self, other: Kind) -> str:
        """The field that holds a link from this kind to the other."""
        return next(name for name, kind in self.links().items() if kind == other)


KINDS: dict[Kind, KindOfRecord] = {
    "issue": KindOfRecord(
        "issue", "issues", ISSUE_PREFIX, "issues", Issue, "raised_by", "raised_on", "status", "description"
    ),
    "lesson": KindOfRecord(
        "lesson",
        "lessons",
        LESSON_PREFIX,
        "lessons",
        Lesson,
        "logged_by",
        "logged_on",
        "action_status",
        "event",
    ),
}


def of_record(record_id: str) -> KindOfRecord:
    """The kind of the record an ID names."""
    return KINDS[kind_of(record_id)]


@cache
def _fields(kind: Kind) -> dict[str, About]:
    model = KINDS[kind].model
    found = {}
    for name, info in model.model_fields.items():
        if info.about is None:
            raise TypeError(f"{model.__name__}.{name} has no entry in the kinds-and-fields table (about=…)")
        found[name] = info.about
    return found


def about(kind: Kind, name: str) -> About | None:
    """A field's entry in the table, or None for a field the kind does not have."""
    return _fields(kind).get(name)


def label(name: str, kind: Kind | None = None) -> str:
    """A field's label (`Target date`); a field no kind has (one written by a
    newer Tracker) is labelled from its name."""
    kinds = [kind] if kind else list(KINDS)
    for each in kinds:
        found = _fields(each).get(name)
        if found is not None:
            return found.label
    return name.replace("_", " ").capitalize()
