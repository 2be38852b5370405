"""Importing records from the spreadsheets registers live in today (CSV, Excel,
OpenDocument) and from Tracker's own JSON: plan first (every problem found,
nothing written), then write every record in one commit, or nothing at all.

    plan = plan_import(register, path, ImportOptions(kind="issue"))
    commit = apply_import(register, plan)     # ImportRefused if plan has problems
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from data.text import one_line
from tracker.importing.errors import UnreadableFile
from tracker.importing.fixes import Fix, apply_fix, fixes, grouped
from tracker.importing.outcome import ImportOptions, ImportPlan, ImportRefused, ImportSetupError, Problem
from tracker.importing.plan import (
    parse_column_overrides,
    parse_new_words,
    parse_value_overrides,
    parse_where,
    plan_import,
)
from tracker.importing.report import report_dict, report_lines
from tracker.importing.workbooks import sheets_in

if TYPE_CHECKING:
    from tracker.register import Register

__all__ = [
    "Fix",
    "ImportOptions",
    "ImportPlan",
    "ImportRefused",
    "ImportSetupError",
    "Problem",
    "UnreadableFile",
    "apply_fix",
    "apply_import",
    "commit_message",
    "fixes",
    "grouped",
    "import_file",
    "parse_column_overrides",
    "parse_new_words",
    "parse_value_overrides",
    "parse_where",
    "plan_import",
    "report_dict",
    "report_lines",
    "sheets_in",
]


def commit_message(plan: ImportPlan) -> tuple[str, list[str]]:
    """Subject and body of the import's one commit: the file, the counts, the columns."""
    subject = f"Import {one_line(plan.file)}: {len(plan.created)} created, {len(plan.updated)} updated"
    body = [
        f"File: {one_line(plan.file)} ({plan.rows} row(s) of {plan.kind}s)",
        f"Created: {len(plan.created)}; updated: {len(plan.updated)}; unchanged: {plan.unchanged}",
    ]
    body += [f"Column {one_line(column)!r} → {name}" for column, name in plan.columns.fields.items()]
    body += [
        f"Added to the register's {name} words: {', '.join(words)}" for name, words in plan.new_words.items()
    ]
    body += [
        f"Kept {conflict.record_id} {conflict.field} as changed in Tracker (the sheet says {conflict.sheet!r})"
        for conflict in plan.conflicts
    ]
    return subject, body


def apply_import(register: Register, plan: ImportPlan) -> str | None:
    """Write every record of a clean plan in one commit; the commit's ID, or None
    when every row was unchanged. ImportRefused (nothing written) if the plan has
    problems."""
    if not plan.ok:
        raise ImportRefused(plan)
    records = [*plan.created, *plan.updated]
    if not records:
        return None
    subject, body = commit_message(plan)
    settings = None
    if plan.vocabulary is not None:
        settings = register.settings.model_copy(update={"vocabulary": plan.vocabulary})
    register.save_many(records, subject, body, action="import", settings=settings)
    head: str | None = register.git.head_commit()
    return head


def import_file(register: Register, path: Path, options: ImportOptions) -> tuple[ImportPlan, str | None]:
    """Plan and, when the plan is clean, import: what the CLI and the TUI's confirm do."""
    plan = plan_import(register, path, options)
    return plan, apply_import(register, plan)
