"""What changed in the register since the last published report, from git.

The last report's tag marks the commit it was built from; `git diff` between
that commit and the register as it is now names the record files that changed,
and one `git cat-file --batch` reads their old versions. Each change is then
described in the users' terms: opened, resolved, reopened, or which fields
changed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson

from data.catfile import read_objects
from data.changes import added_updates, field_changes
from data.files import id_from_path
from data.git import Git
from data.ids import kind_of
from data.model import Vocabulary


@dataclass(frozen=True)
class Change:
    """One record's change since the tag: `what` is opened, logged (a new
    lesson), resolved, reopened or changed."""

    record_id: str
    what: str
    fields: tuple[str, ...]
    new_updates: tuple[dict[str, Any], ...]
    old: dict[str, Any] | None


def _old_documents(git: Git, commit: str, paths: list[str]) -> dict[str, dict[str, Any]]:
    if not paths:
        return {}
    documents = {}
    answers = read_objects(git, [f"{commit}:{path}" for path in paths])
    for path, (_, found) in zip(paths, answers, strict=True):
        if found is None or found.type != "blob":
            continue
        try:
            document = orjson.loads(found.content)
        except orjson.JSONDecodeError:
            continue
        documents[path] = document
    return documents


def changes_since(
    git: Git, commit: str, current: Callable[[str], dict[str, Any] | None], words: Vocabulary
) -> list[Change]:
    """Records added or changed between `commit` and the register's files now
    (`current(record_id)`: a record's document now, or None when it has none)."""
    output = git.run("diff", "--name-status", "--no-renames", "-z", commit, "--", "issues", "lessons")
    fields = output.stdout.decode("utf-8", "surrogateescape").split("\0")
    statuses = dict(zip(fields[1::2], fields[0::2], strict=False))
    modified = [path for path, status in statuses.items() if status == "M"]
    olds = _old_documents(git, commit, modified)
    changes = []
    for path, status in sorted(statuses.items()):
        record_id = id_from_path(path)
        new = current(record_id) if record_id else None
        if record_id is None or new is None or status not in ("A", "M"):
            continue
        old = olds.get(path)
        if status == "A" or old is None:
            what = "opened" if kind_of(record_id) == "issue" else "logged"
            changes.append(Change(record_id, what, (), (), None))
            continue
        was_closed, is_closed = words.is_closed(old.get("status", "")), words.is_closed(new.get("status", ""))
        what = "changed"
        if kind_of(record_id) == "issue" and was_closed != is_closed:
            what = "resolved" if is_closed else "reopened"
        names = tuple(change.field for change in field_changes(old, new))
        changes.append(Change(record_id, what, names, tuple(added_updates(old, new)), old))
    return changes
