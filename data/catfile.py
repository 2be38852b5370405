"""Reading git objects: one `git cat-file --batch` for all of them, the one
reader of git's object stream in Tracker.

Starting git once per object costs a few milliseconds each; one batch reads
thousands of record versions in the time of a few. `stream_blobs` hands each
blob over as git produces it (a register's 55,000 records are validated while
git is still reading); `read_objects` gives a few objects by any name. Git answers in the order
asked, each object as `<name> <type> <size>` then its bytes, or `<name>
missing`; this module checks every header and size against what git sent, so a
cut-short answer is an error, never a record read from the wrong bytes.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from data.errors import GitError
from data.git import Git, feed

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


def read_object(git: Git, name: str) -> GitObject | None:
    """One object by name (`HEAD:tracker.toml`), or None when git has none."""
    return dict(read_objects(git, [name]))[name]


def stream_blobs(git: Git, shas: list[str]) -> Iterator[bytes]:
    """The content of each blob, in order, as git produces it (a thread feeds
    git the names while the caller works on the first blobs)."""
    running = git.start("cat-file", "--batch", input=b"")
    process = running.process
    if process.stdin is None or process.stdout is None:
        raise GitError("git cat-file was started without its pipes")
    names = "".join(sha + "\n" for sha in shas).encode()
    feeder = threading.Thread(target=feed, args=(process.stdin, names), daemon=True)
    feeder.start()
    try:
        for sha in shas:
            header = process.stdout.readline().split()
            if len(header) != 3 or not header[2].isdigit():
                raise GitError(f"git cat-file could not read object {sha}: the repository is damaged")
            size = int(header[2])
            content = process.stdout.read(size + 1)
            if len(content) != size + 1:
                raise GitError(f"git cat-file stopped while reading object {sha}")
            yield content[:size]
    finally:
        process.stdout.close()
        process.kill()
        process.wait()
        feeder.join()
