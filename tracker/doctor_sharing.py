"""`tracker doctor`'s checks of what sharing a register can leave wrong: record
attributes a remote tries to change, the merge driver's place, Tracker's state
files that are not plain files, a sync or a many-record operation left half
done. Each says which command repairs it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from data.files import STATE_FILES as WRITTEN_STATE_FILES
from data.files import state_file_problem
from data.gitconfig import committed_storage_attributes, ensure_record_attributes, record_attributes_set
from data.journal import Journal
from data.load import STATE_DIR
from data.sync_merge import interrupted_sync, merge_marker

if TYPE_CHECKING:
    from tracker.doctor import Examination

STATE_FILES = (*sorted(WRITTEN_STATE_FILES), "sync-merge", "lock")
"""Every name in `.tracker/` whose trust is checked: the files Tracker writes
atomically, the sync's merge note and the writer lock."""


def check_attributes(exam: Examination) -> None:
    """Record files are merged by Tracker and stored byte for byte, whatever a
    committed `.gitattributes` says: `.git/info/attributes` says so first."""
    if record_attributes_set(exam.git):
        exam.report("attributes", "ok", "record files are merged by Tracker (.git/info/attributes)")
    elif exam.repairing():
        ensure_record_attributes(exam.git)
        exam.report("attributes", "fixed", "wrote Tracker's record attributes into .git/info/attributes")
    else:
        exam.report(
            "attributes",
            "problem",
            ".git/info/attributes does not route record files to Tracker's merge driver: "
            "a committed .gitattributes could merge them line by line; repair with: tracker doctor --fix",
            fixable=True,
        )
    if exam.git.head_commit() is None:
        return
    for line in committed_storage_attributes(exam.git)[:20]:
        exam.report(
            "attributes",
            "advice",
            f"{line} (committed; outranked for record files by .git/info/attributes, "
            "remove it from .gitattributes and sync)",
        )


def check_state_files(exam: Examination) -> None:
    """Tracker's state files must be plain files it wrote: a link (to /dev/zero,
    say), a device or another user's file is never read, and is reported."""
    folder = exam.root / STATE_DIR
    if folder.is_symlink() or not folder.is_dir():
        return
    bad = [(name, state_file_problem(folder / name)) for name in STATE_FILES]
    found = [(name, problem) for name, problem in bad if problem]
    for name, problem in found:
        relative = f"{STATE_DIR}/{name}"
        if exam.repairing() and name != "lock":
            (folder / name).unlink(missing_ok=True)
            exam.report("state-files", "fixed", f"removed {relative}, which {problem}", relative)
        else:
            exam.report(
                "state-files",
                "problem",
                f"{relative} {problem}; Tracker ignores it (remove it with: tracker doctor --fix)",
                relative,
                fixable=name != "lock",
            )
    if not found:
        exam.report("state-files", "ok", f"the files in {STATE_DIR}/ are plain files Tracker wrote")


def check_interrupted(exam: Examination) -> None:
    """A sync killed with its merge under way, or a many-record operation (an
    import, a renumbering) killed before its commit."""
    if interrupted_sync(exam.git):
        exam.report(
            "interrupted",
            "problem",
            f"{merge_marker(exam.git).relative_to(exam.root).as_posix()}: a tracker sync was interrupted "
            "while merging; run tracker sync (it undoes the half-done merge and merges again)",
        )
    unit = Journal(exam.root / STATE_DIR).unit()
    if unit:
        exam.report(
            "interrupted",
            "problem",
            f"an interrupted {unit} left record files written but not committed; the next tracker "
            "write (or tracker sync) rolls all of it back, so run the "
            f"{unit} again afterwards",
        )
    if not unit and not interrupted_sync(exam.git):
        exam.report("interrupted", "ok", "no sync or import was left half done")
