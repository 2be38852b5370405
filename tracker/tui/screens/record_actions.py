"""The quick actions on one record, shared by the register and the record screens:
edit, change status, add an update, link, change visibility, history.

Each action asks what it needs in a modal, then makes exactly one change through
the register service in a worker (`TrackerApp.change`): one commit.
"""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.screen import Screen

from data.ids import kind_of
from data.model import ACTION_STATUSES, VISIBILITIES
from tracker.tui.snapshot import Document, loaded_snapshot, tracker_app


class RecordActionsScreen(Screen[None]):
    """A screen with a current record (`current_record_id`) and its quick actions."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("e", "edit_record", "Edit", id="record.edit", tooltip="Edit every field of this record"),
        Binding("s", "change_status", "Status", id="record.status", tooltip="Change this record's status"),
        Binding(
            "u",
            "add_update",
            "Update",
            id="record.update",
            tooltip="Add a comment, decision or action to the timeline",
        ),
        Binding(
            "l",
            "link",
            "Link",
            show=False,
            id="record.link",
            tooltip="Link this record to an issue or lesson",
        ),
        Binding(
            "v",
            "change_visibility",
            "Visibility",
            show=False,
            id="record.visibility",
            tooltip="Make this record public, internal or restricted",
        ),
        Binding(
            "h",
            "history",
            "History",
            show=False,
            id="record.history",
            tooltip="Who changed what, when, from git",
        ),
    ]

    def current_record_id(self) -> str | None:
        raise NotImplementedError

    def loaded(self) -> bool:
        """Whether the register has loaded; says it is loading when not. Rows
        painted from the first page are a picture only: nothing is opened or
        changed from them."""
        if tracker_app(self).snapshot is None:
            self.notify("the register is still loading; try again in a moment", severity="warning")
            return False
        return True

    def _current(self) -> Document | None:
        if not self.loaded():
            return None
        record_id = self.current_record_id()
        snapshot = tracker_app(self).snapshot
        document = snapshot.find(record_id) if record_id and snapshot else None
        if document is None:
            self.notify("no record selected", severity="warning")
        return document

    def action_edit_record(self) -> None:
        from tracker.tui.screens.record_form import RecordForm

        if (document := self._current()) is None:
            return
        whole = tracker_app(self).snapshot.record(document["id"])  # type: ignore[union-attr]
        if whole is None:
            self.notify(f"{document['id']} cannot be read now; see tracker doctor", severity="error")
        else:
            self.app.push_screen(RecordForm(kind_of(whole["id"]), whole))

    def action_change_status(self) -> None:
        from tracker.tui.screens.choice_picker import ChoicePicker

        if (document := self._current()) is None:
            return
        snapshot = loaded_snapshot(self)
        if kind_of(document["id"]) == "issue":
            name, choices = "status", snapshot.settings.vocabulary.statuses
        else:
            name, choices = "action_status", list(ACTION_STATUSES)
        heading = f"{document['id']}  {document['title']}\n{name.replace('_', ' ')}:"
        picker = ChoicePicker(heading, choices, document.get(name))
        self.app.push_screen(picker, lambda word: self._set(document["id"], name, word))

    def action_change_visibility(self) -> None:
        from tracker.tui.screens.choice_picker import ChoicePicker

        if (document := self._current()) is None:
            return
        heading = f"{document['id']}  {document['title']}\nwho may see it:"
        picker = ChoicePicker(heading, VISIBILITIES, document.get("visibility"))
        self.app.push_screen(picker, lambda word: self._set(document["id"], "visibility", word))

    def _set(self, record_id: str, name: str, value: str | None) -> None:
        if value is None:
            return
        label = name.replace("_", " ")
        tracker_app(self).change(
            lambda register: register.edit(record_id, {name: value}, action=name),
            f"Changing the {label} of {record_id}",
            on_done=lambda _: self.notify(f"{record_id}: {label} → {value}"),
        )

    def action_add_update(self) -> None:
        from tracker.tui.screens.update_form import NewUpdate, UpdateForm

        if (document := self._current()) is None:
            return
        record_id = document["id"]

        def add(update: NewUpdate | None) -> None:
            if update is not None:
                tracker_app(self).change(
                    lambda register: register.add_update(
                        record_id, update.text, update.kind, update.visibility
                    ),
                    f"Adding an update to {record_id}",
                    on_done=lambda _: self.notify(f"{record_id}: {update.kind} added"),
                )

        self.app.push_screen(UpdateForm(record_id, document["title"]), add)

    def action_link(self) -> None:
        from tracker.tui.screens.link_picker import LinkPicker

        if (document := self._current()) is None:
            return
        record_id = document["id"]
        self.app.push_screen(
            LinkPicker(record_id, self._link_candidates(document)), lambda other: self._link(record_id, other)
        )

    def _link_candidates(self, document: Document) -> list[tuple[str, list[str]]]:
        snapshot = loaded_snapshot(self)
        kinds = ("lesson", "issue") if kind_of(document["id"]) == "issue" else ("issue",)
        linked = (
            set(document.get("lessons", []))
            | set(document.get("related", []))
            | set(document.get("issues", []))
        )
        # The table rows already hold each record's title and status (action, for
        # a lesson): no document is made for each of 50,000 candidates.
        return [
            (other, [other, cells[1], f"{kind} · {cells[2]}"])
            for kind in kinds
            for other, (_key, cells) in snapshot.rows[kind].items()  # type: ignore[index]
            if other != document["id"] and other not in linked
        ]

    def _link(self, record_id: str, other: str | None) -> None:
        if other is None:
            return
        tracker_app(self).change(
            lambda register: register.link(record_id, other),
            f"Linking {record_id} and {other}",
            on_done=lambda _: self.notify(f"{record_id} linked to {other}"),
        )

    def action_history(self) -> None:
        from tracker.tui.screens.history import HistoryScreen

        if (document := self._current()) is not None:
            self.app.push_screen(HistoryScreen(tracker_app(self).register, document["id"]))
