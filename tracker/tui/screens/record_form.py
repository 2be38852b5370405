"""The new and edit forms: every field of an issue or a lesson with the input that
suits it, validated by the model, saved as one commit.

Fields, their labels, inputs and choices come from the kinds-and-fields
table (`data.kinds`) and the register's vocabulary, so a field added to the
model appears here; `ORDER` only decides where. Problems from
the model are shown beside their fields and nothing is written. `ctrl+e` edits
the focused long text in `$VISUAL`/`$EDITOR`; leaving with unsaved changes asks
first.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, ClassVar, Literal

from rich.text import Text
from textual import on
from textual.app import ComposeResult, SuspendNotSupported
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.suggester import SuggestFromList
from textual.validation import ValidationResult, Validator
from textual.widget import Widget
from textual.widgets import Checkbox, Footer, Input, Label, Select, Static, TextArea

from data.errors import InvalidRecord
from data.fields import About
from data.ids import Kind
from data.kinds import KINDS, KindOfRecord
from data.model import AnyRecord, Vocabulary, problems, to_document, vocabulary_problems
from data.validation import ValidationError
from data.values import DATE_EXAMPLE, read_date
from tracker.tui.snapshot import Document, loaded_snapshot, tracker_app

ORDER: dict[Kind, tuple[str, ...]] = {
    "issue": (
        "title",
        "description",
        "severity",
        "area",
        "owner",
        "owner_role",
        "status",
        "target_date",
        "workaround",
        "type",
        "priority",
        "visibility",
        "affects_vulnerable",
        "statutory_impact",
        "cost_gbp",
        "cost_basis",
        "tags",
        "related",
        "lessons",
        "raised_on",
        "raised_by",
        "closed_on",
        "external_ref",
    ),
    "lesson": (
        "title",
        "event",
        "effect",
        "cause",
        "recommendation",
        "area",
        "type",
        "action_status",
        "priority",
        "source",
        "visibility",
        "owner_role",
        "early_warnings",
        "was_risk",
        "tags",
        "issues",
        "logged_on",
        "logged_by",
        "external_ref",
    ),
}
"""Where the form puts each field: what staff fill in most first (the title, then
the main long text one Tab below it); a field not listed here comes at the end."""
InputKind = Literal["line", "select", "date", "bool", "number", "list", "markdown"]
_INPUTS: dict[str, InputKind] = {
    "line": "line",
    "words": "select",
    "choice": "select",
    "date": "date",
    "flag": "bool",
    "amount": "number",
    "tags": "list",
    "links": "list",
    "text": "markdown",
}
"""The form's input for each way a field is written (`data.fields.Input`)."""


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: str
    input: InputKind
    choices: tuple[str, ...] = ()
    optional: bool = False


def _form_label(kind: KindOfRecord, name: str, about: About) -> str:
    """The table's label, with what the form needs said beside it."""
    if name == kind.raised_by:
        return f"{about.label} (blank: you)"
    if about.input == "tags":
        return f"{about.label} (comma separated)"
    if about.input == "links":
        return f"{about.label} (IDs)"
    return about.label


def field_specs(kind: Kind, words: Vocabulary) -> list[FieldSpec]:
    """Every editable field of the kind, in form order, with its input: all of it
    from the kinds-and-fields table (`data.kinds`)."""
    spec = KINDS[kind]
    fields = spec.fields()
    editable = [name for name, about in fields.items() if about.editable]
    names = [*(n for n in ORDER[kind] if n in editable), *(n for n in editable if n not in ORDER[kind])]
    specs = []
    for name in names:
        about = fields[name]
        label = _form_label(spec, name, about)
        choices = tuple(getattr(words, about.words)) if about.words else about.choices
        specs.append(FieldSpec(name, label, _INPUTS[about.input], choices, about.optional))
    return specs


class DateText(Validator):
    """A date as people write one (31/12/2026, 2026-12-31, 31 Dec 2026): the one
    reading the command line and imports use too (`data.values`)."""

    def __init__(self, optional: bool) -> None:
        super().__init__(failure_description=f"a date like {DATE_EXAMPLE}")
        self.optional = optional

    def validate(self, value: str) -> ValidationResult:
        if not value.strip():
            return self.success() if self.optional else self.failure(f"needs a date like {DATE_EXAMPLE}")
        try:
            read_date(value)
        except ValueError as error:
            return self.failure(f"{value.strip()} {error}")
        return self.success()


def _shown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    if isinstance(value, float):
        return f"{value:g}" if value < 1e15 else str(value)
    return str(value)


class RecordForm(Screen[str | None]):
    """New (`document=None`, filled from `start`) or edit form; dismisses with
    the saved record's ID."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="form.save", tooltip="Validate and save (one commit)"),
        Binding(
            "escape", "leave", "Close", id="form.close", tooltip="Close the form (asks if there are changes)"
        ),
        Binding(
            "ctrl+e",
            "external_editor",
            "$EDITOR",
            priority=True,  # before the text area's own ctrl+e (end of line)
            id="form.editor",
            tooltip="Edit the focused long text in your $EDITOR",
        ),
        Binding(
            "ctrl+t",
            "next_long_text",
            "Long text",
            id="form.long_text",
            tooltip="Go to the next long text (description, workaround…)",
        ),
    ]

    def __init__(self, kind: Kind, document: Document | None, start: Document | None = None) -> None:
        super().__init__()
        self.kind = kind
        self.document = document
        self.start = start or {}
        self.specs: list[FieldSpec] = []
        self.initial: dict[str, Any] = {}
        self._filled_role = ""

    # --- building -------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        app = tracker_app(self)
        self.specs = field_specs(self.kind, loaded_snapshot(self).settings.vocabulary)
        start = self.document or {**self._defaults(app.today), **self.start}
        if self.document is None:
            heading = f"New {self.kind}"
        else:
            heading = f"Edit {self.document['id']}  {self.document['title']}"
        yield Static(Text(heading), classes="form--heading")
        yield Static("", id="error-record", classes="field--error")
        with VerticalScroll(id="form"):
            for spec in self.specs:
                with Horizontal(classes=f"field field--{spec.input}", id=f"field-{spec.name}"):
                    if spec.input != "bool":
                        yield Label(spec.label, classes="field--label")
                    yield self._input(spec, start.get(spec.name))
                yield Static("", id=f"error-{spec.name}", classes="field--error")
        yield Footer()

    def _defaults(self, today: date) -> Document:
        kind = KINDS[self.kind]
        model = kind.model
        defaults: Document = {
            name: info.default
            for name, info in model.model_fields.items()
            if not info.is_required() and info.default_factory is None
        }
        defaults[kind.raised_on] = today.isoformat()
        for spec in self.specs:
            if spec.input == "select" and not spec.optional and defaults.get(spec.name) not in spec.choices:
                defaults[spec.name] = spec.choices[0]
        return defaults

    def _input(self, spec: FieldSpec, value: Any) -> Widget:
        name = f"input-{spec.name}"
        if spec.input == "select":
            options = [(choice, choice) for choice in spec.choices]
            chosen = value if value in spec.choices else Select.NULL
            return Select(
                options,
                value=chosen,
                allow_blank=spec.optional or chosen is Select.NULL,
                id=name,
                compact=True,
            )
        if spec.input == "bool":
            return Checkbox(spec.label, bool(value), id=name, compact=True)
        if spec.input == "markdown":
            return TextArea(str(value or ""), id=name, soft_wrap=True, tab_behavior="focus", compact=True)
        validators = [DateText(spec.optional)] if spec.input == "date" else []
        suggester = self._suggester(spec.name)
        placeholder = {"date": "YYYY-MM-DD", "number": "e.g. 25000", "list": "comma, separated"}.get(
            spec.input, ""
        )
        return Input(
            _shown(value),
            id=name,
            placeholder=placeholder,
            validators=validators,
            valid_empty=spec.optional,
            compact=True,
            select_on_focus=False,
            suggester=suggester,
        )

    def _suggester(self, name: str) -> SuggestFromList | None:
        """Names and roles the register knows, offered as they are typed (→ takes one)."""
        snapshot = loaded_snapshot(self)
        kind = KINDS[self.kind]
        if name in ("owner", kind.raised_by):
            return SuggestFromList(snapshot.people(), case_sensitive=False)
        if name == "owner_role":
            return SuggestFromList(sorted(set(snapshot.settings.roles().values())), case_sensitive=False)
        return None

    def on_mount(self) -> None:
        self.initial = self.values()
        self.query_one(f"#input-{self.specs[0].name}").focus()

    # --- reading the form ---------------------------------------------------------------

    def values(self) -> dict[str, Any]:
        """What the form holds now, as the model accepts it (strings are parsed by it)."""
        values: dict[str, Any] = {}
        for spec in self.specs:
            widget = self.query_one(f"#input-{spec.name}")
            if isinstance(widget, Select):
                values[spec.name] = None if widget.value is Select.NULL else widget.value
            elif isinstance(widget, Checkbox):
                values[spec.name] = widget.value
            elif isinstance(widget, TextArea):
                values[spec.name] = widget.text
            elif isinstance(widget, Input) and spec.input == "list":
                values[spec.name] = [part.strip() for part in widget.value.split(",") if part.strip()]
            elif isinstance(widget, Input):
                values[spec.name] = widget.value.strip()
        return values

    @property
    def dirty(self) -> bool:
        return bool(self.initial) and self.values() != self.initial

    def _check(self, values: dict[str, Any]) -> tuple[AnyRecord | None, list[str]]:
        """Validate locally, as the register will (the model, then the vocabulary)."""
        kind = KINDS[self.kind]
        data = {**(self.document or {}), **values}
        if not data.get(kind.raised_by):
            data[kind.raised_by] = "you"
        try:
            record = kind.model.model_validate(data)
        except ValidationError as error:
            return None, problems(error)
        return record, vocabulary_problems(record, loaded_snapshot(self).settings.vocabulary)

    # --- saving -----------------------------------------------------------------------

    def action_save(self) -> None:
        values = self.values()
        record, lines = self._check(values)
        self.show_problems(lines)
        if lines or record is None:
            return
        app = tracker_app(self)
        if self.document is None:
            fields = {name: value for name, value in values.items() if value not in ("", None, [])}
            kind = self.kind
            app.change(
                lambda register: register.add(kind, **fields),
                f"Adding a {self.kind}",
                on_done=self._saved,
                on_invalid=self._invalid,
            )
            return
        new, old = to_document(record), self.document
        changes = {name: new[name] for name in values if new.get(name) != old.get(name)}
        if not changes:
            self.dismiss(old["id"])
            return
        record_id = old["id"]
        app.change(
            lambda register: register.edit(record_id, changes),
            f"Saving {record_id}",
            on_done=self._saved,
            on_invalid=self._invalid,
        )

    def _saved(self, record: AnyRecord) -> None:
        verb = "added" if self.document is None else "saved"
        self.app.notify(f"{record.id} {verb}")
        self.initial = {}
        self.dismiss(record.id)

    def _invalid(self, error: InvalidRecord) -> None:
        self.show_problems(error.problems)

    def show_problems(self, lines: list[str]) -> None:
        """Each problem beside its field; problems of no one field at the top."""
        by_field: dict[str, list[str]] = {}
        names = {spec.name for spec in self.specs}
        for line in lines:
            name = line.split(":", 1)[0].split(".", 1)[0].strip()
            by_field.setdefault(name if name in names else "record", []).append(line)
        for static in self.query(".field--error").results(Static):
            found = by_field.get((static.id or "").removeprefix("error-"), [])
            static.update(Text("\n".join(found)))
            static.set_class(bool(found), "-shown")
        if lines:
            first = next((name for name in by_field if name in names), None)
            if first:
                self.query_one(f"#field-{first}").scroll_visible()
            self.notify(f"{len(lines)} problem(s): nothing was saved", severity="error")

    # --- leaving and $EDITOR -------------------------------------------------------------

    def action_leave(self) -> None:
        from tracker.tui.screens.confirm import ConfirmationModal

        if not self.dirty:
            self.dismiss(None)
            return

        def answered(discard: bool | None) -> None:
            if discard:
                self.dismiss(None)

        question = "Discard your changes? They have not been saved."
        self.app.push_screen(ConfirmationModal(question, yes="Discard", no="Keep editing"), answered)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """`ctrl+e` is the editor's only in a long text; elsewhere it stays the
        line's own (end of line)."""
        if action == "external_editor":
            return isinstance(self.focused, TextArea)
        return True

    def action_next_long_text(self) -> None:
        chain = self.focus_chain
        start = chain.index(self.focused) + 1 if self.focused in chain else 0
        areas = [widget for widget in chain[start:] + chain[:start] if isinstance(widget, TextArea)]
        if areas:
            areas[0].focus()

    def action_external_editor(self) -> None:
        area = self.focused
        if not isinstance(area, TextArea):
            return
        editor = shlex.split(os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi")
        handle, name = tempfile.mkstemp(suffix=".md", prefix="tracker-")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as file:
                file.write(area.text)
            with self.app.suspend():
                subprocess.run([*editor, name], check=False)
            area.text = Path(name).read_text(encoding="utf-8")
        except SuspendNotSupported:
            self.notify("this terminal cannot hand over to an editor", severity="warning")
        except OSError as error:
            self.notify(f"editor {editor[0]!r} did not run: {error.strerror or error}", severity="error")
        finally:
            os.unlink(name)

    @on(Input.Changed, "#input-owner")
    def _fill_owner_role(self, event: Input.Changed) -> None:
        """The owner's role from `[people]` in tracker.toml, unless one was typed."""
        people = tracker_app(self).snapshot
        roles = self.query("#input-owner_role").results(Input)
        role_input = next(iter(roles), None)
        if people is None or role_input is None:
            return
        role = people.settings.roles().get(event.value.strip())
        if role and role_input.value.strip() in ("", self._filled_role):
            role_input.value = role
            self._filled_role = role

    @on(Input.Changed)
    def _validate_typing(self, event: Input.Changed) -> None:
        """Date problems are shown as they are typed, beside the field."""
        if event.validation_result is None or event.input.id is None:
            return
        name = event.input.id.removeprefix("input-")
        reasons = event.validation_result.failure_descriptions
        error = self.query_one(f"#error-{name}", Static)
        error.update(Text(f"{name}: {reasons[0]}" if reasons else ""))
        error.set_class(bool(reasons), "-shown")
