"""Why an import cannot start: a file that cannot be read as a table."""

from __future__ import annotations

from pathlib import Path

from data.errors import TrackerError


class UnreadableFile(TrackerError):
    """The file to import cannot be read as a table; nothing was written."""

    def __init__(self, path: Path | str, reason: str):
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{Path(path).name}: {reason} (nothing was written)")
