"""The write journal: which record files a write is about to change, and
whether they belong to one operation that must land whole.

Written (atomically) before a write touches any record file and cleared when its
commit has landed, it lets the next write find exactly what an interrupted one
left behind, without scanning 50,000 files with `git status` on every save.

A write of one record (an edit, an update) that was interrupted is recovered:
its file is committed, so what a person saved is not lost. An operation over
many records (an import, a sync's merge, renumbering colliding IDs) is a
*unit*: it is either committed whole or not at all, so an interrupted unit is
rolled back, never committed in part.
"""

from __future__ import annotations

import os
from pathlib import Path

import orjson

from data.files import id_from_path, read_state_file, temporary_for

JOURNAL_MAX_BYTES = 64_000_000
FOLDERS = ["issues", "lessons"]
SETTINGS_FILE = "tracker.toml"
"""An import that adds words to the register rewrites it in the same unit."""


class Journal:
    def __init__(self, state_dir: Path):
        self.path = state_dir / "pending.json"

    def record(self, paths: list[str], unit: str | None = None) -> None:
        """Name the paths a write is about to change; `unit` names a
        many-record operation (`import`, `sync`, `renumber`) that must land whole."""
        current = self.paths() or []
        merged = sorted(set(current) | set(paths))
        content: dict[str, object] = {"paths": merged}
        unit = unit or self.unit()
        if unit:
            content["unit"] = unit
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = temporary_for(self.path)
        with open(temporary, "wb") as handle:
            handle.write(orjson.dumps(content))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self.path)

    def _read(self) -> dict[str, object] | None:
        if not self.path.exists() and not self.path.is_symlink():
            return None
        raw = read_state_file(self.path, JOURNAL_MAX_BYTES)
        try:
            data = orjson.loads(raw) if raw is not None else None
        except orjson.JSONDecodeError:
            data = None
        return data if isinstance(data, dict) else {}

    def paths(self) -> list[str] | None:
        """The paths of an unfinished write; None when there is none. A damaged
        journal (it is written atomically, so only a hand edit could damage it)
        counts as naming every record folder."""
        data = self._read()
        if data is None:
            return None
        paths = data.get("paths")
        if not isinstance(paths, list):
            return list(FOLDERS)
        return [
            p for p in paths if isinstance(p, str) and (id_from_path(p) or p in FOLDERS or p == SETTINGS_FILE)
        ]

    def unit(self) -> str | None:
        """The many-record operation the unfinished write belongs to, if any."""
        data = self._read()
        unit = data.get("unit") if data else None
        return unit if isinstance(unit, str) and unit.isalpha() and len(unit) < 40 else None

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)
