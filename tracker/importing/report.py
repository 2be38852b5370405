"""The import report, as people read it (text) and as scripts read it (a dict).

It says which sheet was read and why, which column filled which field, which
columns were not imported and why, how words were read ("WIP" → in progress),
the problems grouped by distinct value with the option that fixes each, what
re-import would change field by field and which changes made in Tracker it
keeps, and what would be or was done: created, updated, unchanged.
"""

from __future__ import annotations

from typing import Any

from data.kinds import KINDS
from data.text import one_line
from tracker.importing.fixes import grouped
from tracker.importing.outcome import ImportPlan

CHANGES_SHOWN = 20


def report_lines(plan: ImportPlan, done: bool = False) -> list[str]:
    """The report as lines of plain text (record text made safe for a terminal)."""
    lines = [f"{one_line(plan.file)}: {plan.rows} row(s) of {KINDS[plan.kind].plural}"]
    if plan.columns.fields:
        lines.append("Columns:")
        lines += [f"  {one_line(column)} → {name}" for column, name in plan.columns.fields.items()]
    if plan.words_read:
        lines.append("Words read as the register's words:")
        for (name, source, word), count in sorted(plan.words_read.items()):
            lines.append(f"  {name}: {one_line(source)!r} → {word} ({count} row(s))")
    if plan.new_words:
        lines.append("Words added to the register (tracker.toml, in the import's commit):")
        lines += [f"  {name}: {one_line(', '.join(words))}" for name, words in plan.new_words.items()]
    if plan.notes:
        lines.append("Notes:")
        lines += [f"  {one_line(note)}" for note in plan.notes]
    if plan.problems:
        groups = grouped(plan)
        lines.append(f"Problems ({len(plan.problems)} in {len(groups)} group(s)); nothing was written:")
        for group in groups:
            lines.append(f"  {one_line(group.describe())}")
            if group.fixes:
                lines.append("    fix: " + one_line("  or  ".join(fix.option for fix in group.fixes)))
        return lines
    lines += _merge_lines(plan)
    nothing = " (nothing to write)" if not plan.created and not plan.updated else ""
    lines.append(("Imported: " if done else "Would import: ") + plan.counts() + nothing)
    return lines


def _merge_lines(plan: ImportPlan) -> list[str]:
    lines: list[str] = []
    if plan.changes:
        lines.append(f"Changes to existing records ({len(plan.changes)}):")
        for change in plan.changes[:CHANGES_SHOWN]:
            ref = f" (ref {change.ref})" if change.ref else ""
            fields = "; ".join(
                f"{name}: {_short(old)} → {_short(new)}" for name, (old, new) in change.fields.items()
            )
            lines.append(f"  {change.record_id}{one_line(ref)}: {one_line(fields)}")
        if len(plan.changes) > CHANGES_SHOWN:
            lines.append(f"  … and {len(plan.changes) - CHANGES_SHOWN} more (--json lists them all)")
    if plan.conflicts:
        lines.append(
            f"Conflicts: changed in Tracker since the last import, Tracker's value kept ({len(plan.conflicts)}):"
        )
        for conflict in plan.conflicts[:CHANGES_SHOWN]:
            lines.append(
                f"  row {conflict.row}, {conflict.record_id} {conflict.field}: kept {_short(conflict.kept)}; "
                f"the sheet says {_short(conflict.sheet)}"
            )
    return lines


def _short(value: Any) -> str:
    if isinstance(value, list):
        value = (
            f"{len(value)} item(s)" if value and isinstance(value[0], dict) else ", ".join(map(str, value))
        )
    text = one_line("" if value is None else str(value))
    return repr(text if len(text) <= 40 else text[:39] + "…")


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
        "new_words": plan.new_words,
        "notes": plan.notes,
        "problems": [{**problem.__dict__} for problem in plan.problems],
        "problem_groups": [
            {
                "column": group.column,
                "field": group.field,
                "value": group.value,
                "reason": group.reason,
                "rows": group.rows,
                "fixes": [fix.option for fix in group.fixes],
            }
            for group in grouped(plan)
        ],
        "changes": [
            {
                "id": change.record_id,
                "ref": change.ref,
                "fields": {k: list(v) for k, v in change.fields.items()},
            }
            for change in plan.changes
        ],
        "conflicts": [conflict.__dict__ for conflict in plan.conflicts],
    }
