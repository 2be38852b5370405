"""What the exports read of a register: a small typed protocol.

`exports/` never opens files or runs git itself. It is handed something that
answers these questions (in the application, the register service,
`tracker.register.Register`; in tests, the same), the way Harlequin's app
talks to an abstract connection.

Figures (counts, statuses, dates, severities, areas, visibility) come from
`listed`, every record's short fields; whole records (long texts, updates)
are read with `records`, one at a time, only for the records an export
describes, so an export of the whole register never holds every document.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from typing import Any, Protocol

from data.backlog import Transition
from data.changes_since import Change
from data.ids import Kind
from data.people import PeopleSeen
from data.published import ReportTag
from data.query import Query
from data.settings import RegisterSettings

Document = dict[str, Any]


class RegisterReader(Protocol):
    """A register as the exports read it."""

    @property
    def settings(self) -> RegisterSettings:
        """The register's settings (`tracker.toml`)."""

    def listed(self, kind: Kind) -> Sequence[Document]:
        """Every valid record of one kind with its short fields only: no long
        texts (`data.kinds`: `long`) and no updates."""

    def records(self, ids: Iterable[str]) -> Iterator[Document]:
        """The whole documents of these records, one at a time, in the order
        given (IDs of records the register does not hold are skipped); not to be
        modified."""

    def people_in_records(self) -> set[str]:
        """Every name the records hold in a name field or as an update's author."""

    def query(self, text: str, kind: Kind, today: date | None = None) -> Query:
        """A query in the language of `tracker list`, compiled for this register."""

    def status_history(self) -> dict[str, list[Transition]]:
        """Every issue's status transitions, oldest first, from the register's history."""

    def head(self) -> str | None:
        """The commit the register is at (None before the first)."""

    def latest_report(self) -> ReportTag | None:
        """The newest published report, or None."""

    def changes_since(self, commit: str) -> list[Change]:
        """Records added or changed since a commit."""

    def published_reports(self) -> list[ReportTag]:
        """Every published report, newest first."""

    def public_at(self, commit: str) -> set[str]:
        """The IDs of the records that were public at a commit."""

    def people_in_history(self) -> PeopleSeen:
        """Every name a name field has held, and commit authors with their e-mail addresses."""

    def accepted_words(self) -> set[str]:
        """Words reviewed before publishing and accepted as not personal data."""
