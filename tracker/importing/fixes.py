"""Problems grouped the way a person fixes them, each with the option that fixes it.

A 2,000-row sheet does not have 999 problems: it has a few distinct values
("With supplier", "c. £30k", five service areas) each repeated. The report
shows one line per distinct (column, value, reason) with its count and first
rows, followed by the exact option that settles it: `--map-value`, `--new-area`,
`--new-word`, `--map`, `--blank-bad`, `--century`, `--where`. The TUI offers the
same fixes as buttons and applies them to its options with `apply_fix`, so the
two ways of importing cannot drift apart.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, replace
from datetime import date

from tracker.importing.outcome import ImportOptions, ImportPlan, Where
from tracker.importing.values import words

FIRST_ROWS = 5
RAID_WORDS = frozenset(
    {"risk", "risks", "assumption", "assumptions", "dependency", "dependencies", "issue", "issues"}
)
GUESS = {"status": "open", "severity": "medium", "priority": "medium"}
"""The word a `--map-value` suggestion maps to, to be changed by the person if wrong."""
WORD_LISTS = ("area", "status", "severity", "priority")


@dataclass(frozen=True)
class Fix:
    """One option that settles a group of problems: `option` as typed on the
    command line, and what it does to `ImportOptions` (`action`, `args`)."""

    option: str
    action: str
    args: tuple[str, ...] = ()


@dataclass
class Group:
    """The problems one distinct (column, value, reason) causes."""

    column: str
    field: str
    value: str
    reason: str
    kind: str
    rows: list[int] = dataclasses.field(default_factory=list)
    fixes: list[Fix] = dataclasses.field(default_factory=list)

    def describe(self) -> str:
        where = f"column {self.column!r}" if self.column else "the file"
        where += f" ({self.field})" if self.field and self.field != self.column else ""
        shown = f"{self.value!r} " if self.value else ""
        first = ", ".join(str(row) for row in self.rows[:FIRST_ROWS]) + (
            ", …" if len(self.rows) > FIRST_ROWS else ""
        )
        rows = f"{len(self.rows)} row(s): {first}" if self.rows and self.rows != [0] else ""
        return f"{where}: {shown}{self.reason}" + (f" — {rows}" if rows else "")


def grouped(plan: ImportPlan) -> list[Group]:
    """The plan's problems, one group per distinct (column, value, reason), in the
    order they first occur, each with its fixes."""
    groups: dict[tuple[str, str, str, str], Group] = {}
    for problem in plan.problems:
        key = (problem.column, problem.field, problem.value, problem.reason)
        group = groups.get(key)
        if group is None:
            group = groups[key] = Group(
                problem.column, problem.field, problem.value, problem.reason, problem.kind
            )
        group.rows.append(problem.row)
    by_column: dict[str, int] = {}
    for group in groups.values():
        by_column[group.column] = by_column.get(group.column, 0) + 1
    for group in groups.values():
        group.fixes = _fixes(group, by_column[group.column], plan)
    return list(groups.values())


def fixes(plan: ImportPlan) -> list[Fix]:
    """Every distinct fix the report suggests, in order."""
    return list(dict.fromkeys(fix for group in grouped(plan) for fix in group.fixes))


def _fixes(group: Group, distinct_in_column: int, plan: ImportPlan) -> list[Fix]:
    name, value, column = group.field, group.value, group.column
    if group.kind == "clash":
        return [_map(header, name) for header in column.split(" / ")]
    if group.kind == "loosen":
        return [Fix("--allow-loosen", "allow_loosen")]
    if group.kind == "duplicate file":
        return [Fix("--allow-duplicates", "allow_duplicates")]
    if group.kind == "two-digit year":
        century = _likely_century(value)
        return [Fix(f"--century {century}", "century", (str(century),))]
    found: list[Fix] = []
    if name == "type" and words(value) in RAID_WORDS:
        found.append(Fix(f'--where "{column}=Issue"', "where", (column, "Issue")))
    if group.kind in ("value", "new word") and value:
        if name == "area":
            found.append(Fix(f"--new-area {_quoted(value)}", "new_word", ("area", value)))
        elif name in WORD_LISTS and group.kind == "new word":
            found.append(Fix(f"--new-word {name}:{_quoted(value)}", "new_word", (name, value)))
        target = GUESS.get(name) or _first_word(group.reason)
        if target and name != "area":  # a service area is the council's own: no area stands in for another
            found.append(
                Fix(f"--map-value {name}:{_quoted(value)}={target}", "map_value", (name, value, target))
            )
    elif group.kind == "unreadable" and name:
        found.append(Fix(f"--blank-bad {name}", "blank_bad", (name,)))
    if column and name and distinct_in_column >= 5 and group.kind != "other":
        found.append(Fix(f'--map "{column}="', "map_column", (column, "")))
    return found


def _likely_century(value: str) -> int:
    """19 for a year that would be in the future as 20xx (99 → 1999), else 20."""
    found = re.search(r"(\d{2})\D*$", value)
    return 19 if found and 2000 + int(found[1]) > date.today().year else 20


def _map(header: str, name: str) -> Fix:
    return Fix(f'--map "{header}={name}"', "map_column", (header, name))


def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _first_word(reason: str) -> str:
    """The first allowed word in an `is not one of a, b, c` reason."""
    _, found, listed = reason.partition("is not one of ")
    return listed.split(", ")[0] if found else ""


def apply_fix(options: ImportOptions, fix: Fix) -> ImportOptions:
    """The options with one fix applied (what the TUI's fix buttons do)."""
    args = fix.args
    if fix.action == "map_value":
        values = {name: dict(mapping) for name, mapping in options.values.items()}
        values.setdefault(args[0], {})[words(args[1])] = words(args[2])
        return replace(options, values=values)
    if fix.action == "new_word":
        new_words = {name: list(added) for name, added in options.new_words.items()}
        new_words.setdefault(args[0], []).append(words(args[1]))
        return replace(options, new_words=new_words)
    if fix.action == "map_column":
        return replace(options, columns={**options.columns, args[0]: args[1]})
    if fix.action == "blank_bad":
        return replace(options, blank_bad=options.blank_bad | {args[0]})
    if fix.action == "century":
        return replace(options, century=int(args[0]))
    if fix.action == "where":
        return replace(options, where=[*options.where, Where(args[0], args[1])])
    if fix.action == "allow_loosen":
        return replace(options, allow_loosen=True)
    if fix.action == "allow_duplicates":
        return replace(options, allow_duplicates=True)
    raise ValueError(f"unknown fix {fix.action!r}")
