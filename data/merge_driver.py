"""Git's merge driver for record files: `tracker merge-file %O %A %B %P`.

Git calls the driver (registered in the clone's git config by `tracker init`,
`tracker clone` and `tracker sync`, routed by `.gitattributes`) for each record
file both sides changed, in the top folder of the work tree, with three
temporary files: the common ancestor, ours (where the result goes) and theirs.
The driver merges them field by field (`data.merge`) and writes the merged
record over "ours". Because `tracker sync` runs `git merge` and a lead's plain
`git pull` runs the same driver, both merge the same way.

When and by whom each side changed a field: the commit that set the field to
the value that side now holds (author time, author name), found by walking the
record's history on that side since the merge base (`FieldClock`), so "the later
change wins" compares the changes to that field, not whichever commit last
touched the record (a merge, or an edit of another field). Walking git rather
than keeping a clock in each record means nothing extra is stored, a clock
cannot be forged or forgotten by a hand edit, and the authors named are git's.
The walk is done only for fields both sides changed, so it costs nothing on
ordinary merges. "Ours" is HEAD. "Theirs" is the commit git is merging, which
`git merge` and `git pull` name in a `GITHEAD_<commit>` environment variable;
during a rebase or cherry-pick it is the commit being replayed. When no commit
can be found, the side's last commit touching the record stands in, and failing
that the latest time written in the record itself.

Anything the driver cannot merge safely (a side that is not a valid record,
two different records created under the same ID) makes it exit with status 3
(`DRIVER_DECLINED`): the command line git runs (`data.gitconfig`) turns that
into a conflict with the local record kept; a driver that cannot run at all
falls back to git's text merge with conflict markers.
"""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from data.catfile import read_objects
from data.errors import TrackerError
from data.files import decode, encode
from data.git import Git
from data.gitconfig import DRIVER_DECLINED
from data.merge import MergeResult, merge_records, same_creation

UNKNOWN_AUTHOR = "another clone"


def _read(path: Path, side: str, record_path: str, optional: bool = False) -> dict[str, Any] | None:
    raw = path.read_bytes()
    if optional and not raw.strip():
        return None
    return decode(raw, f"{record_path} ({side} version)")


def _theirs_commit(git: Git) -> str | None:
    """The commit being merged in, as git tells the merge driver about it."""
    for name in sorted(os.environ):
        commit = name.removeprefix("GITHEAD_")
        if commit != name and len(commit) in (40, 64):
            return commit
    git_dir = git.root / ".git"
    done = git_dir / "rebase-merge" / "done"
    if done.is_file():
        picks = [line.split()[1] for line in done.read_text().splitlines() if len(line.split()) > 1]
        if picks:
            return picks[-1]
    for marker in ("CHERRY_PICK_HEAD", "REVERT_HEAD", "MERGE_HEAD"):
        if (git_dir / marker).is_file():
            return (git_dir / marker).read_text().split()[0]
    return None


def last_change(git: Git, commit: str | None, record_path: str) -> tuple[datetime, str] | None:
    """(author time, author name) of the last commit touching the record on a side."""
    if commit is None:
        return None
    out = git.text("log", "-1", "--format=%at%x00%an", commit, "--", record_path, check=False)
    when, _, author = out.partition("\0")
    if not when.isdigit():
        return None
    return datetime.fromtimestamp(int(when), UTC), author or UNKNOWN_AUTHOR


class FieldClock:
    """When and by whom each side changed each field of one record: the newest
    commit (not a merge) on that side since the merge base that set the field to
    the value the side holds now. A callable for `merge_records(field_times=…)`."""

    def __init__(self, git: Git, record_path: str, base: str | None, tips: dict[str, str | None]):
        self.git, self.record_path, self.base, self.tips = git, record_path, base, tips
        self._histories: dict[str, list[tuple[datetime, str, Any, Any]]] = {}
        self._finals: dict[str, Any] = {}

    def __call__(self, side: str, name: str) -> tuple[datetime, str] | None:
        if self.base is None or self.tips.get(side) is None:
            return None
        if side not in self._histories:
            self._load(side)
        final = _value(self._finals[side], name)
        for moment, author, before, after in self._histories[side]:
            if _same(_value(after, name), final) and not _same(_value(before, name), final):
                return moment, author
        return None

    def _load(self, side: str) -> None:
        tip = self.tips[side]
        listed = self.git.run(
            "log",
            "--no-merges",
            "--format=%H%x00%P%x00%at%x00%an%x1e",
            f"{self.base}..{tip}",
            "--",
            self.record_path,
            check=False,
        ).stdout.decode("utf-8", "replace")
        commits = []
        for entry in listed.split("\x1e"):
            parts = entry.strip().split("\0")
            if len(parts) == 4 and parts[2].isdigit():
                commits.append((parts[0], next(iter(parts[1].split()), None), int(parts[2]), parts[3]))
        wanted = [str(tip)] + [rev for commit, parent, _, _ in commits for rev in (commit, parent) if rev]
        documents = _documents_at(self.git, wanted, self.record_path)
        self._finals[side] = documents.get(str(tip))
        history = [
            (
                datetime.fromtimestamp(when, UTC),
                author or UNKNOWN_AUTHOR,
                documents.get(parent or ""),
                documents.get(commit),
            )
            for commit, parent, when, author in commits
        ]
        history.sort(key=lambda item: item[0], reverse=True)
        self._histories[side] = history


_MISSING = object()


def _value(document: Any, name: str) -> Any:
    if not isinstance(document, dict):
        return _MISSING
    if name.startswith("update "):
        wanted = name.removeprefix("update ")
        updates = document.get("updates")
        found = (
            [u for u in updates if isinstance(u, dict) and u.get("id") == wanted]
            if isinstance(updates, list)
            else []
        )
        return found[0] if found else _MISSING
    return document.get(name, _MISSING)


def _same(first: Any, second: Any) -> bool:
    if first is _MISSING or second is _MISSING:
        return first is second
    return bool(
        orjson.dumps(first, option=orjson.OPT_SORT_KEYS) == orjson.dumps(second, option=orjson.OPT_SORT_KEYS)
    )


def _documents_at(git: Git, revisions: list[str], record_path: str) -> dict[str, dict[str, Any] | None]:
    """The record as each revision holds it (None: absent or unreadable), in one
    `git cat-file --batch`."""
    unique = list(dict.fromkeys(revisions))
    found: dict[str, dict[str, Any] | None] = {}
    for name, found_object in read_objects(git, [f"{rev}:{record_path}" for rev in unique]):
        rev = name[: -len(record_path) - 1]
        try:
            found[rev] = decode(found_object.content, record_path) if found_object is not None else None
        except TrackerError:
            found[rev] = None
    return found


def _written_time(document: dict[str, Any] | None) -> datetime:
    """The latest moment recorded in the record: its creation or newest update."""
    if document is None:
        return datetime.fromtimestamp(0, UTC)
    moments = [document.get("created_at"), *(u.get("at") for u in document.get("updates", []))]
    found = []
    for text in moments:
        try:
            moment = datetime.fromisoformat(str(text))
        except ValueError:
            continue
        found.append(moment if moment.tzinfo else moment.replace(tzinfo=UTC))
    return max(found, default=datetime.fromtimestamp(0, UTC))


def merge_versions(
    git: Git,
    record_path: str,
    versions: tuple[dict[str, Any] | None, dict[str, Any] | None, dict[str, Any] | None],
    theirs_commit: str | None,
    base_commit: str | None = None,
) -> MergeResult:
    """Merge the common, our (HEAD) and their version of one record, each field
    timed and attributed by the commit that changed it on each side (`FieldClock`).
    Used by the driver and, in process, by `tracker sync`, so both merge alike."""
    base, ours, theirs = versions
    if base is None and ours is not None and theirs is not None and not same_creation(ours, theirs):
        raise TrackerError(
            f"{record_path}: two different records were created under this ID on two clones; "
            "abort this merge (git merge --abort) and run tracker sync, which gives the local one a new ID"
        )
    ours_time, ours_author = last_change(git, "HEAD", record_path) or (_written_time(ours), UNKNOWN_AUTHOR)
    theirs_time, theirs_author = last_change(git, theirs_commit, record_path) or (
        _written_time(theirs),
        UNKNOWN_AUTHOR,
    )
    if base_commit is None and theirs_commit is not None:
        base_commit = git.text("merge-base", "HEAD", theirs_commit, check=False) or None
    clock = FieldClock(git, record_path, base_commit, {"ours": "HEAD", "theirs": theirs_commit})
    return merge_records(base, ours, theirs, ours_time, theirs_time, ours_author, theirs_author, clock)


def merge_file(base_path: Path, ours_path: Path, theirs_path: Path, record_path: str, root: Path) -> None:
    """Merge one record file in place (over `ours_path`); TrackerError when it cannot."""
    versions = (
        _read(base_path, "common", record_path, optional=True),
        _read(ours_path, "our", record_path),
        _read(theirs_path, "their", record_path),
    )
    git = Git(root)
    result = merge_versions(git, record_path, versions, _theirs_commit(git))
    if result.document is None:
        raise TrackerError(f"{record_path}: the merge removed the record; left for you to resolve")
    ours_path.write_bytes(encode(result.document))


def main(base: str, ours: str, theirs: str, record_path: str) -> int:
    """Run as git's merge driver: 0 when merged, DRIVER_DECLINED (and a line on
    stderr) when not, the local record then left as it was."""
    try:
        merge_file(Path(base), Path(ours), Path(theirs), record_path, Path.cwd())
    except (TrackerError, OSError, RecursionError) as error:
        print(f"tracker merge-file: {error}", file=sys.stderr)
        return DRIVER_DECLINED
    return 0
