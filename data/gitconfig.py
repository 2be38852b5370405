"""The git settings and files every clone of a register needs: Tracker's merge
driver for record files, automatic gc off (it can stall a save), a split index
and the commit-graph for fast history, and `.tracker/` kept out of git."""

from __future__ import annotations

from data.git import Git

GITIGNORE = ".tracker/\n*.tmp\n"
GITATTRIBUTES = "issues/**/*.json merge=tracker\nlessons/**/*.json merge=tracker\n"
GIT_SETTINGS = {
    "gc.auto": "0",
    "maintenance.auto": "false",
    "pack.depth": "10",
    "core.splitIndex": "true",
    "index.version": "4",
    "core.untrackedCache": "true",
    "core.commitGraph": "true",
    "fetch.writeCommitGraph": "true",
    "merge.tracker.name": "Tracker field-level merge of record files",
    "merge.tracker.driver": "tracker merge-file %O %A %B %P",
}


def ensure_git_settings(git: Git) -> None:
    """The git settings every clone of a register needs (the merge driver among
    them), written only where they are missing or different."""
    current: dict[str, str] = {}
    for line in git.text("config", "--local", "--list", check=False).splitlines():
        key, _, value = line.partition("=")
        current[key.lower()] = value
    for key, value in GIT_SETTINGS.items():
        if current.get(key.lower()) != value:
            git.run("config", key, value)


def configure(git: Git) -> None:
    """Write every setting (for a new register), and move the index to the
    version and split form the settings ask for."""
    for key, value in GIT_SETTINGS.items():
        git.run("config", key, value)
    if (git.root / ".git" / "index").exists():
        git.run("update-index", "--index-version", "4", "--split-index", check=False)
