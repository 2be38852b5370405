"""The write journal: which record files a write is about to change.

Written (atomically) before a write touches any record file and cleared when its
commit has landed, it lets the next write find exactly what an interrupted one
left behind, without scanning 50,000 files with `git status` on every save.
"""

from __future__ import annotations

import os
from pathlib import Path

import orjson

from data.files import id_from_path


class Journal:
    def __init__(self, state_dir: Path):
        self.path = state_dir / "pending.json"

    def record(self, paths: list[str]) -> None:
        current = self.paths() or []
        merged = sorted(set(current) | set(paths))
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_name(f".pending.{os.getpid()}.tmp")
        with open(temporary, "wb") as handle:
            handle.write(orjson.dumps({"paths": merged}))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self.path)

    def paths(self) -> list[str] | None:
        """The paths of an unfinished write; None when there is none. A damaged
        journal (it is written atomically, so only a hand edit could damage it)
        counts as naming every record folder."""
        try:
            data = orjson.loads(self.path.read_bytes())
        except FileNotFoundError:
            return None
        except (OSError, orjson.JSONDecodeError):
            return ["issues", "lessons"]
        paths = data.get("paths") if isinstance(data, dict) else None
        if not isinstance(paths, list):
            return ["issues", "lessons"]
        return [p for p in paths if isinstance(p, str) and (id_from_path(p) or p in ("issues", "lessons"))]

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)
