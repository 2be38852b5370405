"""The register's audit log: every change in a period, read from git.

Each entry is one commit: when, who, what it says it did, and the records it
touched (from the `Tracker-Record:` trailers Tracker writes).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from data.git import Git
from tracker.errors import TrackerError

_SEP, _END = "\x1f", "\x1e"
_FORMAT = _SEP.join(["%H", "%aI", "%an", "%ae", "%s", "%(trailers:key=Tracker-Record,valueonly,separator=%x2c)",
                     "%(trailers:key=Tracker-Action,valueonly)"]) + _END


@dataclass
class AuditEntry:
    commit: str
    when: str
    author: str
    email: str
    subject: str
    records: list[str] = field(default_factory=list)
    action: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _day(name: str, value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise TrackerError(f"--{name}: {value!r} is not a date like 2024-05-01") from None


def audit_log(git: Git, since: str | None = None, until: str | None = None,
              author: str | None = None, paths: tuple[str, ...] = ()) -> list[AuditEntry]:
    """Commits newest first, filtered by date (inclusive) and author."""
    args = ["log", f"--format={_FORMAT}"]
    start, end = _day("since", since), _day("until", until)
    if start:
        args.append(f"--since={start}T00:00:00")
    if end:
        args.append(f"--until={end}T23:59:59")
    if author:
        args += [f"--author={author}", "--regexp-ignore-case", "--fixed-strings"]
    if git.head_commit() is None:
        return []
    output = git.run(*args, "--", *paths).stdout.decode("utf-8", "replace")
    entries = []
    for chunk in output.split(_END):
        parts = chunk.strip("\n").split(_SEP)
        if len(parts) != 7:
            continue
        commit, when, name, email, subject, records, action = parts
        entries.append(AuditEntry(commit, when, name, email, subject,
                                  [r.strip() for r in records.split(",") if r.strip()], action.strip()))
    return entries
