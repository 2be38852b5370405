"""The merge step of `tracker sync`: the remote's branch merged into this clone's
as one merge commit, record files merged field by field in this process.

`git merge` runs with Tracker's merge driver swapped for one that always
declines (`false`), so git leaves every record file both sides changed (and
every record deleted on one side and edited on the other) unmerged, with the
common, our and their versions in the index. Sync then reads all of them through
one `git cat-file --batch` and merges each with `data.merge_driver.merge_versions`,
the very function git's driver runs for a plain `git pull`, so the two merge
alike, without starting a Python process per record.

Anything that cannot be merged (a damaged record file, a non-record file such as
`tracker.toml` changed on both sides) aborts the merge: the register is left as
it was, and the error names the files.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from data.changes import compose
from data.errors import SyncError, TrackerError
from data.files import decode, encode, id_from_path, write_atomic
from data.git import Git, Identity
from data.merge import Conflict
from data.merge_driver import merge_versions

RECORD_FOLDERS = ("issues", "lessons")
_STAGES = ((1, "common"), (2, "our"), (3, "their"))


def merge_remote(
    git: Git, remote: str, me: Identity, base: str, theirs: str, received: int
) -> list[Conflict]:
    """Merge `theirs` into HEAD and commit; the field conflicts resolved on the way."""
    env = {
        "GIT_AUTHOR_NAME": me.name,
        "GIT_AUTHOR_EMAIL": me.email,
        "GIT_COMMITTER_NAME": me.name,
        "GIT_COMMITTER_EMAIL": me.email,
    }
    marker = merge_marker(git)
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text(theirs + "\n", encoding="utf-8")
    merge = git.run(
        "-c",
        "merge.tracker.driver=false",
        "merge",
        "--no-ff",
        "--no-commit",
        "--no-edit",
        "--quiet",
        theirs,
        check=False,
        env=env,
    )
    conflicts: list[Conflict] = []
    if merge.returncode != 0:
        if not (git.root / ".git" / "MERGE_HEAD").exists():
            message = " ".join((merge.stdout + merge.stderr).decode("utf-8", "replace").split())
            raise SyncError(f"{remote}: could not merge: {message[:400]}")
        conflicts = _resolve(git, remote, theirs)
    message = _message(git, remote, base, theirs, received, conflicts)
    git.run("commit", "--quiet", "--no-edit", "-F", "-", input=message.encode(), env=env)
    marker.unlink(missing_ok=True)
    return conflicts


def merge_marker(git: Git) -> Path:
    """Names the commit a sync is merging while its merge is under way, so that a
    sync killed half way can be told apart from a merge a person started."""
    return git.root / ".tracker" / "sync-merge"


def undo_interrupted_merge(git: Git) -> bool:
    """Abort a merge that an interrupted `tracker sync` left half done (and only
    such a merge: one whose MERGE_HEAD is the commit sync was merging)."""
    marker, merge_head = merge_marker(git), git.root / ".git" / "MERGE_HEAD"
    if not marker.is_file():
        return False
    ours = merge_head.is_file() and merge_head.read_text().split()[:1] == marker.read_text().split()[:1]
    if ours:
        git.run("merge", "--abort")
    marker.unlink(missing_ok=True)
    return ours


def _unmerged(git: Git) -> dict[str, dict[int, str]]:
    out = git.run("ls-files", "--unmerged", "-z").stdout.decode("utf-8", "surrogateescape")
    stages: dict[str, dict[int, str]] = {}
    for entry in filter(None, out.split("\0")):
        meta, path = entry.split("\t", 1)
        _mode, sha, stage = meta.split()
        stages.setdefault(path, {})[int(stage)] = sha
    return stages


def _blobs(git: Git, shas: set[str]) -> dict[str, bytes]:
    wanted = sorted(shas)
    output = git.run("cat-file", "--batch", input=("\n".join(wanted) + "\n").encode()).stdout
    found, position = {}, 0
    for sha in wanted:
        header_end = output.index(b"\n", position)
        size = int(output[position:header_end].split()[2])
        found[sha] = output[header_end + 1 : header_end + 1 + size]
        position = header_end + 1 + size + 1
    return found


def _resolve(git: Git, remote: str, theirs: str) -> list[Conflict]:
    """Merge every unmerged record file, or abort the whole merge."""
    unmerged = _unmerged(git)
    problems = [
        f"{path}: changed on both sides and not a record file" for path in unmerged if not id_from_path(path)
    ]
    blobs = _blobs(git, {sha for stages in unmerged.values() for sha in stages.values()})
    merged: dict[str, dict[str, Any] | None] = {}
    conflicts: list[Conflict] = []
    for path, stages in sorted(unmerged.items()):
        if not id_from_path(path):
            continue
        try:
            versions = tuple(
                decode(blobs[stages[n]], f"{path} ({label} version)") if n in stages else None
                for n, label in _STAGES
            )
            result = merge_versions(git, path, versions, theirs)  # type: ignore[arg-type]
        except TrackerError as error:
            problems.append(str(error))
            continue
        merged[path] = result.document
        conflicts += result.conflicts
    if problems:
        git.run("merge", "--abort", check=False)
        raise SyncError(
            f"{'; '.join(problems[:3])} (nothing was merged; the register is as it was: merge "
            f"by hand with git merge {remote}/<branch>, then tracker sync)"
        )
    for path, document in merged.items():
        if document is None:
            git.run("rm", "--quiet", "--cached", "--ignore-unmatch", "--", path)
            (git.root / path).unlink(missing_ok=True)
        else:
            write_atomic(git.root, path, encode(document))
    paths = [path for path, document in merged.items() if document is not None]
    for start in range(0, len(paths), 1000):
        git.run("add", "--", *paths[start : start + 1000])
    return conflicts


def _changed(git: Git, start: str, end: str) -> set[str]:
    out = git.run("diff", "--name-only", "--no-renames", "-z", start, end, "--", *RECORD_FOLDERS).stdout
    return {
        str(id_from_path(p)) for p in out.decode("utf-8", "surrogateescape").split("\0") if id_from_path(p)
    }


def _message(git: Git, remote: str, base: str, theirs: str, received: int, conflicts: list[Conflict]) -> str:
    """`Sync: merge N changes from origin`, the records it brought, the conflicts."""
    theirs_changed, ours_changed = _changed(git, base, theirs), _changed(git, base, "HEAD")
    body = []
    for record in sorted(theirs_changed):
        both = " (also changed here; merged field by field)" if record in ours_changed else ""
        body.append(f"{record}: changed on {remote}{both}")
    for conflict in conflicts:
        label = conflict.field.replace("_", " ")
        body.append(
            f"{conflict.record}: {label} changed on both sides; kept {conflict.kept_author}'s "
            f"later change, {conflict.replaced_author}'s value is in the timeline"
        )
    subject = f"Sync: merge {received} change{'s' if received != 1 else ''} from {remote}"
    return compose(subject, body[:200], sorted(theirs_changed), "sync")
