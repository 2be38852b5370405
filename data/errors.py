"""Tracker's error types. Each carries what a person needs to fix the problem: the
record, the field or the file. The CLI prints `str(error)` as one line; the TUI
shows it as a notification."""

from __future__ import annotations

from pathlib import Path


class TrackerError(Exception):
    """Base of every error Tracker reports to a person (exit status 1)."""

    def __str__(self) -> str:
        return " ".join(str(self.args[0]).split()) if self.args else type(self).__name__


class RegisterNotFound(TrackerError):
    """No register where one was expected."""


class InvalidRecord(TrackerError):
    """A record failed validation; nothing was written."""

    def __init__(self, record: str, problems: list[str]):
        self.record = record
        self.problems = problems
        super().__init__(f"{record}: " + "; ".join(problems))


class RecordNotFound(TrackerError):
    def __init__(self, record: str):
        self.record = record
        super().__init__(f"{record}: no such record in this register")


class InvalidId(TrackerError):
    def __init__(self, text: str):
        self.text = text
        shown = text if len(text) <= 40 else text[:40] + "…"
        super().__init__(f"{shown!r} is not a record ID (IDs look like ISS-4K7Q2M or LES-8H2Z1P)")


class DamagedFile(TrackerError):
    """A record or settings file that cannot be read; it is reported, never rewritten."""

    def __init__(self, path: Path | str, reason: str):
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{path}: {reason}")


class InvalidSettings(TrackerError):
    def __init__(self, path: Path | str, reason: str):
        self.path = Path(path)
        super().__init__(f"{path}: {reason}")


class QueryError(TrackerError):
    """A filter the query language cannot read; says what is allowed."""


class IdentityMissing(TrackerError):
    def __init__(self) -> None:
        super().__init__(
            "no git identity: set one with "
            'git config --global user.name "Your Name" and '
            "git config --global user.email you@example.org (nothing was written)"
        )


class GitError(TrackerError):
    """A git command failed; the message is git's own, on one line."""


class RegisterBusy(TrackerError):
    """Another Tracker process is writing to this register."""


class SyncError(TrackerError):
    """Sync could not finish; the register is as it was before the attempt."""
