"""Loading every record of a register quickly, through a load cache.

Reading 50,000 record files one by one takes seconds, so the validated records are
kept in `.tracker/cache.json`, keyed by the git tree they were built from. On
open, the cache is refreshed from `git diff --name-only` between that tree and
HEAD, plus the paths that differ from HEAD in the working tree (and those that
did when the cache was written). A missing, damaged or foreign cache is rebuilt
from git's blobs through one `git cat-file --batch`, never trusted blindly.

A file that fails to parse or validate is reported (path and reason) and
skipped; it is never rewritten or deleted.
"""

from __future__ import annotations

import gc
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from data.files import RECORD_FILE_MAX_BYTES, TABLES, decode, id_from_path, read_bytes, record_paths
from data.git import Git
from tracker.errors import DamagedFile
from tracker.model import from_document, problems, to_document
from tracker.validation import ValidationError

CACHE_VERSION = 3
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
    folders: list[int] = field(default_factory=list)


def validate_file(relative: str, raw: bytes) -> dict[str, Any]:
    """The normalised document a record file holds, or DamagedFile saying why not."""
    record_id = id_from_path(relative)
    if record_id is None:
        raise DamagedFile(relative, "is not named and placed like a record (issues/4K/ISS-4K7Q2M.json)")
    document = decode(raw, relative)
    if document.get("id") != record_id:
        raise DamagedFile(relative, f"holds id {str(document.get('id'))[:30]!r}, not {record_id}")
    try:
        return to_document(from_document(document))
    except ValidationError as error:
        raise DamagedFile(relative, "; ".join(problems(error)[:3])) from None


def _apply(loaded: Loaded, relative: str, raw: bytes | None) -> None:
    """Put one file's content into `loaded`: a record, a problem, or a removal."""
    record_id = id_from_path(relative)
    loaded.problems.pop(relative, None)
    if record_id is not None:
        loaded.tables[relative.split("/")[0]].pop(record_id, None)
    if raw is None:
        return
    try:
        document = validate_file(relative, raw)
    except DamagedFile as problem:
        loaded.problems[relative] = problem.reason
        return
    loaded.tables[relative.split("/")[0]][document["id"]] = document


def _apply_from_disk(loaded: Loaded, root: Path, relative: str) -> None:
    try:
        raw = read_bytes(root, relative)
    except DamagedFile as problem:
        loaded.problems[relative] = problem.reason
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
    try:
        raw = path.read_bytes()
    except OSError:
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
        folders = [int(value) for value in data.get("folders", [])]
        return Loaded(tables, dict(data["problems"]), data["tree"], list(data["overlay"]), folders=folders)
    except (KeyError, TypeError):
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
        "overlay": loaded.overlay,
        "problems": loaded.problems,
        "folders": loaded.folders,
        "tables": loaded.tables,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        temporary.write_bytes(orjson.dumps(payload))
        os.replace(temporary, path)
    except OSError:
        temporary.unlink(missing_ok=True)


def _from_blobs(git: Git, tree: str) -> Loaded:
    """Every record file of a tree, read through one `git cat-file --batch`."""
    loaded = Loaded(tree=tree, source="rebuilt")
    listing = git.run("ls-tree", "-r", "-l", "-z", tree, "--", *RECORD_FOLDERS).stdout
    wanted: list[tuple[str, str]] = []
    for entry in listing.decode("utf-8", "surrogateescape").split("\0"):
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
    output = git.run("cat-file", "--batch", input="\n".join(sha for sha, _ in wanted).encode()).stdout
    position = 0
    for _sha, relative in wanted:
        header_end = output.index(b"\n", position)
        length = int(output[position:header_end].split()[2])
        start = header_end + 1
        _apply(loaded, relative, output[start : start + length])
        position = start + length + 1
    return loaded


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


def folder_stamp(root: Path) -> list[int]:
    """How many record folders there are, the newest of their change times, and
    when this was read (all in ns). A file added to or removed from a folder
    changes the folder's time, so while the stamp is unchanged (and was not taken
    within a second of a change, which a coarse clock could hide) no untracked
    record file can have appeared, and git need not read every folder to look."""
    taken = time.time_ns()
    count, newest = 0, 0
    for table in RECORD_FOLDERS:
        try:
            newest = max(newest, os.stat(root / table).st_mtime_ns)
            with os.scandir(root / table) as entries:
                for entry in entries:
                    count += 1
                    newest = max(newest, entry.stat(follow_symlinks=False).st_mtime_ns)
        except OSError:
            continue
    return [count, newest, taken]


def untracked_may_exist(recorded: list[int], now: list[int]) -> bool:
    if len(recorded) != 3 or recorded[:2] != now[:2]:
        return True
    return recorded[1] >= recorded[2] - 1_000_000_000


@dataclass
class Dirty:
    """The record files that differ from HEAD, and the folder stamp to record
    (`looked` when git was asked for untracked files, so the stamp is new)."""

    paths: list[str]
    stamp: list[int]
    looked: bool


def dirty_paths(root: Path, git: Git, recorded: list[int], changed: Callable[[], list[str]]) -> Dirty:
    """The started `changed` paths, plus the untracked ones when a folder changed."""
    stamp = folder_stamp(root)
    found = set(changed())
    looked = untracked_may_exist(recorded, stamp)
    if looked:
        found |= set(git.untracked_paths(*RECORD_FOLDERS))
    return Dirty(sorted(found), stamp, looked)


def load_register(root: Path, git: Git) -> Loaded:
    """Every record of the register as it is on disk now, using and refreshing the
    load cache."""
    cache_path = root / STATE_DIR / "cache.json"
    changes = git.start_changed_paths(*RECORD_FOLDERS)
    trust = start_trust_check(root, git)
    head_tree = git.head_tree()
    loaded = _read_cache(cache_path)
    trusted = trust()
    if not trusted:
        loaded = None
    changed: list[str] = []
    if loaded is not None and loaded.tree != head_tree:
        since = changed_since(git, loaded.tree, head_tree)
        if since is None:
            loaded = None
        else:
            changed, loaded.source = since, "refreshed"
    if loaded is None:
        with _collector_paused():
            loaded = _from_blobs(git, head_tree) if head_tree else _from_disk(root)
    found = dirty_paths(root, git, loaded.folders, changes) if head_tree else Dirty([], [], False)
    dirty = found.paths
    reread = sorted(set(changed) | set(dirty) | set(loaded.overlay))
    with _collector_paused():
        for relative in reread:
            _apply_from_disk(loaded, root, relative)
    if trusted and (loaded.source != "cache" or reread or loaded.overlay != dirty or found.looked):
        loaded.tree, loaded.overlay, loaded.folders = head_tree, dirty, found.stamp
        _write_cache(cache_path, loaded)
    return loaded
