"""What changed between two versions of a record, in the users' terms, and the
commit message that says so.

A commit's subject says what happened (`ISS-4K7Q2M: status open → workaround in
place`), its body lists each field's change, and trailers name the records and
the action so tools can read them back (`Tracker-Record: ISS-4K7Q2M`).

This module is the message format's one home: `compose` and `record_message`
write it, `parse_message` reads it back for history, the audit log and the
backlog, so nothing else matches message text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from data.ids import kind_of
from data.kinds import KINDS
from data.text import clean_line

LONG_TEXT_FIELDS = frozenset(name for kind in KINDS.values() for name in kind.names(long=True))
IGNORED_FIELDS = frozenset({"updates", "created_at", "id"})
VALUE_WIDTH = 60
RECORD_TRAILER = "Tracker-Record"
RECORDS_TRAILER = "Tracker-Records"
ACTION_TRAILER = "Tracker-Action"
MAX_RECORD_TRAILERS = 50


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
    lines = [f"{RECORD_TRAILER}: {record}" for record in records[:MAX_RECORD_TRAILERS]]
    if len(records) > MAX_RECORD_TRAILERS:
        lines.append(f"{RECORDS_TRAILER}: {len(records)}")
    lines.append(f"{ACTION_TRAILER}: {action}")
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


# --- reading a message back -------------------------------------------------------------

_TRAILER = re.compile(r"^(?P<key>[A-Za-z0-9][A-Za-z0-9-]*): ?(?P<value>.*)$")
_BODY_FIELD = re.compile(r"^(?P<label>[a-z][a-z0-9 ]*): (?P<value>.*)$")
_ARROW = " → "


@dataclass(frozen=True)
class MessageField:
    """A field line of a message body, as `FieldChange.describe` (or a new record's
    `label: value`) wrote it: `before` is None when the line gives one value."""

    field: str
    before: str | None
    after: str


@dataclass(frozen=True)
class Message:
    """A commit message read back: what `compose` wrote, in parts."""

    subject: str
    body: tuple[str, ...]
    fields: tuple[MessageField, ...]
    records: tuple[str, ...]
    record_count: int
    """How many records the commit touched (`Tracker-Records`, else the trailers named)."""
    action: str

    def field(self, name: str) -> MessageField | None:
        """The body's first line for field `name`, if it has one."""
        return next((line for line in self.fields if line.field == name), None)


def parse_message(text: str) -> Message:
    """Read a commit message written by `compose`: its subject (the first
    paragraph on one line, as git's `%s` gives it), body lines, the field changes
    they list, and the Tracker trailers of its last paragraph. A message Tracker
    did not write reads as a subject and body with no records and no action."""
    paragraphs = _paragraphs(text)
    if not paragraphs:
        return Message("", (), (), (), 0, "")
    subject = " ".join(line.strip() for line in paragraphs[0])
    rest = paragraphs[1:]
    found = _trailers(rest[-1]) if rest else None
    if found is not None:
        rest = rest[:-1]
    trailers = found or []
    body = tuple(line for paragraph in rest for line in paragraph)
    records = tuple(value for key, value in trailers if key == RECORD_TRAILER)
    counts = [value for key, value in trailers if key == RECORDS_TRAILER and value.isdigit()]
    actions = [value for key, value in trailers if key == ACTION_TRAILER]
    return Message(
        subject=subject,
        body=body,
        fields=tuple(field for line in body if (field := _field_line(line)) is not None),
        records=records,
        record_count=int(counts[-1]) if counts else len(records),
        action=",".join(actions),
    )


def trailers_of(text: str) -> dict[str, str]:
    """The `Key: value` trailers of a message's last paragraph (a commit's, or a
    published report's tag), later keys winning; empty when it has none."""
    paragraphs = _paragraphs(text)
    found = _trailers(paragraphs[-1]) if len(paragraphs) > 1 else None
    return dict(found or [])


def _paragraphs(text: str) -> list[list[str]]:
    paragraphs: list[list[str]] = [[]]
    for line in text.splitlines():
        if line.strip():
            paragraphs[-1].append(line)
        elif paragraphs[-1]:
            paragraphs.append([])
    return [paragraph for paragraph in paragraphs if paragraph]


def _trailers(paragraph: list[str]) -> list[tuple[str, str]] | None:
    """`Key: value` pairs when every line of the paragraph is one, else None."""
    pairs = []
    for line in paragraph:
        match = _TRAILER.match(line)
        if match is None:
            return None
        pairs.append((match["key"], match["value"].strip()))
    return pairs


def _field_line(line: str) -> MessageField | None:
    match = _BODY_FIELD.match(line)
    if match is None:
        return None
    name, value = match["label"].replace(" ", "_"), match["value"]
    before, arrow, after = value.partition(_ARROW)
    if not arrow:
        return MessageField(name, None, value)
    return MessageField(name, before, after)
