"""The import report, as people read it (text) and as scripts read it (a dict).

It says which column filled which field, which columns were not imported and
why, how words were read ("WIP" → in progress), every problem (row, column,
value, reason) and what would be or was done: created, updated, unchanged.
"""

from __future__ import annotations

from typing import Any

from data.text import one_line
from tracker.importing.plan import ImportPlan


def report_lines(plan: ImportPlan, done: bool = False) -> list[str]:
    """The report as lines of plain text (record text made safe for a terminal)."""
    noun = "issues" if plan.kind == "issue" else "lessons"
    lines = [f"{one_line(plan.file)}: {plan.rows} row(s) of {noun}"]
    if plan.columns.fields:
        lines.append("Columns:")
        lines += [f"  {one_line(column)} → {name}" for column, name in plan.columns.fields.items()]
    if plan.words_read:
        lines.append("Words read as the register's words:")
        for (name, source, word), count in sorted(plan.words_read.items()):
            lines.append(f"  {name}: {one_line(source)!r} → {word} ({count} row(s))")
    if plan.notes:
        lines.append("Notes:")
        lines += [f"  {one_line(note)}" for note in plan.notes]
    if plan.problems:
        lines.append(f"Problems ({len(plan.problems)}); nothing was written:")
        lines += [f"  {one_line(problem.describe())}" for problem in plan.problems]
        return lines
    nothing = " (nothing to write)" if not plan.created and not plan.updated else ""
    lines.append(("Imported: " if done else "Would import: ") + plan.counts() + nothing)
    return lines


def report_dict(plan: ImportPlan, done: bool = False, commit: str | None = None) -> dict[str, Any]:
    """The report for `--json`: the same facts, with field names as keys."""
    return {
        "file": plan.file,
        "kind": plan.kind,
        "rows": plan.rows,
        "written": done and plan.ok,
        "commit": commit,
        "created": len(plan.created),
        "updated": len(plan.updated),
        "unchanged": plan.unchanged,
        "created_ids": [record.id for record in plan.created],
        "updated_ids": [record.id for record in plan.updated],
        "columns": plan.columns.fields,
        "not_imported": plan.columns.left_out,
        "words_read": [
            {"field": name, "from": source, "to": word, "rows": count}
            for (name, source, word), count in sorted(plan.words_read.items())
        ],
        "notes": plan.notes,
        "problems": [problem.__dict__ for problem in plan.problems],
    }
