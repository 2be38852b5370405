"""Where things live on disk: the one module that decides paths outside a register.

The register is found from `--register PATH`, then `TRACKER_REGISTER`, then the
current git repository if it is a register, then a default register under the
user's data directory (`TRACKER_DATA_DIR` overrides that directory, for tests).
"""

from __future__ import annotations

import os
from pathlib import Path

from data.settings import SETTINGS_FILE

REGISTER_ENV = "TRACKER_REGISTER"
DATA_DIR_ENV = "TRACKER_DATA_DIR"
CONFIG_DIR_ENV = "TRACKER_CONFIG_DIR"


def data_dir() -> Path:
    override = os.environ.get(DATA_DIR_ENV)
    if override:
        return Path(override).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("tracker", appauthor=False))


def config_dir() -> Path:
    """Per-user preferences (theme, key bindings)."""
    override = os.environ.get(CONFIG_DIR_ENV)
    if override:
        return Path(override).expanduser()
    from platformdirs import user_config_dir

    return Path(user_config_dir("tracker", appauthor=False))


def default_register() -> Path:
    return data_dir() / "register"


def default_demo() -> Path:
    return data_dir() / "demo"


def enclosing_register(start: Path) -> Path | None:
    """The top of the git repository holding `start`, if that repository is a
    register (has `tracker.toml` beside `.git`, or lost it but still holds
    Tracker's folders: opening it then says so, rather than silently writing to
    the default register)."""
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            known = ("issues", "lessons", ".tracker", SETTINGS_FILE)
            return folder if any((folder / name).exists() for name in known) else None
    return None


def find_register(explicit: str | os.PathLike[str] | None = None) -> tuple[Path, bool]:
    """The register to use, and whether it is the default one (created on first use)."""
    if explicit:
        return Path(explicit).expanduser().absolute(), False
    from_env = os.environ.get(REGISTER_ENV)
    if from_env:
        return Path(from_env).expanduser().absolute(), False
    here = enclosing_register(Path.cwd())
    if here is not None:
        return here, False
    return default_register(), True
