"""A record's history from git: who changed which fields, when, from what to what.

The history is built from the record's own file across commits. One
`git log --raw -- <path>` lists the commits that changed the file and the blob
each left behind; one `git cat-file --batch` reads every version; consecutive
versions are compared field by field (`data.changes`). Record paths never change,
so there is no `--follow`, which lets git answer from the commit-graph's
changed-path Bloom filters: `keep_commit_graph_current` keeps those written.

A merge commit made by sync is listed when the merge produced a version that
neither side had: its changes are the fields and updates that came from neither
parent, which is where the merge's conflict entries appear.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from data.catfile import read_objects
from data.changes import LONG_TEXT_FIELDS, FieldChange, added_updates, field_changes, parse_message, show
from data.errors import DamagedFile, GitError
from data.files import decode, read_bytes, relative_path, write_atomic
from data.git import Git
from data.ids import normalise_id
from data.load import STATE_DIR

# NUL cannot occur inside any git field (git refuses one in a commit message), so
# splitting on it is exact; each commit starts with a NUL and is then six
# NUL-separated fields, the last being the `--raw` lines.
_FORMAT = "%x00" + "%x00".join(["%H", "%aI", "%an", "%ae", "%B", ""])
_FIELDS = 6
_MARKER = f"{STATE_DIR}/commit-graph-head"
GRAPH_LAG = 200
"""How many commits may be missing from the commit-graph before it is rewritten."""


@dataclass
class HistoryEntry:
    """One commit's change to one record."""

    commit: str
    when: str
    author: str
    email: str
    subject: str
    action: str
    changes: list[FieldChange] = field(default_factory=list)
    updates_added: list[dict[str, Any]] = field(default_factory=list)
    event: str = "changed"
    """`created`, `changed`, `merged`, `deleted`, or `unreadable` (see `note`)."""
    note: str = ""

    def describe(self) -> list[str]:
        """The change in the users' words, one line each (see `describe`)."""
        return describe(self)

    def as_dict(self) -> dict[str, Any]:
        return {
            "commit": self.commit,
            "when": self.when,
            "author": self.author,
            "email": self.email,
            "subject": self.subject,
            "action": self.action,
            "event": self.event,
            "note": self.note,
            "changes": [{"field": c.field, "old": c.old, "new": c.new} for c in self.changes],
            "updates_added": self.updates_added,
        }


@dataclass(frozen=True)
class _Commit:
    commit: str
    when: str
    author: str
    email: str
    subject: str
    action: str
    parents: tuple[str | None, ...]
    blob: str | None


def record_history(git: Git, record_id: str) -> list[HistoryEntry]:
    """Every commit that changed the record's file, newest first, with its
    field-level changes. An ID that is not a record ID raises InvalidId."""
    path = relative_path(normalise_id(record_id))
    if git.head_commit() is None:
        return []
    output = git.run(
        "log", f"--format={_FORMAT}", "--raw", "--no-abbrev", "--no-renames", "--root", "-c", "--", path
    ).stdout
    commits = _parse_log(output.decode("utf-8", "replace"), path)
    wanted = {blob for commit in commits for blob in (commit.blob, *commit.parents) if blob}
    versions = _read_versions(git, wanted, path)
    entries, last_readable = [], None
    for commit in reversed(commits):
        entries.append(_entry(commit, versions, last_readable))
        version = versions.get(commit.blob) if commit.blob else None
        last_readable = version if isinstance(version, dict) else last_readable
    return entries[::-1]


def _parse_log(output: str, path: str) -> list[_Commit]:
    tokens = output.split("\0")[1:]
    commits = []
    for start in range(0, len(tokens) - _FIELDS + 1, _FIELDS):
        sha, when, author, email, text, raw = tokens[start : start + _FIELDS]
        blobs = _blobs(raw, path)
        if blobs is not None:
            parents, blob = blobs
            message = parse_message(text)
            commits.append(_Commit(sha, when, author, email, message.subject, message.action, parents, blob))
    return commits


def _blobs(raw: str, path: str) -> tuple[tuple[str | None, ...], str | None] | None:
    """(parents' blobs, this commit's blob) from a `--raw` line for `path`:
    `:100644 100644 <old> <new> M` or, for a merge, `::… <p1> <p2> <new> MM`."""
    for line in raw.splitlines():
        if not line.startswith(":") or not line.endswith("\t" + path):
            continue
        parents = len(line) - len(line.lstrip(":"))
        shas = line.split("\t")[0].lstrip(":").split()[parents + 1 : 2 * parents + 2]
        known = tuple(None if set(sha) == {"0"} else sha for sha in shas)
        return known[:-1], known[-1]
    return None


def _read_versions(git: Git, blobs: set[str], path: str) -> dict[str, dict[str, Any] | DamagedFile]:
    """Every wanted version of the file, decoded, through one `cat-file --batch`."""
    if not blobs:
        return {}
    versions: dict[str, dict[str, Any] | DamagedFile] = {}
    for sha, found in read_objects(git, sorted(blobs)):
        if found is None or found.type != "blob":
            raise GitError(f"{path}: version {sha[:12]} is missing from the git repository")
        try:
            versions[sha] = decode(found.content, f"{path} at {sha[:12]}")
        except DamagedFile as problem:
            versions[sha] = problem
    return versions


def _entry(
    commit: _Commit, versions: dict[str, dict[str, Any] | DamagedFile], last_readable: dict[str, Any] | None
) -> HistoryEntry:
    """The commit's changes against its parent's version; when that version could
    not be read, against the last readable one before it."""
    entry = HistoryEntry(
        commit.commit, commit.when, commit.author, commit.email, commit.subject, commit.action
    )
    new = versions.get(commit.blob) if commit.blob else None
    olds = [versions.get(blob) if blob else None for blob in commit.parents]
    if isinstance(new, DamagedFile):
        entry.event, entry.note = "unreadable", new.reason
        return entry
    stand_ins = [old if isinstance(old, dict) else last_readable for old in olds if old is not None]
    readable = [old for old in stand_ins if old is not None]
    if new is None:
        entry.event = "deleted"
    elif len(olds) > 1:
        entry.event = "merged"
        entry.changes = _merge_changes(readable, new)
        entry.updates_added = added_updates(
            {"updates": [u for old in readable for u in old.get("updates", [])]}, new
        )
    else:
        entry.event = "created" if not readable else "changed"
        old = readable[0] if readable else None
        entry.changes = field_changes(old, new)
        entry.updates_added = added_updates(old, new)
    return entry


def _merge_changes(parents: list[dict[str, Any]], merged: dict[str, Any]) -> list[FieldChange]:
    """Fields whose merged value is in no parent: what the merge itself decided."""
    if not parents:
        return field_changes(None, merged)
    first = field_changes(parents[0], merged)
    return [
        change
        for change in first
        if all(parent.get(change.field) != merged.get(change.field) for parent in parents[1:])
    ]


# --- in the users' words ------------------------------------------------------------------


def describe(entry: HistoryEntry) -> list[str]:
    """One line a change, in the users' terms: `status: open → resolved`, long
    text as a size change, updates with their kind, visibility and author.
    Every value is on one line with control characters removed (`show`)."""
    if entry.event == "unreadable":
        return [f"this version could not be read as a record: {show(entry.note)}"]
    if entry.event == "deleted":
        return ["record file deleted"]
    if entry.event == "created":
        lines = ["created, with:"]
        lines += [_initial(change) for change in entry.changes if change.new not in (None, "", [], False)]
    else:
        lines = [change.describe() for change in entry.changes]
    lines += [describe_update(update) for update in entry.updates_added]
    if entry.event == "merged" and not lines:
        lines.append("merged changes made in another copy of the register (nothing new of its own)")
    return lines or ["no change to the record's fields"]


def _initial(change: FieldChange) -> str:
    label = change.field.replace("_", " ")
    if change.field in LONG_TEXT_FIELDS:
        return f"{label}: written ({len(change.new)} characters)"
    return f"{label}: {show(change.new)}"


def describe_update(update: dict[str, Any]) -> str:
    """`decision added (public) by Priya Nair: first line`; a merge conflict
    names the field, the value kept and whose value was set aside."""
    conflict = update.get("conflict")
    if update.get("kind") == "conflict" and isinstance(conflict, dict):
        kept, replaced = conflict.get("kept") or {}, conflict.get("replaced") or {}
        label = str(conflict.get("field", "a field")).replace("_", " ")
        return (
            f"conflict on {show(label)}: kept {show(kept.get('value'))} ({show(kept.get('author'))}); "
            f"{show(replaced.get('author'))}'s {show(replaced.get('value'))} recorded in the timeline"
        )
    first_line = str(update.get("text") or "").strip().split("\n")[0]
    return (
        f"{show(update.get('kind', 'comment'))} added ({show(update.get('visibility', 'internal'))}) "
        f"by {show(update.get('author'))}: {show(first_line)}"
    )


# --- keeping history fast ---------------------------------------------------------------


def commit_graph_is_stale(git: Git) -> bool:
    """Whether more than GRAPH_LAG commits have been made since the commit-graph
    Tracker last wrote (or there is none): then history lookups walk commits one
    by one instead of asking the Bloom filters."""
    head = git.head_commit()
    if head is None:
        return False
    try:
        written_at = (read_bytes(git.root, _MARKER) or b"").decode("ascii").strip()
    except (DamagedFile, UnicodeDecodeError):
        written_at = ""
    if not written_at or not has_commit_graph(git):
        return True
    if written_at == head:
        return False
    behind = git.run("rev-list", "--count", f"{written_at}..{head}", check=False)
    return behind.returncode != 0 or int(behind.stdout or b"0") > GRAPH_LAG


def write_commit_graph(git: Git) -> bool:
    """Write a commit-graph layer with changed-path Bloom filters for the commits
    not yet in one (`--split`), and remember HEAD. The first write in a long
    history takes seconds; later ones only cover the new commits. A failure
    (another git writing it at the same moment) is left for next time."""
    head = git.head_commit()
    done = git.run(
        "commit-graph", "write", "--reachable", "--changed-paths", "--split", "--no-progress", check=False
    )
    if head is None or done.returncode != 0:
        return False
    write_atomic(git.root, _MARKER, (head + "\n").encode("ascii"))
    return True


def keep_commit_graph_current(git: Git) -> bool:
    """Write the commit-graph if it is stale; returns whether it wrote."""
    return commit_graph_is_stale(git) and write_commit_graph(git)


def has_commit_graph(git: Git) -> bool:
    """Whether git has a commit-graph (one file, or a chain of split layers)."""
    dot_git = git.root / ".git"
    git_dir = dot_git if dot_git.is_dir() else git.root / git.text("rev-parse", "--git-dir")
    info = git_dir / "objects" / "info"
    return (info / "commit-graph").is_file() or (info / "commit-graphs" / "commit-graph-chain").is_file()
