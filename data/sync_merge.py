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
it was, and the error names the files. Before the merge commit, every record
file the merge changed is validated, staged and on disk alike, so nothing git
merged by other means (a remote's attributes, a filter) is committed unchecked.

While the merge is under way `.tracker/sync-merge` names the commit being merged
and the commit merged into, and the journal names the files sync writes as one
unit: a sync killed half way (Tracker alone, its git child still running, or
both) is undone by the next command (`undo_interrupted_merge`), which waits for
that git child first and says what it did.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from data.catfile import read_object, read_objects
from data.changes import compose
from data.errors import SyncError, TrackerError
from data.files import decode, encode, id_from_path, printable_path, read_bytes, read_state_file, write_atomic
from data.git import Git, Identity
from data.journal import Journal
from data.load import validate_file
from data.lock import git_running, wait_for_git
from data.merge import Conflict
from data.merge_driver import merge_versions
from data.text import one_line

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
    marker.write_text(f"{theirs}\n{git.head_commit()}\n", encoding="utf-8")
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
            message = one_line(" ".join((merge.stdout + merge.stderr).decode("utf-8", "replace").split()))
            raise SyncError(f"{remote}: could not merge: {message[:400]}")
        conflicts = _resolve(git, remote, theirs, base)
    _check_merged(git, remote)
    message = _message(git, remote, base, theirs, received, conflicts)
    git.run("commit", "--quiet", "--no-edit", "-F", "-", input=message.encode(), env=env)
    marker.unlink(missing_ok=True)
    return conflicts


def merge_marker(git: Git) -> Path:
    """Names the commit a sync is merging and the commit it merges into, while
    its merge is under way, so that a sync killed half way can be told apart
    from a merge a person started, and undone exactly."""
    return git.root / ".tracker" / "sync-merge"


def _marker_commits(git: Git) -> tuple[str, str | None] | None:
    raw = read_state_file(merge_marker(git), 1_000)
    words = raw.decode("ascii", "replace").split() if raw else []
    if not words or not all(len(word) in (40, 64) and word.isalnum() for word in words[:2]):
        return None
    return words[0], words[1] if len(words) > 1 else None


def interrupted_sync(git: Git) -> bool:
    """Whether a `tracker sync` was killed with its merge under way."""
    return merge_marker(git).exists() or merge_marker(git).is_symlink()


def undo_interrupted_merge(git: Git) -> str | None:
    """Undo what a killed `tracker sync` left of its merge, and say what was done
    (None: nothing to undo). A git child it started and that is still running is
    waited for first. Only the sync's own merge is touched: a merge whose
    MERGE_HEAD is the commit sync was merging, or, when git was killed before it
    wrote MERGE_HEAD, the record files it had already written with the remote's
    content; anything else in the work tree is left as it is."""
    marker = merge_marker(git)
    commits = _marker_commits(git)
    if commits is None:
        marker.unlink(missing_ok=True)
        return None
    theirs, head = commits
    wait_for_git(git.root)
    _clear_dead_git_locks(git)
    merge_head = git.root / ".git" / "MERGE_HEAD"
    said = None
    if merge_head.is_file() and merge_head.read_text().split()[:1] == [theirs]:
        git.run("merge", "--abort")
        said = "undid the half-done merge of an interrupted tracker sync (nothing of it was committed)"
    elif head is not None and git.head_commit() == head:
        restored = _restore_written(git, head, theirs)
        if restored:
            said = (
                f"put back {restored} file(s) an interrupted tracker sync had half merged "
                "(nothing of it was committed)"
            )
    marker.unlink(missing_ok=True)
    return said


def _clear_dead_git_locks(git: Git) -> None:
    """`index.lock` left by a git child killed with its sync (no git is running)."""
    lock = git.root / ".git" / "index.lock"
    if lock.exists() and not git_running(git.root):
        lock.unlink(missing_ok=True)


def _restore_written(git: Git, head: str, theirs: str) -> int:
    """Put back, as `head` has them, the files whose content is now `theirs`'s:
    those git wrote before it was killed, and no others."""
    out = git.run("diff", "--name-only", "--no-renames", "-z", head, theirs, check=False).stdout
    paths = [p for p in out.decode("utf-8", "surrogateescape").split("\0") if p]
    if not paths:
        return 0
    ours = git.run("ls-tree", "-r", "-z", head, "--", *paths[:5000]).stdout
    in_head = {e.split("\t", 1)[1] for e in ours.decode("utf-8", "surrogateescape").split("\0") if "\t" in e}
    restored = 0
    staged = set(_staged_paths(git))
    for path in paths[:5000]:
        shown = read_object(git, f"{theirs}:{path}")
        on_disk = (git.root / path).read_bytes() if (git.root / path).is_file() else None
        written = shown is not None and on_disk == shown.content
        if not written and path not in staged:
            continue
        if path in in_head:
            git.run("checkout", head, "--", path)
        else:
            git.run("rm", "--quiet", "--cached", "--ignore-unmatch", "--", path)
            if written:
                (git.root / path).unlink(missing_ok=True)
        restored += 1
    return restored


def _staged_paths(git: Git) -> list[str]:
    out = git.run("diff", "--cached", "--name-only", "--no-renames", "-z", "HEAD", check=False).stdout
    return [p for p in out.decode("utf-8", "surrogateescape").split("\0") if p]


def _unmerged(git: Git) -> dict[str, dict[int, str]]:
    out = git.run("ls-files", "--unmerged", "-z").stdout.decode("utf-8", "surrogateescape")
    stages: dict[str, dict[int, str]] = {}
    for entry in filter(None, out.split("\0")):
        meta, path = entry.split("\t", 1)
        _mode, sha, stage = meta.split()
        stages.setdefault(path, {})[int(stage)] = sha
    return stages


def _blobs(git: Git, shas: set[str]) -> dict[str, bytes]:
    found = {}
    for sha, blob in read_objects(git, sorted(shas)):
        if blob is None:
            raise SyncError(f"git object {sha} is missing: the repository is damaged (see tracker doctor)")
        found[sha] = blob.content
    return found


def _resolve(git: Git, remote: str, theirs: str, base: str) -> list[Conflict]:
    """Merge every unmerged record file, or abort the whole merge."""
    unmerged = _unmerged(git)
    problems = [
        f"{printable_path(path)}: changed on both sides and not a record file"
        for path in unmerged
        if not id_from_path(path)
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
            result = merge_versions(git, path, versions, theirs, base)  # type: ignore[arg-type]
        except TrackerError as error:
            problems.append(one_line(error))
            continue
        merged[path] = result.document
        conflicts += result.conflicts
    if problems:
        git.run("merge", "--abort", check=False)
        raise SyncError(
            f"{'; '.join(problems[:3])} (nothing was merged; the register is as it was: merge "
            f"by hand with git merge {remote}/<branch>, then tracker sync)"
        )
    Journal(git.root / ".tracker").record(list(merged), unit="sync")
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


def _check_merged(git: Git, remote: str) -> None:
    """Every record file the merge changed, as staged and as in the work tree,
    must be a valid record with the same bytes in both: whatever git merged (a
    remote's attributes, a driver, a filter) is checked before it is committed.
    Anything unexpected aborts the merge, naming the records."""
    staged = _staged_changes(git)
    wanted = {sha for path, sha in staged.items() if sha and id_from_path(path)}
    blobs = _blobs(git, wanted) if wanted else {}
    problems = []
    for path, sha in sorted(staged.items()):
        if sha is None or not id_from_path(path):  # removed; or not a record (load and doctor report it)
            continue
        try:
            validate_file(path, blobs[sha])
            on_disk = read_bytes(git.root, path)
        except TrackerError as error:
            problems.append(one_line(error))
            continue
        if on_disk != blobs[sha]:
            problems.append(f"{path}: the merged file differs from what git staged (an attribute or filter)")
    if problems:
        git.run("merge", "--abort", check=False)
        merge_marker(git).unlink(missing_ok=True)
        more = f" and {len(problems) - 3} more" if len(problems) > 3 else ""
        raise SyncError(
            f"{'; '.join(problems[:3])}{more} (nothing was merged; the register is as it was: "
            f"the record must be put right on {remote} or on the clone that sent it)"
        )


def _staged_changes(git: Git) -> dict[str, str | None]:
    """Record paths the merge staged, each with its staged blob (None: removed)."""
    out = git.run(
        "diff", "--cached", "--raw", "--no-abbrev", "--no-renames", "-z", "HEAD", "--", *RECORD_FOLDERS
    ).stdout.decode("utf-8", "surrogateescape")
    fields = out.split("\0")
    changes: dict[str, str | None] = {}
    for meta, path in zip(fields[0::2], fields[1::2], strict=False):
        parts = meta.split()
        if len(parts) == 5:
            changes[path] = None if parts[4].startswith("D") else parts[3]
    return changes


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
