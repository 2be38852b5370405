"""Commits of a few record files without git reading the whole index twice.

`git update-index` followed by `git write-tree` reads and rewrites the index
twice: at 50,000 records (a 5 MB index) about 50 ms each. A record write changes
one file in one shard, so the new trees are HEAD's trees along that path with
one entry replaced: this module reads those few trees through one
`git cat-file --batch`, builds the new ones, and has git store them with one
`git hash-object -w --stdin-paths` of the blobs and one `git mktree --batch`
per level. The index is then brought in line with one `update-index
--index-info` (blob IDs already known: nothing is hashed twice), before the
branch moves, so a crash in between leaves the change on disk and in the index
for the next write to find.

Building from HEAD's trees, not the index's, also means a Tracker commit holds
exactly the record files it wrote: anything else a user has staged stays staged
and uncommitted, as `git commit -- PATHS` would leave it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from data.catfile import read_objects
from data.git import Git

TREE_MODE = "40000"
FILE_MODE = "100644"


@dataclass
class Folder:
    """One tree of HEAD (or a new one), its entries by name: (mode, kind, object ID)."""

    entries: dict[str, tuple[str, str, str]] = field(default_factory=dict)
    changed: bool = False


def read_trees(git: Git, parent: str, folders: list[str]) -> dict[str, Folder]:
    """HEAD's trees for `folders` ("" is the root), through one `git cat-file
    --batch`; a folder HEAD does not have is empty."""
    trees: dict[str, Folder] = {}
    answers = read_objects(git, [f"{parent}:{folder}" for folder in folders])
    for folder, (_, found) in zip(folders, answers, strict=True):
        trees[folder] = Folder(_parse_tree(found.content) if found and found.type == "tree" else {})
    return trees


def _parse_tree(raw: bytes) -> dict[str, tuple[str, str, str]]:
    entries = {}
    position = 0
    while position < len(raw):
        space = raw.index(b" ", position)
        nul = raw.index(b"\0", space)
        mode = raw[position:space].decode()
        name = raw[space + 1 : nul].decode("utf-8", "surrogateescape")
        sha = raw[nul + 1 : nul + 21].hex()
        entries[name] = (mode, "tree" if mode == TREE_MODE else "blob", sha)
        position = nul + 21
    return entries


def folders_of(paths: list[str]) -> list[str]:
    """Every folder on the way to each path, deepest first ("" is the root)."""
    found: set[str] = {""}
    for path in paths:
        parts = path.split("/")[:-1]
        for depth in range(1, len(parts) + 1):
            found.add("/".join(parts[:depth]))
    return sorted(found, key=lambda folder: (-folder.count("/") - bool(folder), folder))


def new_root_tree(git: Git, parent: str, blobs: dict[str, str | None]) -> str:
    """The root tree of HEAD with each path set to its blob (None removes it),
    written to git; returns its ID."""
    folders = folders_of(list(blobs))
    trees = read_trees(git, parent, folders)
    for path, sha in blobs.items():
        folder, _, name = path.rpartition("/")
        tree = trees[folder]
        if sha is None:
            tree.changed |= tree.entries.pop(name, None) is not None
        else:
            mode = tree.entries.get(name, (FILE_MODE, "blob", ""))[0]
            tree.entries[name] = (mode if mode.startswith("100") else FILE_MODE, "blob", sha)
            tree.changed = True
    for folder in folders:  # deepest first: a parent is written after its children
        tree = trees[folder]
        if not tree.changed:
            continue
        if folder == "":
            return _write_tree(git, tree)
        sha = _write_tree(git, tree) if tree.entries else None
        above, _, name = folder.rpartition("/")
        parent_tree = trees[above]
        if sha is None:
            parent_tree.entries.pop(name, None)
        else:
            parent_tree.entries[name] = (TREE_MODE, "tree", sha)
        parent_tree.changed = True
    root = trees[""]
    return _write_tree(git, root)


def _write_tree(git: Git, tree: Folder) -> str:
    """Store a tree (git sorts its entries) and return its ID. Names end with NUL
    (`-z`), so no name can break the listing; every entry is an object this
    commit wrote or HEAD already holds, so git need not look each one up."""
    listing = b"".join(
        f"{mode} {kind} {sha}\t".encode() + name.encode("utf-8", "surrogateescape") + b"\0"
        for name, (mode, kind, sha) in tree.entries.items()
    )
    return git.run("mktree", "-z", "--missing", input=listing).stdout.decode().strip()
