"""The register's last good settings, from git: what `tracker sync` and
`tracker doctor` fall back on when `tracker.toml` is damaged (by hand or by a
remote), so the team can still sync the fix."""

from __future__ import annotations

from data.catfile import read_object
from data.errors import InvalidSettings
from data.git import Git
from data.settings import SETTINGS_FILE, RegisterSettings, settings_from_bytes

LOOK_BACK = 50


def last_good_settings(git: Git) -> tuple[RegisterSettings, str] | None:
    """The newest committed `tracker.toml` that is valid, and its commit."""
    listed = git.text("log", f"-{LOOK_BACK}", "--format=%H", "HEAD", "--", SETTINGS_FILE, check=False)
    for commit in listed.split():
        shown = read_object(git, f"{commit}:{SETTINGS_FILE}")
        if shown is None:  # removed in that commit
            continue
        try:
            return settings_from_bytes(shown.content, git.root / SETTINGS_FILE), commit
        except InvalidSettings:
            continue
    return None
