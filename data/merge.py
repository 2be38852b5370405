"""Field-level three-way merge of one record: the rules that make sure nothing
anyone writes is lost when two clones changed the same record.

`merge_records(base, ours, theirs, …)` is a pure function of three documents,
the time and author of each side's last change to the record, and nothing else,
so `tracker sync` and git's merge driver (a lead's plain `git pull`) merge alike.

The rules, field by field:

- A field changed on one side only takes that side's value.
- `updates` (the timeline) are unioned by update ID and kept in time order:
  every update on either side is in the result, even one that a side removed
  (by editing the file by hand), because a merge must never lose what someone
  wrote. To redact an update, edit its text: an update edited on one side takes
  the edit, and one edited on both sides is a conflict like any field.
- `tags` and the links (`lessons`, `related`, `issues`) are merged as sets,
  element by element: an element added on either side is kept, an element
  removed on one side is removed. Removing is a deliberate act on that element,
  and the other side cannot have touched the same element without removing it
  too (it was already there), so honouring the removal never discards anything
  the other side did; when the other side left the list alone this is simply
  "take the side that changed it". When only one side changed a list its order
  is kept; when both did, kept elements keep the base order and additions follow
  in sorted order, so the result does not depend on which side is "ours".
- When both sides changed a field to different values, the later change wins:
  "later" is the time of each side's change *to that field* (the commit that
  set the value, given by `field_times`; the side's last change to the record
  when it cannot be found), a tie going to the larger JSON encoding of the
  value, an arbitrary but symmetric rule. The other value goes into the
  timeline as a `conflict` update naming both authors and both values.
- Visibility never loosens in a merge, whatever the clocks say: when the sides
  disagree on a record's (or an update's) visibility the most restrictive value
  is kept, and the conflict is recorded like any other. Its ID is a hash of the record, the field and both sides, so both
  clones write the same entry and merging twice never repeats it.
- `closed_on` follows `status` when the status was a conflict: the winner's
  status comes with the winner's closing date, so a reopened issue is not left
  with a closing date (and the reverse).
- A record deleted on one side and edited on the other keeps the edit; deleted
  on one side and untouched on the other stays deleted.

The result is validated through `data.model`, so it is always a well-formed
record: never conflict markers.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from data.changes import show
from data.errors import TrackerError
from data.ids import CROCKFORD, UPDATE_PREFIX
from data.kinds import KINDS
from data.model import from_document, problems, to_document
from data.validation import ValidationError

SET_FIELDS = frozenset({"tags", *(name for kind in KINDS.values() for name in kind.links())})
RESTRICTIVENESS = {"public": 0, "internal": 1, "restricted": 2}
FieldTimes = Callable[[str, str], "tuple[datetime, str] | None"]
"""`(side, field)` → the time and author of that side's change to the field
(`side` is "ours" or "theirs"; `field` a field name or `update <id>`)."""
CONFLICT_AUTHOR = "Tracker (merge)"
CONFLICT_TEXT_MAX = 4_000


class MergeError(TrackerError):
    """Two versions of a record cannot be merged into a valid record."""


@dataclass(frozen=True)
class Side:
    """One side of a merge: its version of the record and its last change."""

    document: dict[str, Any] | None
    time: datetime
    author: str


@dataclass(frozen=True)
class Conflict:
    """Both sides changed `field`; `kept` won, `replaced` is kept in the timeline."""

    record: str
    field: str
    kept_value: Any
    kept_author: str
    replaced_value: Any
    replaced_author: str


@dataclass
class MergeResult:
    document: dict[str, Any] | None
    conflicts: list[Conflict] = field(default_factory=list)


_ABSENT = object()


def _key(value: Any) -> str:
    """A canonical encoding for comparing values and breaking ties."""
    if value is _ABSENT:
        return ""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _normalised(document: dict[str, Any] | None, which: str) -> dict[str, Any] | None:
    if document is None:
        return None
    try:
        return to_document(from_document(document))
    except (ValidationError, ValueError) as error:
        lines = problems(error) if isinstance(error, ValidationError) else [str(error)]
        where = f"{document.get('id', 'record')} ({which} version)"
        raise MergeError(f"{where}: " + "; ".join(lines[:3])) from None


def merge_records(
    base: dict[str, Any] | None,
    ours: dict[str, Any] | None,
    theirs: dict[str, Any] | None,
    ours_time: datetime,
    theirs_time: datetime,
    ours_author: str,
    theirs_author: str,
    field_times: FieldTimes | None = None,
) -> MergeResult:
    """Merge two versions of one record against their common ancestor (None
    where the record does not exist on that side)."""
    base = _normalised(base, "common")
    one = Side(_normalised(ours, "our"), _aware(ours_time), ours_author)
    two = Side(_normalised(theirs, "their"), _aware(theirs_time), theirs_author)
    if one.document is None or two.document is None:
        return MergeResult(_one_sided(base, one.document, two.document))
    merger = _RecordMerge(base or {}, one, two, field_times)
    document = merger.merge()
    try:
        return MergeResult(to_document(from_document(document)), merger.conflicts)
    except ValidationError as error:
        reasons = "; ".join(problems(error)[:3])
        raise MergeError(f"{document.get('id')}: merged record is not valid: {reasons}") from None


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _one_sided(
    base: dict[str, Any] | None, ours: dict[str, Any] | None, theirs: dict[str, Any] | None
) -> dict[str, Any] | None:
    """At least one side has no record: a deletion stands only against an
    untouched record; an edit or an addition always survives."""
    present = ours if ours is not None else theirs
    if present is None or base is None:
        return present
    return None if present == base else present


class _RecordMerge:
    """The field-by-field merge of two present versions of a record."""

    def __init__(self, base: dict[str, Any], ours: Side, theirs: Side, field_times: FieldTimes | None = None):
        self.base, self.ours, self.theirs = base, ours, theirs
        self.field_times = field_times
        if ours.document is None or theirs.document is None:
            raise MergeError(f"{base.get('id', 'record')}: a field-by-field merge needs both sides")
        self.left: dict[str, Any] = ours.document
        self.right: dict[str, Any] = theirs.document
        self.record_id = str(self.left.get("id") or self.right.get("id"))
        self.conflicts: list[Conflict] = []
        self.conflict_updates: list[dict[str, Any]] = []
        self.winners: dict[str, Side] = {}

    def merge(self) -> dict[str, Any]:
        names = list(self.left) + [name for name in self.right if name not in self.left]
        merged: dict[str, Any] = {}
        for name in names:
            if name == "updates":
                continue
            value = self._field(name)
            if value is not _ABSENT:
                merged[name] = value
        merged["updates"] = self._updates()
        return merged

    def _field(self, name: str) -> Any:
        base = self.base.get(name, _ABSENT)
        left, right = self.left.get(name, _ABSENT), self.right.get(name, _ABSENT)
        if name == "closed_on" and "status" in self.winners:
            return self.winners["status"].document.get(name, _ABSENT)  # type: ignore[union-attr]
        if _key(left) == _key(right):
            return left
        if _key(left) == _key(base):
            return right
        if _key(right) == _key(base):
            return left
        if name in SET_FIELDS and all(isinstance(v, list) for v in (left, right)):
            return _merge_set(base if isinstance(base, list) else [], left, right)
        return self._conflict(name, left, right)

    def _timed(self, which: str, name: str) -> Side:
        """A side as it changed one field: its time and author for that field."""
        side = self.ours if which == "ours" else self.theirs
        found = self.field_times(which, name) if self.field_times else None
        if found is None:
            return side
        return Side(side.document, _aware(found[0]), found[1])

    def _later(self, name: str, left: Any, right: Any) -> tuple[Side, Any, Side, Any]:
        """(winner, its value, loser, its value): the later change to the field,
        ties by value; for visibility, the most restrictive value."""
        ours, theirs = self._timed("ours", name), self._timed("theirs", name)
        if name == "visibility":
            ours_first = (_restrictiveness(left), _key(left)) >= (_restrictiveness(right), _key(right))
        else:
            ours_first = (ours.time, _key(left)) >= (theirs.time, _key(right))
        if ours_first:
            return ours, left, theirs, right
        return theirs, right, ours, left

    def _conflict(self, name: str, left: Any, right: Any) -> Any:
        winner, kept, loser, replaced = self._later(name, left, right)
        if name.startswith("update ") and isinstance(kept, dict) and isinstance(replaced, dict):
            tighter = max(kept.get("visibility"), replaced.get("visibility"), key=_restrictiveness)
            kept = {**kept, "visibility": tighter}
        self.winners[name] = winner
        kept_value = None if kept is _ABSENT else kept
        replaced_value = None if replaced is _ABSENT else replaced
        self.conflicts.append(
            Conflict(self.record_id, name, kept_value, winner.author, replaced_value, loser.author)
        )
        self.conflict_updates.append(self._conflict_update(name, winner, kept_value, loser, replaced_value))
        return kept

    def _conflict_update(
        self, name: str, winner: Side, kept: Any, loser: Side, replaced: Any
    ) -> dict[str, Any]:
        label = name.replace("_", " ")
        rule = (
            f"The more restrictive visibility ({winner.author}'s) was kept: a merge never loosens it"
            if name == "visibility"
            else f"The later change ({winner.author}'s) was kept"
        )
        text = (
            f"Merge conflict on {label}: {loser.author} set it to {_shown(replaced)} "
            f"({_utc(loser.time)}) and {winner.author} set it to {_shown(kept)} "
            f"({_utc(winner.time)}). {rule}; {loser.author}'s value is recorded here."
        )
        sides = sorted(
            (
                {"author": side.author, "at": side.time.isoformat(), "value": value}
                for side, value in ((winner, kept), (loser, replaced))
            ),
            key=_key,
        )
        digest = hashlib.sha256(_key([self.record_id, name, sides]).encode()).digest()
        return {
            "id": UPDATE_PREFIX + "-" + _crockford(digest, 8),
            "at": winner.time.astimezone(UTC).isoformat().replace("+00:00", "Z"),
            "author": CONFLICT_AUTHOR,
            "kind": "conflict",
            "text": text,
            "visibility": "internal",
            "conflict": {
                "field": name,
                "kept": {"author": winner.author, "at": winner.time.isoformat(), "value": kept},
                "replaced": {"author": loser.author, "at": loser.time.isoformat(), "value": replaced},
            },
        }

    def _updates(self) -> list[dict[str, Any]]:
        """The timeline: every update from either side, by ID, in time order."""
        base = {u["id"]: u for u in self.base.get("updates", [])}
        left = {u["id"]: u for u in self.left.get("updates", [])}
        right = {u["id"]: u for u in self.right.get("updates", [])}
        merged: dict[str, dict[str, Any]] = {}
        for update_id in sorted({*left, *right}):
            merged[update_id] = self._update(
                update_id,
                base.get(update_id, _ABSENT),
                left.get(update_id, _ABSENT),
                right.get(update_id, _ABSENT),
            )
        for update in self.conflict_updates:
            merged.setdefault(update["id"], update)
        return sorted(merged.values(), key=lambda u: (_moment(u.get("at")), u["id"]))

    def _update(self, update_id: str, base: Any, left: Any, right: Any) -> Any:
        if left is _ABSENT or right is _ABSENT:
            return right if left is _ABSENT else left
        if _key(left) == _key(right) or _key(right) == _key(base):
            return left
        if _key(left) == _key(base):
            return right
        return self._conflict(f"update {update_id}", left, right)


def _restrictiveness(value: Any) -> int:
    """How restrictive a visibility is; an unknown one counts as the most."""
    return RESTRICTIVENESS.get(value, len(RESTRICTIVENESS)) if isinstance(value, str) else 0


def _merge_set(base: list[Any], left: list[Any], right: list[Any]) -> list[Any]:
    kept = [item for item in base if item in left and item in right]
    added = {_key(item): item for item in [*left, *right] if item not in base}
    return kept + [added[key] for key in sorted(added) if added[key] not in kept]


def _moment(text: Any) -> datetime:
    try:
        return _aware(datetime.fromisoformat(str(text)))
    except ValueError:
        return datetime.min.replace(tzinfo=UTC)


def _utc(moment: datetime) -> str:
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M} UTC"


def _shown(value: Any) -> str:
    if isinstance(value, str) and len(value) > 60:
        shortened = value if len(value) <= CONFLICT_TEXT_MAX else value[:CONFLICT_TEXT_MAX] + "…"
        return f'"{shortened}"'
    return f'"{show(value)}"' if value not in (None, "", []) else "(none)"


def _crockford(digest: bytes, length: int) -> str:
    number = int.from_bytes(digest, "big")
    characters = []
    for _ in range(length):
        number, index = divmod(number, 32)
        characters.append(CROCKFORD[index])
    return "".join(characters)


def same_creation(first: dict[str, Any], second: dict[str, Any]) -> bool:
    """Whether two versions of a record ID are the same record (one creation),
    rather than two records that happen to have been given the same ID offline."""

    def creation(document: dict[str, Any]) -> tuple[Any, ...]:
        return (_moment(document.get("created_at")), document.get("raised_by") or document.get("logged_by"))

    return creation(first) == creation(second)
