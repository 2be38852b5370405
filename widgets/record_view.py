"""A record shown in full: its fields, its long texts as markdown, the records it
links to, and its timeline of updates.

Record text is data. Field values are written as plain `Text` (never parsed as
markup) with control characters made visible. Long texts are rendered as
markdown for headings, lists and emphasis, but by a parser with links, images,
autolinks and raw HTML switched off, so a description cannot make a clickable
link, fetch an image or inject markup: those stay on screen as typed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from markdown_it import MarkdownIt
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Markdown, OptionList, Static
from textual.widgets.option_list import Option

from widgets.record_table import sanitize

LONG_FIELDS = ("description", "workaround", "event", "effect", "cause", "early_warnings", "recommendation")
HIDDEN = {"id", "title", "updates", "visibility", *LONG_FIELDS}
LABELS = {
    "affects_vulnerable": "Vulnerable residents",
    "statutory_impact": "Statutory impact",
    "cost_gbp": "Cost impact",
    "cost_basis": "Cost basis",
    "was_risk": "Was a known risk",
    "early_warnings": "Early-warning indicators",
    "action_status": "Action status",
    "external_ref": "Original reference",
    "created_at": "Created",
    "cause": "Cause or trigger",
}
VISIBILITY_NOTES = {
    "public": "PUBLIC: may appear in published transparency reports",
    "internal": "INTERNAL: staff only, never published",
    "restricted": "RESTRICTED: never published; counted as withheld in reports",
}


def label_of(name: str) -> str:
    return LABELS.get(name, name.replace("_", " ").capitalize())


def safe_markdown_parser() -> MarkdownIt:
    """CommonMark with tables, minus every rule that makes links, images or HTML."""
    parser = MarkdownIt("commonmark", {"html": False}).enable("table")
    return parser.disable(["link", "image", "autolink", "html_inline", "html_block"])


def show_value(value: Any) -> str:
    """A field value as one literal line."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(sanitize(str(item)) for item in value) or "(none)"
    if value is None or value == "":
        return "(none)"
    if isinstance(value, float):
        return f"£{value:,.2f}"
    return sanitize(str(value))


FIRST = (
    "status",
    "action_status",
    "severity",
    "priority",
    "area",
    "type",
    "owner",
    "owner_role",
    "raised_by",
    "logged_by",
    "raised_on",
    "logged_on",
    "target_date",
    "closed_on",
    "source",
)


def field_lines(document: dict[str, Any]) -> Text:
    """Every short field, one per line, label then value (the value literal):
    the fields people triage by first, then the rest in the record's order."""
    names = [name for name in FIRST if name in document]
    names += [name for name in document if name not in HIDDEN and name not in names]
    width = max(len(label_of(name)) for name in names) + 2
    text = Text()
    for name in names:
        text.append(f"{label_of(name) + ':':<{width}}", style="bold")
        text.append(show_value(document[name]))
        text.append("\n")
    text.rstrip()
    return text


class RecordView(VerticalScroll, can_focus=False):
    """One record, read-only. `links` are `(id, title)` pairs of linked records,
    shown in an option list the screen can act on (`OptionList.OptionSelected`,
    option ids are record IDs)."""

    DEFAULT_CSS = """
    RecordView {
        height: 1fr;
        padding: 0 1;
        & > .record-view--title { text-style: bold; margin: 1 0 0 0; }
        & > .record-view--visibility { margin: 0 0 1 0; text-style: italic; }
        & > .record-view--visibility.-public { color: $text-warning; }
        & > .record-view--visibility.-restricted { color: $text-error; }
        & > .record-view--heading { text-style: bold; color: $text-primary; margin: 1 0 0 0; }
        & > Markdown { margin: 0; padding: 0; }
        & > OptionList { height: auto; max-height: 8; }
        & > .record-view--update-head { color: $text-muted; margin: 1 0 0 0; }
    }
    """

    def __init__(self, document: dict[str, Any], links: Sequence[tuple[str, str]], *, id: str | None = None):
        super().__init__(id=id)
        self.document = document
        self.links = list(links)

    def compose(self) -> ComposeResult:
        document = self.document
        yield Static(Text(f"{document['id']}  {sanitize(document['title'])}"), classes="record-view--title")
        visibility = document.get("visibility", "internal")
        yield Static(
            Text(VISIBILITY_NOTES.get(visibility, sanitize(visibility))),
            classes=f"record-view--visibility -{visibility}",
        )
        yield Static(field_lines(document), classes="record-view--fields")
        for name in LONG_FIELDS:
            if document.get(name):
                yield Static(Text(label_of(name)), classes="record-view--heading")
                yield Markdown(document[name], parser_factory=safe_markdown_parser, open_links=False)
        yield Static(Text(f"Linked records ({len(self.links)})"), classes="record-view--heading")
        if self.links:
            yield OptionList(
                *[
                    Option(Text(f"{record_id}  {sanitize(title)}"), id=record_id)
                    for record_id, title in self.links
                ],
                id="links",
            )
        else:
            yield Static(Text("None yet: press l to link an issue or lesson."), classes="record-view--none")
        yield from self._timeline(document.get("updates", []))

    def _timeline(self, updates: list[dict[str, Any]]) -> ComposeResult:
        yield Static(Text(f"Updates ({len(updates)})"), classes="record-view--heading")
        if not updates:
            yield Static(Text("None yet: press u to add one."), classes="record-view--none")
        for update in reversed(updates):
            when = str(update.get("at", ""))[:16].replace("T", " ")
            head = f"{when} · {sanitize(str(update.get('author', '')))} · {update.get('kind')} · {update.get('visibility')}"
            yield Static(Text(head), classes="record-view--update-head")
            yield Markdown(update.get("text", ""), parser_factory=safe_markdown_parser, open_links=False)
