"""Everyone the register's history knows by name, for the publication gate.

A name removed from a record (a previous owner, an author whose update was
rewritten) is still a person's name and must not be published in free text.
Two `git log` passes find them all: one lists the author and committer of every
commit (with their e-mail addresses), one reads the lines of record files that
held a name field (`owner`, `raised_by`, `logged_by`, an update's `author`) in
any version, added or removed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import orjson

from data.files import TABLES
from data.git import Git
from data.kinds import KINDS

NAME_FIELDS: tuple[str, ...] = (
    *sorted({name for kind in KINDS.values() for name in kind.names("person")}),
    "author",
)
"""The fields that hold a person's name: the `person` class of the kinds-and-fields
table, and an update's author."""
_NAME_LINE = re.compile(
    rb'^[+-]\s*"(' + b"|".join(n.encode() for n in NAME_FIELDS) + rb')": ("(?:[^"\\]|\\.)*")'
)
_SEP, _END = "\x1f", "\x1e"


@dataclass
class PeopleSeen:
    """Names and e-mail addresses found in the register's history."""

    names: set[str] = field(default_factory=set)
    emails: dict[str, str] = field(default_factory=dict)
    """Each e-mail address and the name it was used with."""


def people_in_history(git: Git) -> PeopleSeen:
    """Every commit author and committer (name and e-mail) and every value any
    name field of any record has held in any commit."""
    seen = PeopleSeen()
    if git.head_commit() is None:
        return seen
    authors = git.run("log", f"--format=%an{_SEP}%ae{_SEP}%cn{_SEP}%ce{_END}").stdout.decode(
        "utf-8", "replace"
    )
    for entry in authors.split(_END):
        parts = entry.strip("\n").split(_SEP)
        if len(parts) == 4:
            for name, email in ((parts[0], parts[1]), (parts[2], parts[3])):
                if name.strip():
                    seen.names.add(name.strip())
                    if "@" in email:
                        seen.emails[email.strip()] = name.strip()
    pattern = '"(' + "|".join(NAME_FIELDS) + ')": '
    diffs = git.run(
        "log",
        "--format=",
        "-p",
        "--unified=0",
        "--no-color",
        "--no-ext-diff",
        "--no-renames",
        f"-G{pattern}",
        "--",
        *TABLES.values(),
    ).stdout
    for line in diffs.splitlines():
        found = _NAME_LINE.match(line)
        if found is None:
            continue
        try:
            value = orjson.loads(found.group(2))
        except orjson.JSONDecodeError:
            continue
        if isinstance(value, str) and value.strip():
            seen.names.add(value.strip())
    return seen
