"""What changed between two versions of a record, in the users' terms, and the
commit message that says so.

A commit's subject says what happened (`ISS-4K7Q2M: status open → workaround in
place`), its body lists each field's change, and trailers name the records and
the action so tools can read them back (`Tracker-Record: ISS-4K7Q2M`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from data.ids import kind_of
from data.kinds import KINDS
from data.text import clean_line

LONG_TEXT_FIELDS = frozenset(name for kind in KINDS.values() for name in kind.names(long=True))
IGNORED_FIELDS = frozenset({"updates", "created_at", "id"})
VALUE_WIDTH = 60


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: Any
    new: Any

    def describe(self) -> str:
        """`status: open → resolved`; long text as a size change."""
        label = self.field.replace("_", " ")
        if self.field in LONG_TEXT_FIELDS:
            before, after = len(self.old or ""), len(self.new or "")
            if not before:
                return f"{label}: written ({after} characters)"
            if not after:
                return f"{label}: cleared"
            return f"{label}: edited ({before} → {after} characters)"
        return f"{label}: {show(self.old)} → {show(self.new)}"


def show(value: Any) -> str:
    """A field value on one line, shortened, safe in a commit message."""
    if value is None or value == "" or value == []:
        return "(none)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        value = ", ".join(str(item) for item in value)
    text = str(clean_line(str(value)))
    return text if len(text) <= VALUE_WIDTH else text[: VALUE_WIDTH - 1] + "…"


def field_changes(old: dict[str, Any] | None, new: dict[str, Any] | None) -> list[FieldChange]:
    """Changed fields, in the new record's field order; updates are not fields."""
    old, new = old or {}, new or {}
    names = list(new) + [name for name in old if name not in new]
    return [
        FieldChange(name, old.get(name), new.get(name))
        for name in names
        if name not in IGNORED_FIELDS and old.get(name) != new.get(name)
    ]


def added_updates(old: dict[str, Any] | None, new: dict[str, Any] | None) -> list[dict[str, Any]]:
    seen = {update.get("id") for update in (old or {}).get("updates", [])}
    return [update for update in (new or {}).get("updates", []) if update.get("id") not in seen]


def trailers(records: list[str], action: str) -> str:
    lines = [f"Tracker-Record: {record}" for record in records[:50]]
    if len(records) > 50:
        lines.append(f"Tracker-Records: {len(records)}")
    lines.append(f"Tracker-Action: {action}")
    return "\n".join(lines)


def record_message(action: str, record_id: str, old: dict[str, Any] | None, new: dict[str, Any]) -> str:
    """The commit message for one user action on one record."""
    changes = field_changes(old, new)
    updates = added_updates(old, new)
    kind = kind_of(record_id)
    closing = {change.field: change for change in changes}.get("closed_on")
    state = {change.field: change for change in changes}.get("status")
    if old is None:
        subject = f'{record_id}: new {kind} "{show(new.get("title"))}"'
    elif closing is not None and state is not None and len(changes) == 2 and not updates:
        # closed_on follows the status: say what happened, resolved or reopened
        verb = "reopened" if closing.new in (None, "") else "closed" if state.new == "closed" else "resolved"
        subject = f"{record_id}: {verb}, status {show(state.old)} → {show(state.new)}"
    elif len(changes) == 1 and not updates:
        change = changes[0]
        if change.field in LONG_TEXT_FIELDS:
            subject = f"{record_id}: {change.field.replace('_', ' ')} edited"
        else:
            label = change.field.replace("_", " ")
            subject = f"{record_id}: {label} {show(change.old)} → {show(change.new)}"
    elif updates and not changes:
        kinds = sorted({str(update.get("kind", "comment")) for update in updates})
        subject = f"{record_id}: {' and '.join(kinds)} added"
    else:
        names = [change.field.replace("_", " ") for change in changes]
        if updates:
            names.append("update")
        subject = f"{record_id}: edit {', '.join(names)}"
    if old is None:
        body = [
            f"{c.field.replace('_', ' ')}: {show(c.new)}"
            for c in changes
            if c.new not in (None, "", [], False) and c.field not in LONG_TEXT_FIELDS
        ]
        body += [c.describe() for c in changes if c.field in LONG_TEXT_FIELDS and c.new]
    else:
        body = [change.describe() for change in changes]
    for update in updates:
        body.append(
            f"{update.get('kind', 'comment')} ({update.get('visibility', 'internal')}) "
            f"by {show(update.get('author'))}: {show(update.get('text'))}"
        )
    return compose(subject, body, [record_id], action)


def compose(subject: str, body: list[str], records: list[str], action: str) -> str:
    subject = str(clean_line(subject))
    if len(subject) > 100:
        subject = subject[:99] + "…"
    parts = [subject, ""]
    if body:
        parts += [str(clean_line(line)) for line in body] + [""]
    parts.append(trailers(records, action))
    return "\n".join(parts) + "\n"
