"""ID collisions: two clones that created different records under one ID offline.

IDs are random and checked unique only locally, so two clones working offline
can, rarely, give two different records the same ID. Before `tracker sync`
merges, it looks for record files added on both sides since the common ancestor
whose versions are not the same creation (`data.merge.same_creation`). The
remote's record has been shared already, and an ID that has been pushed never
changes, so the local record (not yet pushed) gets a new ID: its file moves,
links to it in local records are rewritten, a timeline entry says what happened,
and all of that is one commit made before the merge.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from data.catfile import read_object
from data.changes import compose
from data.commits import commit
from data.files import encode, free_record_id, id_from_path, relative_path, remove, write_atomic
from data.git import Git, Identity
from data.journal import Journal
from data.kinds import KINDS, of_record
from data.load import STATE_DIR
from data.merge import same_creation
from data.model import Update, from_document, to_document

LINK_FIELDS = tuple(name for kind in KINDS.values() for name in kind.links())


@dataclass(frozen=True)
class Renumbered:
    old: str
    new: str
    title: str


def _blob(git: Git, commit: str, path: str) -> dict[str, Any] | None:
    found = read_object(git, f"{commit}:{path}")
    if found is None:
        return None
    try:
        document = orjson.loads(found.content)
    except orjson.JSONDecodeError:
        return None
    return document if isinstance(document, dict) else None


def _added(git: Git, base: str, commit: str) -> set[str]:
    out = git.run(
        "diff",
        "--name-only",
        "--no-renames",
        "--diff-filter=A",
        "-z",
        base,
        commit,
        "--",
        "issues",
        "lessons",
    )
    return {p for p in out.stdout.decode("utf-8", "surrogateescape").split("\0") if id_from_path(p)}


def find_collisions(git: Git, base: str, theirs: str) -> list[str]:
    """Record IDs added both here (HEAD) and on the remote since `base`, as
    different records."""
    colliding = []
    for path in sorted(_added(git, base, "HEAD") & _added(git, base, theirs)):
        ours_doc, theirs_doc = _blob(git, "HEAD", path), _blob(git, theirs, path)
        if ours_doc is not None and theirs_doc is not None and not same_creation(ours_doc, theirs_doc):
            colliding.append(str(id_from_path(path)))
    return colliding


def _free_id(git: Git, prefix: str, theirs: str, taken: set[str]) -> str:
    def claimed(candidate: str) -> bool:
        path = relative_path(candidate)
        return candidate in taken or any(git.object_exists(f"{commit}:{path}") for commit in ("HEAD", theirs))

    return free_record_id(git.root, prefix, claimed)


def renumber(git: Git, base: str, theirs: str, ids: list[str], me: Identity, when: str) -> list[Renumbered]:
    """Give each local record in `ids` a new ID, rewrite local links to it, and
    commit all of it as one commit."""
    mapping: dict[str, str] = {}
    for old in ids:
        mapping[old] = _free_id(git, of_record(old).prefix, theirs, set(mapping.values()))
    changed = git.run("diff", "--name-only", "--no-renames", "-z", base, "HEAD", "--", "issues", "lessons")
    names = changed.stdout.decode("utf-8", "surrogateescape").split("\0")
    local_paths = [p for p in names if id_from_path(p)]
    removals: list[str] = []
    writes: list[tuple[str, bytes]] = []
    moved: list[Renumbered] = []
    for path in local_paths:
        document = _blob(git, "HEAD", path)
        if document is None:
            continue
        old = document["id"]
        relinked = _relinked(document, mapping)
        if old in mapping:
            relinked = _moved(relinked, old, mapping[old], me, when)
            moved.append(Renumbered(old, mapping[old], str(document.get("title", ""))))
            removals.append(path)
        elif relinked == document:
            continue
        writes.append((relative_path(relinked["id"]), encode(to_document(from_document(relinked)))))
    written = removals + [path for path, _ in writes]
    Journal(git.root / STATE_DIR).record(written, unit="renumber")
    for path in removals:
        remove(git.root, path)
    for path, data in writes:
        write_atomic(git.root, path, data)
    body = [f"{item.old} → {item.new}: {item.title}" for item in moved]
    body.append(
        "Another clone had already shared a different record under the same ID; IDs that have "
        "been shared never change, so the record made here was given a new one."
    )
    subject = "Renumber " + ", ".join(f"{item.old} → {item.new}" for item in moved)
    records = [item.new for item in moved] + [item.old for item in moved]
    commit(git, sorted(set(written)), compose(subject, body, records, "renumber"), author=me, when=when)
    return moved


def _relinked(document: dict[str, Any], mapping: dict[str, str]) -> dict[str, Any]:
    updated = dict(document)
    for name in LINK_FIELDS:
        if isinstance(updated.get(name), list):
            updated[name] = [mapping.get(link, link) for link in updated[name]]
    return updated


def _moved(document: dict[str, Any], old: str, new: str, me: Identity, when: str) -> dict[str, Any]:
    note = Update(
        author=me.name,
        at=when,
        kind="comment",
        visibility="internal",
        text=f"Renumbered from {old} when syncing: another clone had already shared a different "
        f"record as {old}. Notes written on this clone before then that quote {old} mean this record.",
    )
    return {**document, "id": new, "updates": [*document.get("updates", []), note.model_dump(mode="json")]}
