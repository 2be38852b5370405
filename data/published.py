"""Publishing a report: an annotated git tag `report/YYYY-MM-DD` on the register.

The tag's message holds the report's SHA-256 content hash and its period, so
anyone can later check that a published file is the one Tracker produced, and
the next report can list what changed since this one (see `changes_since`).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from data.changes import trailers_of
from data.errors import TrackerError
from data.files import TABLES, id_from_path
from data.git import Git, Identity
from data.text import clean_line

TAG_PREFIX = "report/"
_SEP = "\x1f"
_TRAILER_KEY = re.compile(r"^[A-Z][A-Za-z-]{0,40}$")


@dataclass(frozen=True)
class ReportTag:
    """A published report: its tag, the commit it marks, and the last day it covered."""

    name: str
    commit: str
    period_end: date
    content_sha256: str = ""
    figures: dict[str, str] = field(default_factory=dict)
    """Figures the report published that later reports must stay consistent with
    (its `Key: value` trailers other than the period and the hash)."""


def content_hash(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def latest_report(git: Git) -> ReportTag | None:
    """The newest `report/*` tag, by the date the tag was made."""
    reports = published_reports(git)
    return reports[0] if reports else None


def published_reports(git: Git) -> list[ReportTag]:
    """Every `report/*` tag, newest first (by the date the tag was made)."""
    if git.head_commit() is None:
        return []
    output = git.text(
        "for-each-ref",
        "--sort=-refname",
        "--sort=-creatordate",
        f"--format=%(refname:strip=2){_SEP}%(objectname){_SEP}%(*objectname){_SEP}"
        f"%(creatordate:short){_SEP}%(contents)%1e",
        "refs/tags/report/",
    )
    reports = []
    for entry in output.split("\x1e"):
        parts = entry.strip("\n").split(_SEP)
        if len(parts) != 5:
            continue
        name, target, peeled, made, message = parts
        trailers = trailers_of(message)
        try:
            ended = date.fromisoformat(trailers.pop("Period-End", made))
        except ValueError:
            continue
        digest = trailers.pop("Content-SHA256", "")
        trailers.pop("Period-Start", None)
        reports.append(ReportTag(name, peeled or target, ended, digest, trailers))
    return reports


def free_tag_name(git: Git, day: date) -> str:
    """`report/2024-06-30`, or `report/2024-06-30-2` and so on when that is taken."""
    base = f"{TAG_PREFIX}{day.isoformat()}"
    taken = set(git.text("tag", "--list", f"{base}*").split())
    if base not in taken:
        return base
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"


def publish(
    git: Git,
    content: bytes,
    start: date | None,
    end: date,
    identity: Identity,
    file_name: str,
    figures: dict[str, str] | None = None,
) -> ReportTag:
    """Tag the register's current commit as the published report."""
    head = git.head_commit()
    if head is None:
        raise TrackerError(f"{git.root}: the register has no commits to tag")
    name = free_tag_name(git, end)
    message = "\n".join(
        [
            f"Transparency report published: {file_name}",
            "",
            f"Period-Start: {start.isoformat() if start else 'beginning'}",
            f"Period-End: {end.isoformat()}",
            f"Content-SHA256: {content_hash(content)}",
            *(
                f"{key}: {clean_line(value)}"
                for key, value in (figures or {}).items()
                if _TRAILER_KEY.match(key)
            ),
            "",
        ]
    )
    env = {"GIT_COMMITTER_NAME": identity.name, "GIT_COMMITTER_EMAIL": identity.email}
    git.run("tag", "--annotate", "--file=-", name, head, input=message.encode(), env=env)
    return ReportTag(name, head, end, content_hash(content), dict(figures or {}))


_PUBLIC_RECORD = r'^  "visibility": "public",?$'


def public_at(git: Git, commit: str) -> set[str]:
    """The IDs of the records that were public at a commit (a published report's):
    one `git grep` over that commit's record files, matching the record's own
    visibility line (an update's is indented deeper)."""
    result = git.run("grep", "-l", "-E", _PUBLIC_RECORD, commit, "--", *TABLES.values(), check=False)
    if result.returncode not in (0, 1):
        return set()
    found = set()
    for line in result.stdout.decode("utf-8", "replace").splitlines():
        record_id = id_from_path(line.partition(":")[2])
        if record_id:
            found.add(record_id)
    return found


ACCEPTED_FILE = "publication-accepted.txt"
"""Words a person publishing has reviewed and accepted as not personal data
(`tracker export --review --accept`), one a line, versioned with the register so
the next report remembers them."""


def read_accepted(root: Path) -> set[str]:
    path = root / ACCEPTED_FILE
    if not path.is_file() or path.is_symlink() or path.stat().st_size > 1_000_000:
        return set()
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    return {" ".join(clean_line(line).split()) for line in lines if line.strip() and not line.startswith("#")}


def accepted_text(words: set[str]) -> str:
    header = "# Reviewed before publishing and accepted as not personal data (tracker export --review).\n"
    return header + "".join(f"{word}\n" for word in sorted(words, key=str.casefold))
