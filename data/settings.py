"""A register's settings, `tracker.toml`: its name, its vocabulary, the people
whose names must never be published, report wording and sync preferences."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from data.errors import InvalidSettings
from data.files import too_deep
from data.model import Vocabulary, problems
from data.text import clean_line, one_line
from data.validation import Model, ValidationError, field, flag, model, table_of_text, text, whole_number

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


def _people(value: object) -> dict[str, str]:
    cleaned = {}
    for person, role in table_of_text(200)(value).items():
        person, role = clean_line(person), clean_line(role)
        if not person or not role:
            raise ValueError("each person needs a name and a role")
        cleaned[person] = role
    return cleaned


class RegisterSettings(Model):
    """Everything in `tracker.toml`. Unknown keys are refused with the key's name,
    so a typo does not silently do nothing."""

    name: str = field(_register_name, default="Programme register")
    demo: bool = field(flag, bool, default=False)
    vocabulary: Vocabulary = field(model(Vocabulary), Vocabulary, factory=Vocabulary)
    people: dict[str, str] = field(_people, dict[str, str], factory=dict)
    report: ReportWording = field(model(ReportWording), ReportWording, factory=ReportWording)
    sync: SyncPreferences = field(model(SyncPreferences), SyncPreferences, factory=SyncPreferences)

    def role_of(self, person: str | None) -> str:
        """The role that stands in for a person's name in anything published."""
        if not person:
            return "a member of staff"
        return self.people.get(person, "a member of staff")


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
    """`tracker.toml` as written by `tracker init`: every setting, with defaults."""
    import tomli_w

    return tomli_w.dumps(settings.model_dump(mode="json"), multiline_strings=True)
