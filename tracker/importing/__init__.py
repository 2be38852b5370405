"""Importing records from the spreadsheets registers live in today (CSV, Excel)
and from Tracker's own JSON: plan first (every problem found, nothing written),
then write every record in one commit, or nothing at all.

    plan = plan_import(register, path, ImportOptions(kind="issue"))
    commit = apply_import(register, plan)     # ImportRefused if plan has problems
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from data.text import one_line
from tracker.importing.plan import (
    ImportOptions,
    ImportPlan,
    ImportRefused,
    ImportSetupError,
    Problem,
    parse_column_overrides,
    parse_value_overrides,
    plan_import,
)
from tracker.importing.reading import UnreadableFile
from tracker.importing.report import report_dict, report_lines

__all__ = [
    "ImportOptions",
    "ImportPlan",
    "ImportRefused",
    "ImportSetupError",
    "Problem",
    "UnreadableFile",
    "apply_import",
    "commit_message",
    "import_file",
    "parse_column_overrides",
    "parse_value_overrides",
    "plan_import",
    "report_dict",
    "report_lines",
]


def commit_message(plan: ImportPlan) -> tuple[str, list[str]]:
    """Subject and body of the import's one commit: the file, the counts, the columns."""
    subject = f"Import {one_line(plan.file)}: {len(plan.created)} created, {len(plan.updated)} updated"
    body = [
        f"File: {one_line(plan.file)} ({plan.rows} row(s) of {plan.kind}s)",
        f"Created: {len(plan.created)}; updated: {len(plan.updated)}; unchanged: {plan.unchanged}",
    ]
    body += [f"Column {one_line(column)!r} → {name}" for column, name in plan.columns.fields.items()]
    return subject, body


def apply_import(register: Any, plan: ImportPlan) -> str | None:
    """Write every record of a clean plan in one commit; the commit's ID, or None
    when every row was unchanged. ImportRefused (nothing written) if the plan has
    problems."""
    if not plan.ok:
        raise ImportRefused(plan)
    records = [*plan.created, *plan.updated]
    if not records:
        return None
    subject, body = commit_message(plan)
    register.save_many(records, subject, body, action="import")
    head: str | None = register.git.head_commit()
    return head


def import_file(register: Any, path: Path, options: ImportOptions) -> tuple[ImportPlan, str | None]:
    """Plan and, when the plan is clean, import: what the CLI and the TUI's confirm do."""
    plan = plan_import(register, path, options)
    return plan, apply_import(register, plan)
