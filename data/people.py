"""Everyone the register's history knows by name, for the publication gate.

A name removed from a record (a previous owner, an author whose update was
rewritten) is still a person's name and must not be published in free text.
One `git log` pass over commit messages finds them: the author and committer
of every commit (with their e-mail addresses), and the name fields in the
bodies Tracker writes (`owner: Priya Nair → Tom Okafor`, `raised by: …`,
`comment (public) by Helen Marsh: …`). Reading messages, not old record files,
keeps this to about a second over 20,000 commits (the record diffs took
twenty); the names records hold now are added by the gate from the records.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from data.git import Git
from data.kinds import KINDS

NAME_FIELDS: tuple[str, ...] = (
    *sorted({name for kind in KINDS.values() for name in kind.names("person")}),
    "author",
)
"""The fields that hold a person's name: the `person` class of the kinds-and-fields
table, and an update's author."""
_LABELS = "|".join(name.replace("_", " ") for name in NAME_FIELDS if name != "author")
_NAME_LINE = re.compile(rf"^(?:{_LABELS}): (.+?)(?: \u2192 (.+))?$", re.MULTILINE)
_AUTHOR_LINE = re.compile(r"^\w+ \((?:public|internal|restricted)\) by (.+?): ", re.MULTILINE)
_SEP, _END = "\x1f", "\x1e"
_NONE = "(none)"


def names_in(document: dict[str, Any]) -> set[str]:
    """Every name written in a name field of a record or of its updates (`author`)."""
    names = {value for name in NAME_FIELDS if isinstance(value := document.get(name), str) and value}
    names.update(
        update["author"] for update in document.get("updates", ()) if isinstance(update.get("author"), str)
    )
    return names


@dataclass
class PeopleSeen:
    """Names and e-mail addresses found in the register's history."""

    names: set[str] = field(default_factory=set)
    emails: dict[str, str] = field(default_factory=dict)
    """Each e-mail address and the name it was used with."""


def people_in_history(git: Git, commits: str = "HEAD") -> PeopleSeen:
    """Every commit author and committer (name and e-mail), and every value a
    name field took in any change Tracker committed, in `commits` (a commit's
    history, or a range `old..new`)."""
    seen = PeopleSeen()
    if git.head_commit() is None:
        return seen
    output = git.run("log", f"--format=%an{_SEP}%ae{_SEP}%cn{_SEP}%ce{_SEP}%b{_END}", commits, "--").stdout
    bodies = []
    for entry in output.decode("utf-8", "replace").split(_END):
        parts = entry.strip("\n").split(_SEP)
        if len(parts) != 5:
            continue
        bodies.append(parts[4])
        for name, email in ((parts[0], parts[1]), (parts[2], parts[3])):
            if name.strip():
                seen.names.add(name.strip())
                if "@" in email:
                    seen.emails[email.strip()] = name.strip()
    body = "\n".join(bodies)
    for match in _NAME_LINE.finditer(body):
        _add(seen, match.group(1))
        _add(seen, match.group(2))
    for match in _AUTHOR_LINE.finditer(body):
        _add(seen, match.group(1))
    return seen


def _add(seen: PeopleSeen, value: str | None) -> None:
    """A name as a commit message shows it; one shortened there (`…`) loses its
    cut-off last word, which could be any fragment."""
    if not value or value == _NONE:
        return
    if value.endswith("\u2026"):
        value = value[:-1].rsplit(" ", 1)[0] if " " in value else ""
    if value.strip():
        seen.names.add(value.strip())
