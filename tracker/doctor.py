"""`tracker doctor`: check a register's health and make the safe repairs.

Each check looks at one thing that can go wrong with a register on disk (damaged
record files, a write interrupted before its commit, locks left behind, leftover
temporary files, a damaged load cache, git settings, git's own state) and says
what it found in one line naming the file. With `fix`, only repairs that cannot
lose a word are made: the load cache is rebuilt, a stale `index.lock` and
Tracker's own leftover temporary files are removed, uncommitted valid records
are committed, missing git settings are set, the commit-graph is written. A
record file is never rewritten or deleted here.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

from data.errors import GitError, RegisterBusy, TrackerError
from data.files import TABLES, id_from_path, process_running, relative_path, temporary_for, temporary_writer
from data.first_page import FIRST_PAGE_FILE
from data.git import INDEX_LOCK_STALE_SECONDS, Git
from data.history import has_commit_graph
from data.ids import is_record_id
from data.load import STATE_DIR, Loaded, _apply_from_disk, _from_blobs, _read_cache, load_register
from data.lock import WriterLock, git_running

STATE_FILES = frozenset(
    {"cache.json", "listing.pickle", "texts.pickle", FIRST_PAGE_FILE, "pending.json", "sync.json"}
)
LOCK_WAIT_SECONDS = 2.0


@dataclass
class Finding:
    """One thing a check found. A `problem` makes doctor exit 1; `advice` is worth
    doing but the register is healthy without it; `fixed` was repaired just now."""

    check: str
    status: str
    message: str
    path: str | None = None
    fixable: bool = False

    @property
    def unhealthy(self) -> bool:
        return self.status == "problem"


@dataclass
class Examination:
    """What the checks share: the register, what they found, and what is safe."""

    root: Path
    git: Git
    fix: bool
    gc: bool
    findings: list[Finding] = field(default_factory=list)
    locked: bool = False
    state_trusted: bool = True
    can_commit: bool = True
    _truth: Loaded | None = None

    def report(
        self, check: str, status: str, message: str, path: str | None = None, fixable: bool = False
    ) -> None:
        self.findings.append(Finding(check, status, message, path, fixable))

    def repairing(self) -> bool:
        """Repairs happen only when asked for and while doctor holds the writer lock."""
        return self.fix and self.locked

    def truth(self) -> Loaded:
        """Every record as git's HEAD and the working tree hold it, read without
        the load cache (which is what is being checked)."""
        if self._truth is None:
            head = self.git.head_tree()
            self._truth = _from_blobs(self.git, head) if head else Loaded(source="rebuilt")
            for relative in self.git.dirty_paths(*TABLES.values()) if head else []:
                _apply_from_disk(self._truth, self.root, relative)
        return self._truth


def examine(root: Path, fix: bool = False, gc: bool = False) -> list[Finding]:
    """Run every check on the register at `root`, repairing what is safe when
    `fix` (and running `git gc` when `gc`), and return what was found."""
    try:
        git = Git(root)
    except GitError as error:
        return [Finding("git", "problem", str(error))]
    exam = Examination(root, git, fix, gc)
    if not (root / ".git").exists():
        exam.report(
            "register", "problem", f"{root}: not a git repository; create a register with: tracker init"
        )
        return exam.findings
    _run(exam, _check_state_folder)
    with _writer_lock(exam):
        for check in CHECKS:
            _run(exam, check)
    return exam.findings


def _run(exam: Examination, check: Callable[[Examination], None]) -> None:
    """One check; a check that cannot finish (a repository too damaged to read) is
    itself a finding, and the other checks still run."""
    try:
        check(exam)
    except (TrackerError, OSError, ValueError) as error:
        exam.report(check.__name__.removeprefix("_check_"), "problem", f"could not be checked: {error}")


def healthy(findings: list[Finding]) -> bool:
    return not any(finding.unhealthy for finding in findings)


def as_dicts(findings: list[Finding]) -> list[dict[str, object]]:
    return [asdict(finding) for finding in findings]


@contextmanager
def _writer_lock(exam: Examination) -> Iterator[None]:
    """Hold the writer lock while checking, so no write is half done under doctor's
    eyes and repairs never race a Tracker that is saving."""
    if not exam.state_trusted:
        exam.report(
            "lock",
            "problem",
            "not taken: the .tracker folder cannot be trusted (see above); nothing repaired",
        )
        yield
        return
    lock = WriterLock(exam.root / STATE_DIR, wait=LOCK_WAIT_SECONDS if exam.fix else 0.0)
    try:
        lock.acquire()
    except RegisterBusy as error:
        status = "problem" if exam.fix or exam.gc else "advice"
        exam.report("lock", status, f"{error}; checks may see that write half done, and nothing was repaired")
        yield
        return
    except OSError as error:
        exam.report(
            "lock", "problem", f"{lock.path}: cannot be locked ({error.strerror}); nothing was repaired"
        )
        yield
        return
    exam.locked = True
    exam.report(
        "lock", "ok", "no other Tracker is writing (a killed Tracker's lock is released by the system)"
    )
    try:
        yield
    finally:
        lock.release()


# --- where Tracker keeps its own state ------------------------------------------------


def _check_state_folder(exam: Examination) -> None:
    """`.tracker/` must be Tracker's own folder: never a link (writes would land
    outside the register) and never committed (a load cache from a remote could
    claim anything)."""
    folder = exam.root / STATE_DIR
    if folder.is_symlink():
        exam.state_trusted = False
        exam.report(
            "state",
            "problem",
            f"{folder} is a symbolic link; Tracker's lock and cache must not be "
            "written through it: remove the link (rm .tracker)",
            STATE_DIR,
        )
    elif folder.exists() and not folder.is_dir():
        exam.state_trusted = False
        exam.report("state", "problem", f"{folder} is not a folder; move it away", STATE_DIR)
    tracked = [name for name in exam.git.text("ls-files", "-z", "--", STATE_DIR).split("\0") if name]
    if tracked:
        exam.state_trusted = False
        exam.report(
            "state",
            "problem",
            f"{len(tracked)} file(s) under {STATE_DIR}/ are committed to git, "
            "so a remote could supply the load cache; remove them with: git rm -r --cached .tracker",
            STATE_DIR,
        )
    if exam.state_trusted:
        exam.report("state", "ok", f"{STATE_DIR}/ is Tracker's own (not a link, not committed)")


# --- settings, git's state, identity and git settings ------------------------------


def _check_settings(exam: Examination) -> None:
    from data.settings import SETTINGS_FILE, load_settings

    path = exam.root / SETTINGS_FILE
    if not path.exists() and not path.is_symlink():
        exam.report(
            "settings",
            "problem",
            f"{path}: missing; this git repository is not a Tracker register (create one with: tracker init)",
            SETTINGS_FILE,
        )
        return
    try:
        load_settings(exam.root)
    except TrackerError as error:
        from data.settings_history import last_good_settings

        found = last_good_settings(exam.git) if exam.git.head_commit() else None
        fallback = (
            f"; tracker sync uses the last good settings (commit {found[1][:10]}) meanwhile, so the fix "
            "can be synced"
            if found
            else ""
        )
        exam.report(
            "settings",
            "problem",
            f"{error}; correct it by hand (doctor never rewrites it){fallback}",
            SETTINGS_FILE,
        )
        return
    exam.report("settings", "ok", f"{SETTINGS_FILE} is valid")


def _check_git_state(exam: Examination) -> None:
    busy = exam.git.operation_in_progress()
    if busy:
        exam.can_commit = False
        exam.report(
            "git",
            "problem",
            f"{busy} is in progress in the register; finish or abort it "
            "(git rebase --continue or --abort, git merge --abort) before writing",
        )
    if exam.git.head_commit() is not None and exam.git.current_branch() is None:
        exam.can_commit = False
        exam.report("git", "problem", "HEAD is detached; check out a branch (git switch main) before writing")
    if exam.can_commit:
        exam.report("git", "ok", f"on branch {exam.git.current_branch()}, no merge or rebase in progress")


def _check_identity(exam: Examination) -> None:
    try:
        me = exam.git.identity()
    except TrackerError as error:
        exam.can_commit = False
        exam.report("identity", "problem", str(error))
        return
    exam.report("identity", "ok", f"changes are signed as {me.name} <{me.email}>")


def _check_git_settings(exam: Examination) -> None:
    from data.gitconfig import GIT_SETTINGS

    missing = [
        key
        for key, value in GIT_SETTINGS.items()
        if exam.git.text("config", "--local", "--get", key, check=False) != value
    ]
    if not missing:
        exam.report("config", "ok", "gc.auto=0 and the record merge driver are set")
        return
    if exam.repairing():
        for key in missing:
            exam.git.run("config", key, GIT_SETTINGS[key])
        exam.report("config", "fixed", f"set {', '.join(missing)}")
        return
    exam.report(
        "config",
        "problem",
        f"not set as Tracker needs: {', '.join(missing)} (automatic gc can "
        "stall a save; merges of record files need Tracker's merge driver)",
        fixable=True,
    )


def _check_writable(exam: Examination) -> None:
    for folder in (exam.root, exam.root / ".git" / "objects"):
        probe = temporary_for(folder / "tracker-doctor")
        try:
            descriptor = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        except OSError as error:
            exam.report(
                "writable",
                "problem",
                f"{folder}: cannot be written ({error.strerror}); "
                "Tracker can read this register but not save to it",
            )
            return
        os.close(descriptor)
        os.unlink(probe)
    exam.report("writable", "ok", "the register folder can be written")


def _git_lock_files(root: Path) -> list[Path]:
    """Lock files git makes while it changes the index or a ref (`index.lock`,
    `HEAD.lock`, a branch's `.lock`, a partial commit's `next-index-*.lock`)."""
    top = root / ".git"
    return sorted([*top.glob("*.lock"), *(top / "refs").rglob("*.lock")])


def _check_index_lock(exam: Examination) -> None:
    locks = _git_lock_files(exam.root)
    if not locks:
        exam.report("index-lock", "ok", "no lock files left by git")
    for lock in locks:
        relative = lock.relative_to(exam.root).as_posix()
        try:
            age = time.time() - lock.lstat().st_mtime
        except FileNotFoundError:
            continue
        if age > INDEX_LOCK_STALE_SECONDS and git_running(exam.root):
            exam.report(
                "index-lock",
                "problem",
                f"{relative} is {age:.0f} s old but a git command is still working in the register "
                "(a commit waiting for its message?); finish it, then run tracker doctor again",
                relative,
            )
        elif age <= INDEX_LOCK_STALE_SECONDS:
            exam.report(
                "index-lock",
                "problem",
                f"{relative} was made {age:.0f} s ago: a git command is running "
                "(or has just crashed); run doctor again in a minute",
                relative,
            )
        elif exam.repairing():
            lock.unlink(missing_ok=True)
            exam.report(
                "index-lock",
                "fixed",
                f"removed {relative}, left by a git that stopped {age:.0f} s ago",
                relative,
            )
        else:
            exam.report(
                "index-lock",
                "problem",
                f"{relative} was left by a git that stopped {age:.0f} s ago (it blocks every commit)",
                relative,
                fixable=True,
            )


# --- files left by interrupted writes --------------------------------------------------


def _temporary_files(root: Path) -> Iterator[tuple[Path, int]]:
    """Tracker's own temporary files (record writes, cache writes), with the ID of
    the process that made each."""
    folders = [root / name for name in TABLES.values()] + [root / STATE_DIR]
    for top in folders:
        if top.is_symlink() or not top.is_dir():
            continue
        for folder, _dirs, names in os.walk(top, followlinks=False):
            for name in names:
                writer = temporary_writer(name)
                if writer is not None and (
                    writer[0] in STATE_FILES or is_record_id(writer[0].removesuffix(".json"))
                ):
                    yield Path(folder) / name, writer[1]


def _check_temporary_files(exam: Examination) -> None:
    leftovers = [path for path, pid in _temporary_files(exam.root) if not process_running(pid)]
    for path in leftovers:
        relative = path.relative_to(exam.root).as_posix()
        if exam.repairing():
            path.unlink(missing_ok=True)
            exam.report("temporary", "fixed", f"removed {relative} (left by an interrupted write)", relative)
        else:
            exam.report(
                "temporary",
                "problem",
                f"{relative}: left by an interrupted write (the record file itself is whole)",
                relative,
                fixable=True,
            )
    if not leftovers:
        exam.report("temporary", "ok", "no temporary files left by interrupted writes")


# --- the load cache -------------------------------------------------------------------


def _cache_disagreement(exam: Examination, cached: Loaded) -> list[str]:
    """Record paths where the cache says something other than the files, leaving
    out the paths that loading re-reads from disk anyway."""
    head = exam.git.head_tree()
    if head is None or cached.tree is None:
        return []
    dirty = exam.git.dirty_paths(*TABLES.values())
    reread = set(cached.overlay) | (set(dirty) - exam.git.identical_to_head(dirty))
    if cached.tree != head:
        reread |= set(exam.git.changed_between(cached.tree, head, *TABLES.values()))
    truth = _from_blobs(exam.git, cached.tree)
    entries = [_by_path(cached), _by_path(truth)]
    paths = (set(entries[0]) | set(entries[1])) - reread
    return sorted(path for path in paths if entries[0].get(path) != entries[1].get(path))


def _by_path(loaded: Loaded) -> dict[str, object]:
    found: dict[str, object] = dict(loaded.problems)
    for table in loaded.tables.values():
        for record_id, document in table.items():
            found[relative_path(record_id) if is_record_id(record_id) else record_id] = document
    return found


def _cache_problem(exam: Examination, path: Path) -> str | None:
    cached = _read_cache(path)
    if cached is None:
        return "is damaged or from another version of Tracker"
    if cached.tree is not None and not exam.git.object_exists(cached.tree):
        return f"was built from tree {cached.tree[:12]}, which is not in this repository"
    wrong = _cache_disagreement(exam, cached)
    if wrong:
        return f"disagrees with the record files for {len(wrong)} path(s), such as {wrong[0]}"
    return None


def _check_cache(exam: Examination) -> None:
    path = exam.root / STATE_DIR / "cache.json"
    if (exam.root / STATE_DIR).is_symlink() or path.is_symlink():
        exam.report("cache", "problem", f"{path} is not read: it is reached through a symbolic link")
        return
    problem = _cache_problem(exam, path) if path.exists() else None
    if problem is not None and not exam.state_trusted:
        exam.report(
            "cache",
            "problem",
            f"{path} {problem}; not rebuilt while {STATE_DIR}/ cannot be trusted",
            f"{STATE_DIR}/cache.json",
        )
        return
    if problem is None:
        exam.report(
            "cache",
            "ok",
            "the load cache agrees with the record files"
            if path.exists()
            else "no load cache yet (built on the next open)",
        )
        return
    if exam.repairing():
        path.unlink(missing_ok=True)
        load_register(exam.root, exam.git)
        exam.report("cache", "fixed", f"rebuilt the load cache ({problem})", f"{STATE_DIR}/cache.json")
    else:
        exam.report(
            "cache",
            "problem",
            f"{path} {problem}; rebuilt on the next open or by doctor --fix",
            f"{STATE_DIR}/cache.json",
            fixable=True,
        )


# --- record files ------------------------------------------------------------------------


def _refined(path: str, reason: str) -> str:
    """Say which folder a record file belongs in when it is in the wrong one."""
    name = path.rsplit("/", 1)[-1].removesuffix(".json")
    if is_record_id(name) and id_from_path(path) is None:
        return f"is in the wrong folder (a record named {name} belongs at {relative_path(name)})"
    return reason


def _worktree_links(root: Path) -> Iterator[str]:
    for table in TABLES.values():
        top = root / table
        if top.is_symlink():
            yield table
            continue
        for folder, dirs, names in os.walk(top, followlinks=False):
            for name in [*dirs, *names]:
                if (Path(folder) / name).is_symlink():
                    yield (Path(folder) / name).relative_to(root).as_posix()


def _check_records(exam: Examination) -> None:
    truth = exam.truth()
    damaged = dict(truth.problems)
    for link in _worktree_links(exam.root):
        damaged.setdefault(link, "is a symbolic link; Tracker does not follow links")
    dirty = set(exam.git.dirty_paths(*TABLES.values()))
    for path, reason in sorted(damaged.items()):
        where = " (not committed)" if path in dirty else ""
        exam.report(
            "records",
            "problem",
            f"{path}{where}: {_refined(path, reason)}; Tracker skips it and "
            "never rewrites or deletes it: correct or remove it by hand",
            path,
        )
    counts = {name: len(table) for name, table in truth.tables.items()}
    if not damaged:
        exam.report(
            "records", "ok", f"{counts['issues']} issue(s) and {counts['lessons']} lesson(s), all valid"
        )


def _check_uncommitted(exam: Examination) -> None:
    """Record files that differ from git: left by an interrupted Tracker write (its
    journal names them; committing them is what the next save does anyway), or
    changed by hand (shown by Tracker, but not in git: a person decides)."""
    from data.journal import Journal

    damaged = exam.truth().problems
    dirty = [
        path for path in exam.git.dirty_paths(*TABLES.values()) if id_from_path(path) and path not in damaged
    ]
    unchanged = exam.git.identical_to_head(dirty)
    if unchanged:
        _stale_stat_data(exam, len(unchanged))
        dirty = [path for path in dirty if path not in unchanged]
    if not dirty:
        exam.report("uncommitted", "ok", "every valid record file is committed")
        return
    pending = Journal(exam.root / STATE_DIR).paths() or []
    interrupted = [path for path in dirty if _named(path, pending) and (exam.root / path).exists()]
    for path in sorted(set(dirty) - set(interrupted)):
        what = "deleted on disk" if not (exam.root / path).exists() else "changed on disk"
        exam.report(
            "uncommitted",
            "problem",
            f"{path}: {what} but not committed, and not by an interrupted "
            f"Tracker write (a hand edit?); commit it with git, or restore it with: git checkout -- {path}",
            path,
        )
    if not interrupted:
        return
    if exam.repairing() and exam.can_commit:
        from tracker.register import Register

        recovered = Register(exam.root).recover()
        exam.report(
            "uncommitted",
            "fixed",
            f"committed {len(recovered.committed)} record file(s) left by an "
            "interrupted write: " + ", ".join(recovered.committed),
        )
        return
    for path in interrupted:
        exam.report(
            "uncommitted",
            "problem",
            f"{path}: left changed but not committed by an interrupted write; "
            "the next save, or doctor --fix, commits it",
            path,
            fixable=exam.can_commit,
        )


def _stale_stat_data(exam: Examination, count: int) -> None:
    """Files git reports changed whose bytes are exactly what HEAD has: only the
    file times and inodes in git's index are out of date, as after a copy, an
    rsync or a backup restore. Not a hand edit; refreshing the index (which
    changes no file) lets every command skip them again."""
    if exam.repairing() and exam.git.refresh_stat_data():
        exam.report(
            "uncommitted",
            "fixed",
            f"refreshed git's index: {count} record file(s) had stale file times but unchanged content "
            "(a copied or restored register)",
        )
        return
    exam.report(
        "uncommitted",
        "advice",
        f"git's index holds stale file times for {count} record file(s) whose content is unchanged "
        "(a copied or restored register?): commands check them again until it is refreshed; "
        "doctor --fix refreshes it",
        fixable=True,
    )


def _named(path: str, pending: list[str]) -> bool:
    """Whether the journal of an interrupted write names `path` (or its folder)."""
    return any(path == entry or path.startswith(entry.rstrip("/") + "/") for entry in pending)


# --- git's objects -----------------------------------------------------------------------


def _check_fsck(exam: Examination) -> None:
    result = exam.git.run("fsck", "--connectivity-only", "--no-progress", check=False)
    if result.returncode == 0:
        exam.report("fsck", "ok", "git fsck --connectivity-only found every object")
        return
    lines = result.stderr.decode("utf-8", "replace").strip().splitlines() or ["no message"]
    exam.report("fsck", "problem", f"git fsck --connectivity-only failed: {' '.join(lines[-3:])}")


def _check_commit_graph(exam: Examination) -> None:
    if exam.git.head_commit() is None:
        return
    if exam.gc and exam.locked:
        exam.git.run("gc", "--quiet")
        exam.report("gc", "fixed", "ran git gc")
    if has_commit_graph(exam.git) and not exam.gc:
        exam.report("commit-graph", "ok", "a commit-graph keeps record history fast")
    elif exam.repairing() or (exam.gc and exam.locked):
        exam.git.run("commit-graph", "write", "--reachable", "--changed-paths")
        exam.report("commit-graph", "fixed", "wrote the commit-graph (with changed paths)")
    else:
        exam.report(
            "commit-graph",
            "advice",
            "no commit-graph: a record's history is slower to read; doctor --fix writes one",
            fixable=True,
        )


from tracker.doctor_sharing import check_attributes, check_interrupted, check_state_files  # noqa: E402

SHARING_CHECKS = [check_attributes, check_state_files, check_interrupted]
CHECKS: list[Callable[[Examination], None]] = [
    _check_settings,
    _check_git_state,
    _check_identity,
    _check_git_settings,
    _check_writable,
    _check_index_lock,
    _check_temporary_files,
    _check_cache,
    _check_records,
    _check_uncommitted,
    _check_fsck,
    _check_commit_graph,
    *SHARING_CHECKS,
]
