"""Publishing a report: an annotated git tag `report/YYYY-MM-DD` on the register.

The tag's message holds the report's SHA-256 content hash and its period, so
anyone can later check that a published file is the one Tracker produced, and
the next report can list what changed since this one (see `changes_since`).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date

from data.errors import TrackerError
from data.git import Git, Identity

TAG_PREFIX = "report/"
_PERIOD_END = re.compile(r"^Period-End: (\d{4}-\d{2}-\d{2})$", re.MULTILINE)
_SEP = "\x1f"


@dataclass(frozen=True)
class ReportTag:
    """A published report: its tag, the commit it marks, and the last day it covered."""

    name: str
    commit: str
    period_end: date
    content_sha256: str = ""


def content_hash(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def latest_report(git: Git) -> ReportTag | None:
    """The newest `report/*` tag, by the date the tag was made."""
    if git.head_commit() is None:
        return None
    output = git.text(
        "for-each-ref",
        "--sort=-refname",
        "--sort=-creatordate",
        "--count=1",
        f"--format=%(refname:strip=2){_SEP}%(objectname){_SEP}%(*objectname){_SEP}"
        f"%(creatordate:short){_SEP}%(contents)%1e",
        "refs/tags/report/",
    )
    for entry in output.split("\x1e"):
        parts = entry.strip("\n").split(_SEP)
        if len(parts) != 5:
            continue
        name, target, peeled, made, message = parts
        ended = _PERIOD_END.search(message)
        return ReportTag(name, peeled or target, date.fromisoformat(ended.group(1) if ended else made))
    return None


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
    git: Git, content: bytes, start: date | None, end: date, identity: Identity, file_name: str
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
            "",
        ]
    )
    env = {"GIT_COMMITTER_NAME": identity.name, "GIT_COMMITTER_EMAIL": identity.email}
    git.run("tag", "--annotate", "--file=-", name, head, input=message.encode(), env=env)
    return ReportTag(name, head, end, content_hash(content))
