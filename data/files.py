"""Record files on disk: where each record lives, how it is encoded, and how it
is written so that a crash leaves the old or the new file, never half of one.

A record lives at `issues/4K/ISS-4K7Q2M.json` (sharded by the first two characters
of the random part of its ID). IDs are checked against their pattern before they
become part of a path, and symbolic links are never followed, for reading or for
writing: a register cloned from a hostile remote cannot make Tracker touch a file
outside it.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from data.errors import DamagedFile, InvalidId, TrackerError
from data.ids import is_record_id, kind_of, new_id

TABLES = {"issue": "issues", "lesson": "lessons"}
RECORD_FILE_MAX_BYTES = 2_000_000
MAX_DEPTH = 64
"""How deeply JSON may nest in a record (a record needs five levels): deeper
input is refused when it is read, before any recursive code walks it."""
_DUMP_OPTIONS = orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE


def table_name(kind: str) -> str:
    """`issues` or `lessons`: the folder (and load-cache table) of a kind of record."""
    return TABLES[kind]


def table_of(record_id: str) -> str:
    return TABLES[kind_of(record_id)]


def relative_path(record_id: str) -> str:
    """`issues/4K/ISS-4K7Q2M.json`, for a valid ID only."""
    if not is_record_id(record_id):
        raise InvalidId(record_id)
    return f"{table_of(record_id)}/{record_id[4:6]}/{record_id}.json"


def free_record_id(root: Path, prefix: str, taken: Callable[[str], bool] = lambda record_id: False) -> str:
    """A new random record ID of a kind (`ISS`, `LES`) that no file in the register
    has (nor a link where its file would be), and that `taken` does not claim
    (records in memory, IDs already given out, a remote's records). The one
    place IDs are allocated."""
    for _ in range(ID_TRIES):
        record_id = new_id(prefix)
        path = root / relative_path(record_id)
        if not taken(record_id) and not path.exists() and not path.is_symlink():
            return record_id
    raise TrackerError(f"could not find a free record ID after {ID_TRIES} tries")


ID_TRIES = 100


def id_from_path(relative: str) -> str | None:
    """The record ID a path names, if the path is exactly where that record lives."""
    parts = relative.split("/")
    if len(parts) != 3 or not parts[2].endswith(".json"):
        return None
    record_id = parts[2][:-5]
    if not is_record_id(record_id) or relative_path(record_id) != relative:
        return None
    return record_id


def printable_path(relative: str) -> str:
    """A path as it may be shown and stored in reports: a name that is not valid
    UTF-8 (read with `surrogateescape`) has its stray bytes written as `\\xNN`."""
    try:
        relative.encode("utf-8")
        return relative
    except UnicodeEncodeError:
        return relative.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def encode(document: dict[str, Any]) -> bytes:
    """Pretty-printed UTF-8 JSON with a newline at the end; field order as given."""
    return orjson.dumps(document, option=_DUMP_OPTIONS)


def decode(raw: bytes, path: str | Path) -> dict[str, Any]:
    if not raw.strip():
        raise DamagedFile(path, "is empty")
    try:
        document = orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        reason = "is not valid UTF-8" if "utf-8" in str(error).lower() else "is not valid JSON"
        raise DamagedFile(path, f"{reason} ({error})") from None
    if not isinstance(document, dict):
        raise DamagedFile(path, "does not hold a JSON object")
    if too_deep(document, raw.count(b"[") + raw.count(b"{")):
        raise DamagedFile(path, f"nests more than {MAX_DEPTH} levels deep")
    return document


def too_deep(value: Any, brackets: int | None = None, limit: int = MAX_DEPTH) -> bool:
    """Whether a parsed JSON or TOML value nests deeper than `limit`, found
    without recursion. `brackets`, the count of `[` and `{` in the source, skips
    the walk when it alone rules deep nesting out (most records)."""
    if brackets is not None and brackets <= limit:
        return False
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        if isinstance(item, dict):
            stack.extend((child, depth + 1) for child in item.values() if isinstance(child, dict | list))
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item if isinstance(child, dict | list))
    return False


STATE_FILE_MAX_BYTES = 512_000_000


def read_state_file(path: Path, max_bytes: int = STATE_FILE_MAX_BYTES) -> bytes | None:
    """One of Tracker's own state files (`.tracker/…`), or None when it is absent
    or cannot be trusted: it must be a plain regular file (never a link, a device
    or a FIFO, so nothing is read from `/dev/zero`), owned by the user running
    Tracker, and no larger than `max_bytes`. Checked on the open file itself, so
    it cannot be swapped between the check and the read."""
    handle = open_state_file(path, max_bytes)
    if handle is None:
        return None
    with handle:
        return handle.read(max_bytes)


def open_state_file(path: Path, max_bytes: int = STATE_FILE_MAX_BYTES) -> BinaryIO | None:
    """One of Tracker's own state files opened for reading, on the terms of
    `read_state_file`, for a reader that reads parts of it (the caller closes it)."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    handle = os.fdopen(descriptor, "rb")
    status = os.fstat(descriptor)
    regular = stat.S_ISREG(status.st_mode) and status.st_size <= max_bytes
    if not regular or (hasattr(os, "getuid") and status.st_uid != os.getuid()):
        handle.close()
        return None
    return handle


def state_file_problem(path: Path, max_bytes: int = STATE_FILE_MAX_BYTES) -> str | None:
    """Why a state file would not be trusted (for doctor), or None."""
    try:
        status = os.lstat(path)
    except FileNotFoundError:
        return None
    except OSError as error:
        return error.strerror or "cannot be read"
    if stat.S_ISLNK(status.st_mode):
        return "is a symbolic link"
    if not stat.S_ISREG(status.st_mode):
        return "is not a regular file"
    if hasattr(os, "getuid") and status.st_uid != os.getuid():
        return "belongs to another user"
    if status.st_size > max_bytes:
        return f"is {status.st_size:,} bytes, larger than Tracker writes"
    return None


def _check_folders(root: Path, relative: str) -> None:
    """Every folder between the register and the file must be a real folder."""
    folder = root
    for part in relative.split("/")[:-1]:
        folder = folder / part
        if folder.is_symlink():
            raise DamagedFile(folder, "is a symbolic link; Tracker does not follow links")


def read_bytes(root: Path, relative: str) -> bytes | None:
    """A record file's bytes, or None when there is no such file. Refuses links,
    non-files and files too large to be a record."""
    _check_folders(root, relative)
    path = root / relative
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except FileNotFoundError:
        return None
    except OSError as error:
        if path.is_symlink():
            raise DamagedFile(relative, "is a symbolic link; Tracker does not follow links") from None
        raise DamagedFile(relative, error.strerror or "cannot be read") from None
    with os.fdopen(descriptor, "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        if size > RECORD_FILE_MAX_BYTES:
            raise DamagedFile(relative, f"is {size:,} bytes, larger than a record can be")
        return handle.read()


def write_atomic(root: Path, relative: str, data: bytes) -> None:
    """Write through a temporary file in the same folder, fsync it, rename it over
    the old file, then fsync the folder."""
    _check_folders(root, relative)
    path = root / relative
    folder = path.parent
    folder.mkdir(parents=True, exist_ok=True)
    if path.is_symlink():
        raise DamagedFile(relative, "is a symbolic link; Tracker does not follow links")
    temporary = temporary_for(path)
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    _fsync_folder(folder)


def keep_cache_file(path: Path, parts: Iterable[bytes]) -> bool:
    """Write one of Tracker's caches in `.tracker/` (the parts one after the
    other) through a temporary file renamed over it. A cache can always be
    built again, so it is not synced, and one that cannot be written (a
    read-only mount, a full disk) is simply not kept: False, nothing left behind."""
    temporary = temporary_for(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(temporary, "wb") as handle:
            for part in parts:
                handle.write(part)
        os.replace(temporary, path)
    except OSError:
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)
        return False
    return True


def write_many_atomic(root: Path, items: list[tuple[str, bytes]]) -> None:
    """Write many record files atomically (imports, merges): every file goes to a
    temporary beside it, one filesystem sync makes them durable, then each is
    renamed into place and a second sync makes the renames durable. One sync
    instead of one fsync per file turns a 10,000-record import from minutes into
    seconds; a crash still leaves each file old or new, never half written."""
    if len(items) == 1:
        write_atomic(root, *items[0])
        return
    temporaries: list[tuple[Path, Path]] = []
    try:
        for relative, data in items:
            _check_folders(root, relative)
            path = root / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            if path.is_symlink():
                raise DamagedFile(relative, "is a symbolic link; Tracker does not follow links")
            temporary = temporary_for(path)
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
            descriptor = os.open(temporary, flags, 0o644)
            temporaries.append((temporary, path))
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(data)
        os.sync()
        for temporary, path in temporaries:
            os.replace(temporary, path)
        os.sync()
    except BaseException:
        for temporary, _ in temporaries:
            temporary.unlink(missing_ok=True)
        raise


_TEMPORARY = re.compile(r"^\.(?P<of>.+)\.(?P<pid>\d+)\.[0-9a-f]{8}\.tmp$")


def temporary_for(path: Path) -> Path:
    """Where a file is written before it is renamed over `path`: beside it, hidden,
    named by the writing process and a random part (`.ISS-4K7Q2M.json.4242.9f3a…
    .tmp`). Every atomic write in Tracker names its temporary file so, and only
    so, so a killed writer's leftovers are recognised by `temporary_writer`."""
    return path.with_name(f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp")


def temporary_writer(name: str) -> tuple[str, int] | None:
    """For a temporary file's name, the file it was to become and the ID of the
    process that wrote it; None for any other name."""
    match = _TEMPORARY.match(name)
    return (match.group("of"), int(match.group("pid"))) if match else None


STATE_FOLDER = ".tracker"  # data.load.STATE_DIR
STATE_FILES = frozenset(
    {
        "cache.json",
        "listing.pickle",
        "texts.pickle",
        "records.bin",
        "first-page.json",
        "status-history.pickle",
        "people-history.pickle",
        "pending.json",
        "sync.json",
    }
)
"""The files Tracker writes atomically in `.tracker/` (their temporaries are its own)."""


def dead_temporaries(root: Path, folder: str) -> list[Path]:
    """Tracker's own temporary files in `folder` (a record folder, or `.tracker`)
    whose writer has ended: named by `temporary_for` after a record file or a
    state file, and left by a process that is no longer running. Any other
    file, and a file that is a link, is not Tracker's to remove."""
    try:
        _check_folders(root, folder + "/x")
        names = os.listdir(root / folder)
    except (OSError, DamagedFile):
        return []
    found = []
    for name in names:
        writer = temporary_writer(name)
        if writer is None:
            continue
        if not (
            writer[0] in STATE_FILES if folder == STATE_FOLDER else id_from_path(f"{folder}/{writer[0]}")
        ):
            continue
        path = root / folder / name
        if not path.is_symlink() and path.is_file() and writer_ended(path, writer[1]):
            found.append(path)
    return found


def remove_dead_temporaries(root: Path, relatives: list[str]) -> int:
    """Remove the temporary files killed writers left beside these record
    files (`relatives`, the paths an interrupted write's journal names) and in
    `.tracker/` (the journal's and the caches' own). Called only with the
    writer lock held, so no Tracker is writing a record now."""
    folders = {relative.rsplit("/", 1)[0] for relative in relatives if "/" in relative}
    removed = 0
    for folder in [STATE_FOLDER, *sorted(folders)]:
        for path in dead_temporaries(root, folder):
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def writer_ended(path: Path, pid: int) -> bool:
    """Whether the process that wrote this temporary file has ended: no process
    has its ID, or the one that has it started after the file was last written
    (the ID was reused)."""
    if not process_running(pid):
        return True
    started = _process_started(pid)
    try:
        written = path.stat().st_mtime
    except OSError:
        return False
    return started is not None and started > written + 1  # /proc/stat's boot time is in whole seconds


def _process_started(pid: int) -> float | None:
    """When a running process started (seconds since the epoch), from /proc;
    None where that cannot be read."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        boot = next(line for line in Path("/proc/stat").read_text().splitlines() if line.startswith("btime "))
        return int(boot.split()[1]) + int(fields[19]) / os.sysconf("SC_CLK_TCK")  # field 22: start time
    except (OSError, IndexError, ValueError, StopIteration):
        return None


def process_running(pid: int) -> bool:
    """Whether a process of this ID is running (a writer whose leftovers to keep)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove(root: Path, relative: str) -> None:
    _check_folders(root, relative)
    (root / relative).unlink(missing_ok=True)


def _fsync_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def record_paths(root: Path) -> list[str]:
    """Every `*.json` under `issues/` and `lessons/`, relative, without following
    links (used when rebuilding from the working tree)."""
    found: list[str] = []
    for table in TABLES.values():
        top = root / table
        if not top.is_dir() or top.is_symlink():
            continue
        for folder, _dirs, names in os.walk(top, followlinks=False):
            base = Path(folder).relative_to(root).as_posix()
            found.extend(f"{base}/{name}" for name in names if name.endswith(".json"))
    return sorted(found)
