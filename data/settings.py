"""A register's settings, `tracker.toml`: its name, its vocabulary, the people
whose names must never be published, report wording and sync preferences."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from data.errors import InvalidSettings
from data.files import too_deep
from data.model import Vocabulary, problems
from data.text import NAME_MAX, clean_line, one_line
from data.validation import (
    Model,
    ValidationError,
    field,
    flag,
    list_of,
    model,
    table_of_text,
    text,
    whole_number,
)

SETTINGS_FILE = "tracker.toml"
SETTINGS_MAX_BYTES = 1_000_000
WORDING_MAX = 20_000
SETTINGS_MAX_DEPTH = 16


def _default_rag() -> dict[str, str]:
    return {
        "red": "Critical issues are open, or the backlog grew this period.",
        "amber": "High-severity issues are open, but the backlog is not growing.",
        "green": "No critical or high-severity issues are open.",
    }


class ReportWording(Model):
    """Wording a council customises in its transparency reports."""

    title: str = field(text(WORDING_MAX), default="Programme transparency report")
    programme: str = field(text(WORDING_MAX), default="The programme")
    introduction: str = field(
        text(WORDING_MAX),
        default=(
            "This report sets out the issues the programme is dealing with, what has been "
            "resolved, and what we have learned. It is published as part of our commitment "
            "to be open about what went wrong and how we are putting it right."
        ),
    )
    rag: dict[str, str] = field(table_of_text(WORDING_MAX), dict[str, str], factory=_default_rag)
    small_count_threshold: int = field(whole_number(1, 100), int, default=5)
    sections: dict[str, str] = field(table_of_text(WORDING_MAX), dict[str, str], factory=dict)


class SyncPreferences(Model):
    remote: str = field(text(200, blank=False), default="origin")
    interval_minutes: int = field(whole_number(0, 24 * 60), int, default=0)


def _register_name(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError("must be text")
    return str(clean_line(value))[:200] or "Programme register"


class Person(Model):
    """Someone whose name must never be published: the role that stands in for
    them and the other ways their name is written (`Dr Ravi DeSouza`, `R. DeSouza`)."""

    role: str = field(text(200, clean_line, blank=False))
    aliases: list[str] = field(list_of(text(NAME_MAX, clean_line, blank=False), 50), list[str], factory=list)


def _people(value: object) -> dict[str, Person]:
    """`[people]`: `"Priya Nair" = "Finance systems lead"`, or a table per person
    with `role` and `aliases`."""
    if not isinstance(value, dict):
        raise ValueError("must be a table of names")
    cleaned: dict[str, Person] = {}
    for name, entry in value.items():
        person = clean_line(name) if isinstance(name, str) else ""
        if not person or len(person) > NAME_MAX:
            raise ValueError(f"{str(name)[:30]!r}: each person needs a name of at most {NAME_MAX} characters")
        if isinstance(entry, str):
            entry = {"role": entry}
        if isinstance(entry, Person):
            cleaned[person] = entry
            continue
        if not isinstance(entry, dict):
            raise ValueError(f"{person[:30]!r}: must be a role, or a table with role and aliases")
        try:
            cleaned[person] = Person.model_validate(entry)
        except ValidationError as error:
            raise ValueError(f"{person[:30]!r}: " + "; ".join(problems(error))) from None
    return cleaned


class RegisterSettings(Model):
    """Everything in `tracker.toml`. Unknown keys are refused with the key's name,
    so a typo does not silently do nothing."""

    name: str = field(_register_name, default="Programme register")
    demo: bool = field(flag, bool, default=False)
    vocabulary: Vocabulary = field(model(Vocabulary), Vocabulary, factory=Vocabulary)
    people: dict[str, Person] = field(_people, dict[str, Person], factory=dict)
    report: ReportWording = field(model(ReportWording), ReportWording, factory=ReportWording)
    sync: SyncPreferences = field(model(SyncPreferences), SyncPreferences, factory=SyncPreferences)

    def roles(self) -> dict[str, str]:
        """Each person in `[people]` and the role that stands in for them."""
        return {name: person.role for name, person in self.people.items()}

    def role_of(self, person: str | None) -> str:
        """The role that stands in for a person's name in anything published."""
        if not person:
            return "a member of staff"
        found = self.people.get(person)
        return found.role if found else "a member of staff"


def load_settings(register: Path) -> RegisterSettings:
    """Read `tracker.toml`; defaults when absent; InvalidSettings naming the file
    and field when it is damaged or holds bad values."""
    path = register / SETTINGS_FILE
    if path.is_symlink():
        raise InvalidSettings(path, "is a symbolic link; Tracker does not follow links")
    if not path.exists():
        return RegisterSettings()
    if path.stat().st_size > SETTINGS_MAX_BYTES:
        raise InvalidSettings(path, "is larger than 1 MB")
    return settings_from_bytes(path.read_bytes(), path)


def settings_from_bytes(raw: bytes, path: Path) -> RegisterSettings:
    """Settings from the bytes of a `tracker.toml` (on disk or in git history)."""
    if len(raw) > SETTINGS_MAX_BYTES:
        raise InvalidSettings(path, "is larger than 1 MB")
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise InvalidSettings(path, f"is not valid TOML: {one_line(str(error))}") from None
    except RecursionError:
        raise InvalidSettings(path, f"nests more than {SETTINGS_MAX_DEPTH} levels deep") from None
    if too_deep(data, limit=SETTINGS_MAX_DEPTH):
        raise InvalidSettings(path, f"nests more than {SETTINGS_MAX_DEPTH} levels deep")
    return parse_settings(data, path)


def parse_settings(data: dict[str, Any], path: Path) -> RegisterSettings:
    try:
        return RegisterSettings.model_validate(data)
    except ValidationError as error:
        raise InvalidSettings(path, "; ".join(problems(error))) from None


def settings_text(settings: RegisterSettings) -> str:
    """`tracker.toml` as written by `tracker init`: every setting, with defaults;
    a person with no other ways of writing their name on one line
    (`"Priya Nair" = "Finance systems lead"`)."""
    import tomli_w

    data = settings.model_dump(mode="json")
    data["people"] = {
        name: person if person.get("aliases") else person["role"] for name, person in data["people"].items()
    }
    return tomli_w.dumps(data, multiline_strings=True)
