"""Reading many git objects at once: one `git cat-file --batch` for all of them.

Starting git once per object costs a few milliseconds each; one batch reads
thousands of record versions in the time of a few. Git answers in the order
asked, each object as `<name> <type> <size>` then its bytes, or `<name>
missing`; this module checks every header and size against what git sent, so a
cut-short answer is an error, never a record read from the wrong bytes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from data.errors import GitError
from data.git import Git

_OBJECT_ID = re.compile(rb"[0-9a-f]{40}|[0-9a-f]{64}")


@dataclass(frozen=True)
class GitObject:
    """One object as git stored it: `blob`, `tree`, `commit` or `tag`, and its bytes."""

    name: str
    type: str
    content: bytes


def read_objects(git: Git, names: Iterable[str]) -> Iterator[tuple[str, GitObject | None]]:
    """Each name asked for (an object ID, or `<commit>:<path>`), in order, with
    its object, or None when git has no such object. A name holding a line
    break cannot be asked for on git's one-line-per-name input: it is missing."""
    names = list(names)
    asked = [name for name in names if "\n" not in name and "\r" not in name]
    found = _read(git, asked) if asked else {}
    for name in names:
        yield name, found.get(name)


def _read(git: Git, names: list[str]) -> dict[str, GitObject | None]:
    output = git.run("cat-file", "--batch", input="".join(f"{name}\n" for name in names).encode()).stdout
    found: dict[str, GitObject | None] = {}
    position = 0
    for name in names:
        header_end = output.find(b"\n", position)
        if header_end < 0:
            raise GitError(f"git cat-file stopped before {name}")
        header = output[position:header_end].split(b" ")
        position = header_end + 1
        if len(header) != 3 or not _OBJECT_ID.fullmatch(header[0]) or not header[2].isdigit():
            found[name] = None  # `<name> missing`, `<name> ambiguous`: one line, no bytes
            continue
        kind, size = header[1].decode("ascii", "replace"), int(header[2])
        end = position + size
        if end >= len(output) or output[end : end + 1] != b"\n":
            raise GitError(f"git cat-file cut {name} short ({size} bytes expected)")
        found[name] = GitObject(name, kind, output[position:end])
        position = end + 1
    return found
