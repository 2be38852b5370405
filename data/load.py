"""Loading every record of a register quickly, through a load cache.

Reading 50,000 record files one by one takes seconds, so the validated records are
kept in `.tracker/cache.json`, keyed by the git tree they were built from. On
open, the cache is refreshed from `git diff --name-only` between that tree and
HEAD, plus the paths that differ from HEAD in the working tree (and those that
did when the cache was written). A missing, damaged or foreign cache is rebuilt
from the files of HEAD's tree, never trusted blindly: each record file is read
from the working tree when it holds exactly git's blob (hashed as git hashes
it), from git's objects through one `git cat-file --batch` when not, and
validated on every core (`data.parallel`).

A file that fails to parse or validate is reported (path and reason) and
skipped; it is never rewritten or deleted.
"""

from __future__ import annotations

import gc
import hashlib
import os
import stat
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Protocol, TypeVar

import orjson

from data.catfile import stream_blobs
from data.errors import DamagedFile, RegisterBusy
from data.files import (
    RECORD_FILE_MAX_BYTES,
    TABLES,
    decode,
    id_from_path,
    keep_cache_file,
    printable_path,
    read_bytes,
    read_state_file,
    record_paths,
)
from data.git import Git
from data.lock import WriterLock
from data.model import checked_document, problems
from data.validation import ValidationError

CACHE_VERSION = 3
CACHE_FILE = "cache.json"
STATE_DIR = ".tracker"
RECORD_FOLDERS = tuple(TABLES.values())


@dataclass
class Loaded:
    """Every valid record by table and ID, and the files that could not be read."""

    tables: dict[str, dict[str, dict[str, Any]]] = field(
        default_factory=lambda: {name: {} for name in RECORD_FOLDERS}
    )
    problems: dict[str, str] = field(default_factory=dict)
    tree: str | None = None
    overlay: list[str] = field(default_factory=list)
    source: str = "cache"
    folders: dict[str, int] = field(default_factory=dict)


def validate_file(relative: str, raw: bytes) -> dict[str, Any]:
    """The normalised document a record file holds, or DamagedFile saying why not."""
    record_id = id_from_path(relative)
    if record_id is None:
        raise DamagedFile(relative, "is not named and placed like a record (issues/4K/ISS-4K7Q2M.json)")
    document = decode(raw, relative)
    if document.get("id") != record_id:
        raise DamagedFile(relative, f"holds id {str(document.get('id'))[:30]!r}, not {record_id}")
    try:
        return checked_document(document)
    except ValidationError as error:
        raise DamagedFile(relative, "; ".join(problems(error)[:3])) from None


def _read_record(
    relative: str, raw: bytes, keep: Callable[[str, dict[str, Any]], Any] | None = None
) -> tuple[str, Any, str | None]:
    """One record file's content: its ID and what `keep` makes of its validated
    document (all of it when None), or the reason it is damaged."""
    try:
        document = validate_file(relative, raw)
    except DamagedFile as problem:
        return relative, None, problem.reason
    return document["id"], document if keep is None else keep(relative.split("/")[0], document), None


def _put(loaded: Loaded, relative: str, read: tuple[str, Any, str | None]) -> None:
    record_id, kept, problem = read
    if problem is not None:
        loaded.problems[printable_path(relative)] = problem
    else:
        loaded.tables[relative.split("/")[0]][record_id] = kept


def _apply(
    loaded: Loaded, relative: str, raw: bytes | None, keep: Callable[[str, dict[str, Any]], Any] | None = None
) -> None:
    """Put one file's content into `loaded`: a record (or what `keep` makes of
    it), a problem, or a removal."""
    record_id = id_from_path(relative)
    loaded.problems.pop(printable_path(relative), None)
    if record_id is not None:
        loaded.tables[relative.split("/")[0]].pop(record_id, None)
    if raw is not None:
        _put(loaded, relative, _read_record(relative, raw, keep))


def _apply_from_disk(loaded: Loaded, root: Path, relative: str) -> None:
    try:
        raw = read_bytes(root, relative)
    except DamagedFile as problem:
        loaded.problems[printable_path(relative)] = problem.reason
        record_id = id_from_path(relative)
        if record_id is not None:
            loaded.tables[relative.split("/")[0]].pop(record_id, None)
        return
    _apply(loaded, relative, raw)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the garbage collector while a register's worth of records is built,
    then move what was built out of its sight (`gc.freeze`): 55,000 records are
    millions of objects, and every later collection would walk them all, costing
    more than the load itself. Records hold no reference cycles to collect."""
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()


def _read_cache(path: Path) -> Loaded | None:
    raw = read_state_file(path)
    if raw is None:
        return None
    with _collector_paused():
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError:
            return None
    if not isinstance(data, dict) or data.get("version") != CACHE_VERSION:
        return None
    try:
        tables = {name: data["tables"][name] for name in RECORD_FOLDERS}
        stamp = data.get("folders")
        folders = {str(k): int(v) for k, v in stamp.items()} if isinstance(stamp, dict) else {}
        return Loaded(tables, dict(data["problems"]), data["tree"], list(data["overlay"]), folders=folders)
    except (KeyError, TypeError, ValueError, AttributeError):  # any other shape: rebuilt
        return None


def state_folder_trusted(root: Path, git: Git) -> bool:
    """`.tracker/` is Tracker's own only if it is a real folder (or absent) and git
    tracks nothing in it: a cache committed by a remote could claim anything, and
    a link would send Tracker's writes outside the register."""
    return start_trust_check(root, git)()


def start_trust_check(root: Path, git: Git) -> Callable[[], bool]:
    """`state_folder_trusted`, started: git reads its index while Tracker reads
    its cache; call what is returned for the answer."""
    folder = root / STATE_DIR
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        return lambda: False
    running = git.start("ls-files", "-z", "--", STATE_DIR)
    return lambda: not running.result().stdout


def _write_cache(path: Path, loaded: Loaded) -> None:
    payload = {
        "version": CACHE_VERSION,
        "tree": loaded.tree,
        "overlay": [path for path in loaded.overlay if path == printable_path(path)],  # never a record
        "problems": loaded.problems,
        "folders": loaded.folders,
        "tables": loaded.tables,
    }
    keep_cache_file(path, [orjson.dumps(payload)])


def _from_blobs(git: Git, tree: str, keep: Callable[[str, dict[str, Any]], Any] | None = None) -> Loaded:
    """Every record file of a tree, read from the working tree where it holds
    exactly the tree's blob and through one `git cat-file --batch` where not;
    `keep(table, document)` says what to hold of each record (all of it when None)."""
    loaded = Loaded(tree=tree, source="rebuilt")
    listing = git.run("ls-tree", "-r", "-l", "-z", tree, "--", *RECORD_FOLDERS).stdout
    wanted: list[tuple[str, str]] = []
    for entry in listing.decode("utf-8", "backslashreplace").split("\0"):  # names only reported
        if not entry:
            continue
        meta, relative = entry.split("\t", 1)
        mode, _kind, sha, size = meta.split()
        if mode == "120000":
            loaded.problems[relative] = "is a symbolic link; Tracker does not follow links"
        elif not size.isdigit():
            loaded.problems[relative] = (
                "its git object is missing: the repository is damaged (see tracker doctor)"
            )
        elif mode.startswith("100") and relative.endswith(".json"):
            if int(size) > RECORD_FILE_MAX_BYTES:
                loaded.problems[relative] = f"is {int(size):,} bytes, larger than a record can be"
            else:
                wanted.append((sha, relative))
    if not wanted:
        return loaded
    read = partial(_read_record, keep=keep)
    checked_out = _real_folders(git.root, [relative for _sha, relative in wanted])
    from_work_tree = partial(_read_checked_out, str(git.root), read)
    on_disk = [(relative, sha if relative in checked_out else "") for sha, relative in wanted]
    found = _map(from_work_tree, lambda: iter(on_disk), len(on_disk))
    from_git = [
        (sha, relative) for (sha, relative), record in zip(wanted, found, strict=True) if record is None
    ]
    if from_git:
        paths, shas = [relative for _sha, relative in from_git], [sha for sha, _ in from_git]
        found_in_git = iter(_map(read, lambda: zip(paths, stream_blobs(git, shas), strict=True), len(paths)))
        found = [next(found_in_git) if record is None else record for record in found]
    for (_sha, relative), record in zip(wanted, found, strict=True):
        _put(loaded, relative, record)
    return loaded


def _map(
    function: Callable[[str, Any], Any], files: Callable[[], Iterator[tuple[str, Any]]], count: int
) -> list[Any]:
    """`function` over every one of `count` files (`files()` gives them), in
    worker processes when there are enough; here, from the first file again,
    when workers cannot start or one dies."""
    # Only a register read with no cache needs worker processes: importing the
    # process pool costs every other command about 12 ms.
    from data import parallel

    try:
        found = parallel.map_files(function, files(), count)
    except parallel.NoWorkers:
        found = None
    return found if found is not None else [function(name, given) for name, given in files()]


def _real_folders(root: Path, paths: list[str]) -> set[str]:
    """The paths whose folders are all real folders, not links (each folder
    looked at once): only those are read from the working tree."""
    real: dict[str, bool] = {"": True}

    def is_real(folder: str) -> bool:
        if folder not in real:
            real[folder] = is_real(folder.rpartition("/")[0]) and not (root / folder).is_symlink()
        return real[folder]

    folders = {relative.rpartition("/")[0] for relative in paths}
    trusted = {folder for folder in folders if is_real(folder)}
    return {relative for relative in paths if relative.rpartition("/")[0] in trusted}


def _read_checked_out(
    root: str, read: Callable[[str, bytes], tuple[str, Any, str | None]], relative: str, object_id: str
) -> tuple[str, Any, str | None] | None:
    """`read` of a record file from the working tree when it holds exactly the
    blob `object_id` (hashed as git hashes a blob), or None when git must be
    asked for it: reading 55,000 files and hashing them costs a fraction of
    what git spends inflating the same objects from its packs."""
    if not object_id:
        return None
    try:
        descriptor = os.open(os.path.join(root, relative), os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        found = os.fstat(descriptor)
        if not stat.S_ISREG(found.st_mode) or found.st_size > RECORD_FILE_MAX_BYTES:
            return None
        raw = os.read(descriptor, found.st_size + 1)
    except OSError:
        return None
    finally:
        os.close(descriptor)
    digest = (hashlib.sha1 if len(object_id) == 40 else hashlib.sha256)(b"blob %d\0" % len(raw))
    digest.update(raw)
    return read(relative, raw) if digest.hexdigest() == object_id else None


def _from_disk(root: Path) -> Loaded:
    loaded = Loaded(source="rebuilt")
    for relative in record_paths(root):
        _apply_from_disk(loaded, root, relative)
    return loaded


def changed_since(git: Git, tree: str | None, head_tree: str | None) -> list[str] | None:
    """The record files that differ between a cache's tree and HEAD's, or None
    when the cache cannot be refreshed (no tree, or git no longer has it)."""
    if not tree or not head_tree or not git.object_exists(tree):
        return None
    return git.changed_between(tree, head_tree, *RECORD_FOLDERS)


REWRITE_AFTER = 200
"""A refreshed cache is written back only when this many files had to be read
again: writing 50,000 records' worth costs more than reading a few files anew."""


def folder_stamp(root: Path) -> dict[str, int]:
    """Each record folder's change time (ns), and under "" when they were read.
    A file added to or removed from a folder changes the folder's time, so only
    folders whose time moved (or moved within a second of the reading, which a
    coarse clock could hide) can hold a record file Tracker has not seen."""
    stamp = {"": time.time_ns()}
    for table in RECORD_FOLDERS:
        try:
            stamp[table] = os.stat(root / table).st_mtime_ns
            with os.scandir(root / table) as entries:
                for entry in entries:
                    if entry.is_dir(follow_symlinks=False):
                        stamp[f"{table}/{entry.name}"] = entry.stat(follow_symlinks=False).st_mtime_ns
        except OSError:
            continue
    return stamp


def folders_to_look_in(recorded: dict[str, int], now: dict[str, int]) -> list[str] | None:
    """The folders that may hold files Tracker has not seen, or None when there
    is no earlier stamp to go by (then git is asked about every folder)."""
    if "" not in recorded:
        return None
    racy = recorded[""] - 1_000_000_000
    return [
        folder for folder, moved in now.items() if folder and (recorded.get(folder) != moved or moved >= racy)
    ]


def new_files(root: Path, folders: list[str], known: Callable[[str], bool]) -> list[str]:
    """Files in `folders` that are not records Tracker holds (`known(path)`):
    new record files, or files that do not belong there (reported as such)."""
    found = []
    for folder in folders:
        try:
            with os.scandir(root / folder) as entries:
                for entry in entries:
                    if entry.name.endswith(".tmp") or entry.is_dir(follow_symlinks=False):
                        continue
                    relative = f"{folder}/{entry.name}"
                    if not known(relative):
                        found.append(relative)
        except OSError:
            continue
    return found


STALE_STAT_AFTER = 100
"""When git reports this many record files changed in the working tree, it is
more likely that the index's stat data is stale (a copied, rsynced or restored
register: every file has a new inode and time) than that so many were edited
by hand, and refreshing it once costs less than reading them all again."""


def refreshed_when_stale(root: Path, git: Git, changed: Callable[[], list[str]]) -> Callable[[], list[str]]:
    """The started `changed` paths; when there are many, git's index is
    refreshed first (`Git.refresh_stat_data`) and they are asked for again, so
    byte-identical files are not read again by this command nor by any after it."""

    def paths() -> list[str]:
        found = changed()
        if len(found) < STALE_STAT_AFTER or not refresh_index(root, git):
            return found
        return git.start_changed_paths(*RECORD_FOLDERS)()

    return paths


def refresh_index(root: Path, git: Git) -> bool:
    """Refresh git's index under the writer lock, never waiting for it: the
    refresh takes git's `index.lock`, which a Tracker saving at that moment
    needs. When another is writing, this command reads the files as git
    reports them, and a later one refreshes."""
    try:
        with WriterLock(root / STATE_DIR, wait=0.0):
            return git.refresh_stat_data()
    except (RegisterBusy, DamagedFile, OSError):
        return False


@dataclass
class Dirty:
    """The record files that differ from HEAD or that Tracker has not seen, and
    the folder stamp to record with a cache written now."""

    paths: list[str]
    stamp: dict[str, int]


def dirty_paths(
    root: Path,
    git: Git,
    recorded: dict[str, int],
    changed: Callable[[], list[str]],
    known: Callable[[str], bool],
) -> Dirty:
    """The started `changed` paths, plus files in folders that changed since the
    cache's stamp which it does not hold (git's untracked files, when there is
    no stamp)."""
    stamp = folder_stamp(root)
    found = set(changed())
    folders = folders_to_look_in(recorded, stamp)
    if folders is None:
        found |= set(git.untracked_paths(*RECORD_FOLDERS))
    else:
        found |= set(new_files(root, folders, known))
    return Dirty(sorted(found), stamp)


def holds(tables: dict[str, dict[str, Any]], problems: dict[str, str]) -> Callable[[str], bool]:
    """Whether a path is a record these tables hold, or a file already reported."""

    def check(relative: str) -> bool:
        if relative in problems:
            return True
        record_id = id_from_path(relative)
        return record_id is not None and record_id in tables.get(relative.split("/")[0], {})

    return check


class Cache(Protocol):
    """What `load_cached` needs of a cache: the tree it was built from, the paths
    read from the working tree on top (`overlay`), its folder stamp, problems."""

    tree: str | None
    overlay: list[str]
    folders: dict[str, int]
    problems: dict[str, str]
    source: str


C = TypeVar("C", bound=Cache)


def load_cached(
    root: Path,
    git: Git,
    read: Callable[[], C | None],
    rebuild: Callable[[str | None], C],
    held: Callable[[C], dict[str, dict[str, Any]]],
    reread: Callable[[C, str], None],
    write: Callable[[C], None],
) -> C:
    """A cache of the register as it is on disk now. `read` gives the stored one
    (None when there is none fit to use), `rebuild(head_tree)` makes one anew,
    `held` gives its records by table, `reread(cache, path)` puts one file's
    content in and `write` stores it. Git stats the work tree on the other core
    while the cache is read; a cache from another tree is refreshed from `git
    diff`; a cache committed to git or behind a link is never used."""
    changes = git.start_changed_paths(*RECORD_FOLDERS)
    trust = start_trust_check(root, git)
    head_tree = git.head_tree()
    with _collector_paused():
        cache = read()
    trusted = trust()
    if not trusted:
        cache = None
    elif head_tree:
        changes = refreshed_when_stale(root, git, changes)
    changed: list[str] = []
    if cache is not None and cache.tree != head_tree:
        since = changed_since(git, cache.tree, head_tree)
        if since is None:
            cache = None
        else:
            changed, cache.source = since, "refreshed"
    if cache is None:
        cache = rebuild(head_tree)
    found = (
        dirty_paths(root, git, cache.folders, changes, holds(held(cache), cache.problems))
        if head_tree
        else Dirty([], {})
    )
    paths = sorted(set(changed) | set(found.paths) | set(cache.overlay))
    with _collector_paused():
        for relative in paths:
            reread(cache, relative)
    # what the cache in memory now holds: HEAD's tree, these paths read from disk
    cache.tree, cache.overlay, cache.folders = head_tree, found.paths, found.stamp
    if trusted and (cache.source == "rebuilt" or len(paths) > REWRITE_AFTER):
        if head_tree:
            cache.overlay = sorted(set(found.paths) | held_untracked(git, holds(held(cache), cache.problems)))
        write(cache)
    return cache


def held_untracked(git: Git, known: Callable[[str], bool]) -> set[str]:
    """Record files the cache holds that git does not track (written and not
    committed, such as an import's before its commit). They stay in the
    overlay, read again on every load, so that their removal (the import
    rolled back) is noticed: a folder stamp shows new files, not removed ones,
    and git reports changes to tracked files only."""
    return {path for path in git.untracked_paths(*RECORD_FOLDERS) if known(path)}


def load_register(root: Path, git: Git) -> Loaded:
    """Every record of the register as it is on disk now, using and refreshing the
    load cache."""
    cache_path = root / STATE_DIR / CACHE_FILE

    def rebuild(head_tree: str | None) -> Loaded:
        with _collector_paused():
            return _from_blobs(git, head_tree) if head_tree else _from_disk(root)

    return load_cached(
        root,
        git,
        lambda: _read_cache(cache_path),
        rebuild,
        lambda loaded: loaded.tables,
        lambda loaded, relative: _apply_from_disk(loaded, root, relative),
        lambda loaded: _write_cache(cache_path, loaded),
    )
