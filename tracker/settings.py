"""A register's settings, `tracker.toml`: its name, its vocabulary, the people
whose names must never be published, report wording and sync preferences."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from tracker.errors import InvalidSettings
from tracker.model import Vocabulary, clean_line, problems

SETTINGS_FILE = "tracker.toml"
SETTINGS_MAX_BYTES = 1_000_000


class ReportWording(BaseModel):
    """Wording a council customises in its transparency reports."""

    model_config = ConfigDict(extra="forbid")

    title: str = "Programme transparency report"
    programme: str = "The programme"
    introduction: str = (
        "This report sets out the issues the programme is dealing with, what has been "
        "resolved, and what we have learned. It is published as part of our commitment "
        "to be open about what went wrong and how we are putting it right."
    )
    rag: dict[str, str] = Field(
        default_factory=lambda: {
            "red": "Critical issues are open, or the backlog grew this period.",
            "amber": "High-severity issues are open, but the backlog is not growing.",
            "green": "No critical or high-severity issues are open.",
        }
    )
    small_count_threshold: int = Field(default=5, ge=1, le=100)
    sections: dict[str, str] = Field(default_factory=dict)


class SyncPreferences(BaseModel):
    model_config = ConfigDict(extra="forbid")

    remote: str = "origin"
    interval_minutes: int = Field(default=0, ge=0, le=24 * 60)


class RegisterSettings(BaseModel):
    """Everything in `tracker.toml`. Unknown top-level keys are refused with the
    key's name, so a typo does not silently do nothing."""

    model_config = ConfigDict(extra="forbid")

    name: str = "Programme register"
    demo: bool = False
    vocabulary: Vocabulary = Field(default_factory=Vocabulary)
    people: dict[str, str] = Field(default_factory=dict)
    report: ReportWording = Field(default_factory=ReportWording)
    sync: SyncPreferences = Field(default_factory=SyncPreferences)

    @field_validator("name")
    @classmethod
    def _one_line(cls, value: str) -> str:
        return str(clean_line(value))[:200] or "Programme register"

    @field_validator("people")
    @classmethod
    def _people(cls, value: dict[str, str]) -> dict[str, str]:
        cleaned = {}
        for person, role in value.items():
            person, role = clean_line(person), clean_line(role)
            if not person or not role:
                raise ValueError("each person needs a name and a role")
            cleaned[person] = role
        return cleaned

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
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise InvalidSettings(path, f"is not valid TOML: {error}") from None
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
