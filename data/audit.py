"""The register's audit log: every change in a period, read from git.

Each entry is one commit: when, who, what it says it did, the records it touched
(from the `Tracker-Record:` trailers Tracker writes), and the field-level changes
it made to each record (field, from, to), computed from the record files'
contents before and after, not from the message, so a change made with plain git
is reported too.

Fast on long histories: one `git log` picks the commits in the period (it stops
walking at the start of the period), one `git diff-tree --stdin` lists the record
files each commit changed, and one `git cat-file --batch` reads every version
involved. A sync's merge commit reports only what the merge itself produced
(values in neither parent, such as conflict entries), since the merged changes
are already reported under the commits that made them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import orjson

from data.catfile import read_objects
from data.changes import FieldChange, field_changes, parse_message, show
from data.errors import TrackerError
from data.files import id_from_path
from data.git import Git

# Each commit starts with a NUL and is then five NUL-separated fields: NUL cannot
# occur in any of them (git refuses one in a commit message).
_FIELDS = ("%H", "%aI", "%an", "%ae", "%B")
_FORMAT = "%x00" + "%x00".join(_FIELDS)
_NO_BLOB = "0" * 40
_EMPTY: tuple[Any, ...] = (None, "", [], False)


@dataclass(frozen=True)
class AuditChange:
    """One field of one record changed by a commit. `field` is the record's field
    name, or `update` for an entry added to (or removed from) its timeline."""

    record: str
    field: str
    before: Any
    after: Any

    def describe(self) -> str:
        """The change in users' terms: `status: open → resolved`."""
        if self.field == "update":
            update = self.after if self.after is not None else self.before
            verb = "added" if self.after is not None else "removed"
            return (
                f"{update.get('kind', 'comment')} {verb} ({update.get('visibility', 'internal')}) "
                f"by {show(update.get('author'))}: {show(update.get('text'))}"
            )
        return FieldChange(self.field, self.before, self.after).describe()

    def as_dict(self) -> dict[str, Any]:
        return {"record": self.record, "field": self.field, "from": self.before, "to": self.after}


@dataclass
class AuditEntry:
    commit: str
    when: str
    author: str
    email: str
    subject: str
    records: list[str] = field(default_factory=list)
    action: str = ""
    changes: list[AuditChange] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "commit": self.commit,
            "when": self.when,
            "author": self.author,
            "email": self.email,
            "subject": self.subject,
            "records": self.records,
            "action": self.action,
            "changes": [change.as_dict() for change in self.changes],
        }


def _day(name: str, value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise TrackerError(f"--{name}: {value!r} is not a date like 2024-05-01") from None


def audit_log(
    git: Git,
    since: str | None = None,
    until: str | None = None,
    author: str | None = None,
    paths: tuple[str, ...] = (),
) -> list[AuditEntry]:
    """Commits newest first, filtered by date (inclusive) and author, each with
    the field-level changes it made to records."""
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
    tokens = output.split("\0")[1:]
    entries = []
    for first in range(0, len(tokens) - len(_FIELDS) + 1, len(_FIELDS)):
        commit, when, name, email, text = tokens[first : first + len(_FIELDS)]
        message = parse_message(text)
        entries.append(
            AuditEntry(
                commit.strip("\n"), when, name, email, message.subject, list(message.records), message.action
            )
        )
    _add_changes(git, entries, paths)
    return entries


@dataclass(frozen=True)
class _FileChange:
    """A record file a commit changed: its blob in each parent, and after."""

    path: str
    parents: tuple[str, ...]
    result: str


def _changed_files(git: Git, commits: list[str], paths: tuple[str, ...]) -> dict[str, list[_FileChange]]:
    """Record files each commit changed; for merges, only files that differ
    from every parent (`-c`)."""
    out = git.run(
        "diff-tree",
        "--stdin",
        "-r",
        "-c",
        "--raw",
        "-z",
        "--no-renames",
        "--root",
        "--",
        *paths,
        input=("\n".join(commits) + "\n").encode(),
    ).stdout
    tokens = out.decode("utf-8", "surrogateescape").split("\0")
    found: dict[str, list[_FileChange]] = {}
    current: list[_FileChange] = []
    position = 0
    while position < len(tokens):
        token = tokens[position].strip("\n")
        if token.startswith(":"):
            fields = token.lstrip(":").split()
            parents = len(token) - len(token.lstrip(":"))
            shas = fields[parents + 1 : 2 * parents + 2]
            path = tokens[position + 1]
            if id_from_path(path):
                current.append(_FileChange(path, tuple(shas[:-1]), shas[-1]))
            position += 2
            continue
        if token:
            current = found.setdefault(token, [])
        position += 1
    return found


def _read_blobs(git: Git, shas: set[str]) -> dict[str, dict[str, Any] | None]:
    """Every record version by blob ID, through one `git cat-file --batch`."""
    wanted = sorted(shas - {_NO_BLOB})
    if not wanted:
        return {}
    documents: dict[str, dict[str, Any] | None] = {}
    for sha, found in read_objects(git, wanted):
        try:
            document = orjson.loads(found.content) if found and found.type == "blob" else None
        except orjson.JSONDecodeError:
            document = None
        documents[sha] = document if isinstance(document, dict) else None
    return documents


def _add_changes(git: Git, entries: list[AuditEntry], paths: tuple[str, ...]) -> None:
    if not entries:
        return
    files = _changed_files(git, [entry.commit for entry in entries], paths)
    shas = {
        sha for changes in files.values() for change in changes for sha in (*change.parents, change.result)
    }
    blobs = _read_blobs(git, shas)
    for entry in entries:
        for change in files.get(entry.commit, []):
            record = str(id_from_path(change.path))
            after = blobs.get(change.result)
            before = [blobs.get(parent) for parent in change.parents]
            if len(before) == 1:
                entry.changes += record_changes(record, before[0], after)
            else:
                entry.changes += _merge_changes(record, before, after)


def record_changes(
    record: str, before: dict[str, Any] | None, after: dict[str, Any] | None
) -> list[AuditChange]:
    """Field-level changes between two versions of a record (None: absent).
    A new record lists the fields it was given; a removed one, what it held."""
    changes = []
    for change in field_changes(before, after):
        if before is None and change.new in _EMPTY:
            continue
        if after is None and change.old in _EMPTY:
            continue
        changes.append(AuditChange(record, change.field, change.old, change.new))
    old_updates = {u.get("id"): u for u in (before or {}).get("updates", [])}
    new_updates = {u.get("id"): u for u in (after or {}).get("updates", [])}
    for update_id, update in new_updates.items():
        if update_id not in old_updates:
            changes.append(AuditChange(record, "update", None, update))
        elif old_updates[update_id] != update:
            changes.append(AuditChange(record, "update", old_updates[update_id], update))
    changes += [
        AuditChange(record, "update", update, None)
        for update_id, update in old_updates.items()
        if update_id not in new_updates
    ]
    return changes


def _merge_changes(
    record: str, parents: list[dict[str, Any] | None], after: dict[str, Any] | None
) -> list[AuditChange]:
    """What a merge produced itself: results that no other parent already had."""
    others = [parent or {} for parent in parents[1:]]
    own = []
    for change in record_changes(record, parents[0], after):
        if change.field != "update":
            if all(other.get(change.field) != change.after for other in others):
                own.append(change)
            continue
        update_id = (change.after or change.before).get("id")
        versions = [
            next((u for u in other.get("updates", []) if u.get("id") == update_id), None) for other in others
        ]
        if all(version != change.after for version in versions):
            own.append(change)
    return own
