"""The git settings and files every clone of a register needs: Tracker's merge
driver for record files, automatic gc off (it can stall a save), a split index
and the commit-graph for fast history, and `.tracker/` kept out of git.

How record files are stored and merged is Tracker's business, not a remote's:
the clone's own `info/attributes` (which git reads before any committed
`.gitattributes`, and which no remote can change) routes record files to
Tracker's merge driver and turns off every attribute that would change their
bytes on the way in or out of git (encodings, line endings, filters). A
committed `merge=union` or `working-tree-encoding=UTF-16LE` is then simply
outranked.

The driver is registered with the absolute path of the Python running Tracker,
so a plain `git pull` finds it without `tracker` on git's PATH. When it cannot
run at all (Tracker moved or uninstalled), the command line falls back to git's
own text merge, which leaves conflict markers and reports a conflict: a record
is never silently left as one side. When the driver runs and declines (a side
is not a valid record), git reports a conflict and the local record is kept.
"""

from __future__ import annotations

import re
import shlex
import sys
from pathlib import Path

from data.git import Git

GITIGNORE = ".tracker/\n*.tmp\n"
GITATTRIBUTES = "issues/**/*.json merge=tracker\nlessons/**/*.json merge=tracker\n"
RECORD_ATTRIBUTES = "merge=tracker -text -eol -working-tree-encoding -filter -ident diff"
ATTRIBUTES_BEGIN = "# >>> Tracker: how record files are stored and merged (a remote cannot change this)"
ATTRIBUTES_END = "# <<< Tracker"
INFO_ATTRIBUTES = "\n".join(
    [
        ATTRIBUTES_BEGIN,
        f"issues/** {RECORD_ATTRIBUTES}",
        f"lessons/** {RECORD_ATTRIBUTES}",
        "tracker.toml -text -eol -working-tree-encoding -filter -ident",
        ATTRIBUTES_END,
    ]
)
DRIVER_DECLINED = 3
"""The driver's exit status when it ran and would not merge (a damaged side):
git reports a conflict and the local record is kept as it was. Any other
failure means the driver could not run, and git's text merge takes over."""
STORAGE_ATTRIBUTES = ("merge", "working-tree-encoding", "eol", "text", "filter", "ident", "binary", "crlf")


def driver_command(python: str | None = None) -> str:
    """Git's command line for the record merge driver: this Python, by absolute
    path, or (when it cannot run) git's text merge with conflict markers."""
    interpreter = shlex.quote(python or sys.executable)
    return (
        f"{interpreter} -m tracker merge-file %O %A %B %P; status=$?; "
        f"test $status = 0 && exit 0; test $status = {DRIVER_DECLINED} && exit 1; "
        "git merge-file -L ours -L common -L theirs %A %O %B; exit 1"
    )


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
    "merge.tracker.driver": driver_command(),
}


def ensure_git_settings(git: Git) -> None:
    """The git settings every clone of a register needs (the merge driver among
    them) and the record attributes, written only where they are missing or different."""
    current: dict[str, str] = {}
    for line in git.text("config", "--local", "--list", check=False).splitlines():
        key, _, value = line.partition("=")
        current[key.lower()] = value
    for key, value in GIT_SETTINGS.items():
        if current.get(key.lower()) != value:
            git.run("config", key, value)
    ensure_record_attributes(git)


def configure(git: Git) -> None:
    """Write every setting (for a new register), and move the index to the
    version and split form the settings ask for."""
    for key, value in GIT_SETTINGS.items():
        git.run("config", key, value)
    ensure_record_attributes(git)
    if (git.root / ".git" / "index").exists():
        git.run("update-index", "--index-version", "4", "--split-index", check=False)


def attributes_path(git: Git) -> Path:
    """The clone's own `info/attributes` (inside `.git`, never committed)."""
    return git.root / git.text("rev-parse", "--git-path", "info/attributes")


def record_attributes_set(git: Git) -> bool:
    """Whether the clone's `info/attributes` holds Tracker's block as it should be."""
    try:
        return INFO_ATTRIBUTES in attributes_path(git).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False


def ensure_record_attributes(git: Git) -> bool:
    """Write Tracker's block into `info/attributes` (keeping anything else a
    person put there); True when it had to be written."""
    path = attributes_path(git)
    try:
        old = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        old = ""
    except (OSError, UnicodeDecodeError):
        old = None
    if old is not None and INFO_ATTRIBUTES in old:
        return False
    kept = _without_block(old or "")
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.is_symlink():
        path.unlink()
    path.write_text((kept + "\n" if kept else "") + INFO_ATTRIBUTES + "\n", encoding="utf-8")
    return True


def _without_block(text: str) -> str:
    pattern = re.escape(ATTRIBUTES_BEGIN) + r".*?" + re.escape(ATTRIBUTES_END) + r"\n?"
    return re.sub(pattern, "", text, flags=re.DOTALL).strip("\n")


def committed_storage_attributes(git: Git, commit: str = "HEAD") -> list[str]:
    """Lines of committed `.gitattributes` files that try to change how files are
    stored or merged (`merge=`, encodings, line endings, filters, macros): each
    is outranked by `info/attributes` for record files, and reported."""
    listed = git.run("ls-tree", "-r", "-z", "--name-only", commit, check=False).stdout
    names = [
        name
        for name in listed.decode("utf-8", "surrogateescape").split("\0")
        if name == ".gitattributes" or name.endswith("/.gitattributes")
    ]
    found = []
    for name in names[:50]:
        shown = git.run("show", f"{commit}:{name}", check=False).stdout[:200_000]
        for line in shown.decode("utf-8", "replace").splitlines():
            words = line.split()
            if not words or words[0].startswith("#"):
                continue
            if line.strip() in GITATTRIBUTES.splitlines():
                continue
            names_set = {word.lstrip("-!").split("=")[0] for word in words[1:]}
            if words[0].startswith("[attr]") or names_set & set(STORAGE_ATTRIBUTES):
                found.append(f"{name}: {line.strip()[:200]}")
    return found
