"""The register's last good settings, from git: what `tracker sync` and
`tracker doctor` fall back on when `tracker.toml` is damaged (by hand or by a
remote), so the team can still sync the fix."""

from __future__ import annotations

from data.errors import InvalidSettings
from data.git import Git
from data.settings import SETTINGS_FILE, RegisterSettings, settings_from_bytes

LOOK_BACK = 50


def last_good_settings(git: Git) -> tuple[RegisterSettings, str] | None:
    """The newest committed `tracker.toml` that is valid, and its commit."""
    listed = git.text("log", f"-{LOOK_BACK}", "--format=%H", "HEAD", "--", SETTINGS_FILE, check=False)
    for commit in listed.split():
        shown = git.run("cat-file", "blob", f"{commit}:{SETTINGS_FILE}", check=False)
        if shown.returncode != 0:  # removed in that commit
            continue
        try:
            return settings_from_bytes(shown.stdout, git.root / SETTINGS_FILE), commit
        except InvalidSettings:
            continue
    return None
