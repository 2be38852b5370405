"""What the exports read of the whole git history, kept between commands.

Every issue's status transitions (`data.backlog`) and every name and e-mail
address the history holds (`data.people`) come from one `git log` each over
every commit: at 20,000 commits about a second of git and Python together,
for each export. Both are kept in `.tracker/` for the commit they were read at.
When the register has moved on by commits in a straight line (no merge among
them, the old commit an ancestor of the new: git's log of the new commit is
then the log of those commits followed by the old one's), only those commits
are read and added; after anything else (a merge, a reset) all is read again.

The files are plain pickles read with the listing's unpickler (no class can
be named in them), trusted only where the load cache is (`.tracker/` not
tracked by git, not a link), and only for the commit they name.
"""

from __future__ import annotations

import pickle
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from data.backlog import Transition, status_history
from data.files import keep_cache_file, read_state_file
from data.git import Git
from data.listing import _UNREADABLE, _plain_load
from data.load import STATE_DIR, state_folder_trusted
from data.people import PeopleSeen, people_in_history

VERSION = (1, sys.version_info[:2])
Plain = TypeVar("Plain")


Steps = dict[str, list[tuple[str, str | None, str]]]
"""Status transitions as stored: by issue, (ISO day, old status, new status)."""
Names = tuple[list[str], dict[str, str]]
"""Names and e-mail addresses as stored."""


def kept_status_history(root: Path, git: Git) -> dict[str, list[Transition]]:
    """`data.backlog.status_history`, kept between commands."""

    def read(commits: str) -> Steps:
        found = status_history(git, commits)
        return {issue: [(t.day.isoformat(), t.old, t.new) for t in steps] for issue, steps in found.items()}

    def joined(older: Steps, newer: Steps) -> Steps:
        return {**older, **{issue: older.get(issue, []) + steps for issue, steps in newer.items()}}

    def valid(value: object) -> bool:
        return isinstance(value, dict) and all(
            type(issue) is str and type(steps) is list and all(_step(step) for step in steps)
            for issue, steps in value.items()
        )

    steps = kept(root, git, "status-history", read, joined, valid)
    return {
        issue: [Transition(date.fromisoformat(day), old, new) for day, old, new in found]
        for issue, found in steps.items()
    }


def _step(step: object) -> bool:
    return (
        type(step) is tuple
        and len(step) == 3
        and type(step[0]) is str
        and (step[1] is None or type(step[1]) is str)
        and type(step[2]) is str
    )


def kept_people_in_history(root: Path, git: Git) -> PeopleSeen:
    """`data.people.people_in_history`, kept between commands."""

    def read(commits: str) -> Names:
        seen = people_in_history(git, commits)
        return sorted(seen.names), seen.emails

    def joined(older: Names, newer: Names) -> Names:
        # The oldest commit's name for an address stands (`people_in_history`).
        return sorted({*older[0], *newer[0]}), {**newer[1], **older[1]}

    def valid(value: object) -> bool:
        return (
            type(value) is tuple
            and len(value) == 2
            and type(value[0]) is list
            and all(type(name) is str for name in value[0])
            and type(value[1]) is dict
            and all(type(key) is str and type(name) is str for key, name in value[1].items())
        )

    names, emails = kept(root, git, "people-history", read, joined, valid)
    return PeopleSeen(set(names), dict(emails))


def kept(
    root: Path,
    git: Git,
    name: str,
    read: Callable[[str], Plain],
    joined: Callable[[Plain, Plain], Plain],
    valid: Callable[[object], bool],
) -> Plain:
    """What `read(commits)` gives for HEAD's whole history (`commits` is a
    commit, or a range `old..new`), using `.tracker/<name>.pickle`:
    `joined(older, newer)` adds what the commits after the stored one hold to
    what it holds, and `valid` checks what the file holds is of the right shape."""
    head = git.head_commit()
    if head is None:
        return read("HEAD")
    path = root / STATE_DIR / f"{name}.pickle"
    trusted = state_folder_trusted(root, git)
    stored = _stored(path, valid) if trusted else None
    if stored is not None and stored[0] == head:
        return stored[1]
    if stored is not None and _straight_line(git, stored[0], head):
        value = joined(stored[1], read(f"{stored[0]}..{head}"))
    else:
        value = read(head)
    if trusted:
        _store(path, head, value)
    return value


def _straight_line(git: Git, old: str, new: str) -> bool:
    """Whether `new` descends from `old` through commits none of which is a merge."""
    if git.run("merge-base", "--is-ancestor", old, new, check=False).returncode != 0:
        return False
    return not git.run("rev-list", "--merges", "-n", "1", f"{old}..{new}", "--").stdout.strip()


def _stored(path: Path, valid: Callable[[object], bool]) -> tuple[str, Any] | None:
    try:
        raw = read_state_file(path)
        data = _plain_load(raw) if raw is not None else None
        if not isinstance(data, dict) or data.get("version") != VERSION:
            return None
        head, value = data["head"], data["value"]
    except (*_UNREADABLE, AttributeError):
        return None
    return (head, value) if isinstance(head, str) and valid(value) else None


def _store(path: Path, head: str, value: object) -> None:
    keep_cache_file(path, [pickle.dumps({"version": VERSION, "head": head, "value": value}, protocol=5)])
