"""Crash-safety harness: kill Tracker with SIGKILL at random moments during a long
run of writes, and prove after every kill that nothing was lost or damaged.

It runs the real command line in subprocesses (`tracker add`, `edit`, `update`,
`import` of a CSV of 20 to 60 rows, and `sync` against a bare remote when sync is
available) and the real terminal app making saves (`tests/tui_saves.py`: the
full form, quick add, the status picker, an update), killing a share of them
at a random moment of their run, sometimes the whole process group (git
included), sometimes Tracker alone. After each kill it checks that:

- the register opens and loads with no damaged file;
- `git fsck --strict` is clean (the remote's too);
- `tracker list` and `tracker doctor` run without a person's repair (what
  doctor finds is counted by check; after the final write it must be healthy);
- every record file on disk parses and validates;
- every change whose command exited 0, and every save the app said had landed,
  is in the commit at HEAD (IDs, titles, statuses, updates), and each of the
  app's saves is one commit of one record file;
- a record written but not committed is committed by the next write, which
  says so on stderr ("recovered uncommitted changes");
- an import is never committed in part: HEAD holds all of its rows or none,
  and what a killed import wrote is rolled back by the next command, which says so;
- a sync killed half way is finished or undone by the next command, which says
  so; nobody aborts a merge by hand;
- a write that succeeds leaves no temporary file of a killed write behind.

Before checking, it waits for a `git fetch` or `git push` that outlived the kill
(they run in a process group of their own): `git fsck` run beside one can
report a ref to a commit it has not seen yet, which is not damage.

Importable by the test suite (`run_harness`) and runnable by hand:

    python tests/crash_harness.py --kills 300 --at-least tui=100 --at-least import=60
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from importlib.util import find_spec
from pathlib import Path
from typing import Any

RECOVERY_NOTICE = "recovered uncommitted changes"
RECOVERY_NOTICES = (RECOVERY_NOTICE, "rolled back an interrupted", "interrupted tracker sync")
LOCK_AGE = 120.0
TUI_SAVES = Path(__file__).with_name("tui_saves.py")
KINDS_OF_KILL = ("cli", "import", "sync", "tui")
NEW_STATUS = "new"  # an issue's status when it is added (data.model.Issue)


@dataclass
class Figures:
    """What a run did and found. `corruptions` must be empty."""

    commands: int = 0
    kills: int = 0
    group_kills: int = 0
    acknowledged: int = 0
    found: int = 0
    recoveries_expected: int = 0
    recoveries_explained: int = 0
    git_locks_left: dict[str, int] = field(default_factory=dict)
    stuck_on_git_locks: int = 0
    temporary_files_left: int = 0
    merges_left_half_done: int = 0
    syncs: int = 0
    imports: int = 0
    import_kills: int = 0
    sync_kills: int = 0
    tui_runs: int = 0
    tui_kills: int = 0
    tui_acknowledged: Counter[str] = field(default_factory=Counter)
    doctor_findings: Counter[str] = field(default_factory=Counter)
    fsck_runs: int = 0
    orphans_outlived_wait: int = 0
    network_gits_after_kills: int = 0
    refusals: list[str] = field(default_factory=list)
    corruptions: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"commands {self.commands}, kills {self.kills} ({self.group_kills} with git), "
            f"changes acknowledged {self.acknowledged}, changes found {self.found}, "
            f"recoveries {self.recoveries_explained}/{self.recoveries_expected} explained, "
            f"git lock files left {self.git_locks_left}, writes stuck on them {self.stuck_on_git_locks}, "
            f"temporary files left {self.temporary_files_left}, "
            f"merges left half done {self.merges_left_half_done}, syncs {self.syncs} "
            f"({self.sync_kills} killed), imports {self.imports} ({self.import_kills} killed), "
            f"app sessions {self.tui_runs} ({self.tui_kills} killed, saves acknowledged "
            f"{dict(self.tui_acknowledged)}), kills by kind {self.kills_by_kind()}, "
            f"doctor's findings after kills {dict(self.doctor_findings)}, fsck --strict runs "
            f"{self.fsck_runs}, gits still running 10 s after a kill {self.orphans_outlived_wait}, "
            f"kills after which a git was still at work there {self.network_gits_after_kills}, "
            f"refused {len(self.refusals)}, "
            f"corruptions {len(self.corruptions)}"
        )

    def kills_by_kind(self) -> dict[str, int]:
        other = self.import_kills + self.sync_kills + self.tui_kills
        counts = (self.kills - other, self.import_kills, self.sync_kills, self.tui_kills)
        return dict(zip(KINDS_OF_KILL, counts, strict=True))


@dataclass
class Expected:
    """What must be in the register: acknowledged values, and what else a killed
    command may have left (it may or may not have been committed)."""

    titles: dict[str, set[str]] = field(default_factory=dict)
    updates: dict[str, set[str]] = field(default_factory=dict)
    statuses: dict[str, set[str]] = field(default_factory=dict)
    origins: dict[str, str] = field(
        default_factory=dict
    )  # the command that made the record, to explain a loss

    def acknowledge_title(self, record_id: str, title: str, origin: str = "") -> None:
        self.titles[record_id] = {title}
        self.updates.setdefault(record_id, set())
        self.origins.setdefault(record_id, origin)

    def attempt_title(self, record_id: str, title: str) -> None:
        self.titles[record_id].add(title)

    def changes(self) -> int:
        return len(self.titles) + sum(len(texts) for texts in self.updates.values())


def git(root: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, check=check)


def git_lock_files(root: Path) -> list[Path]:
    """Lock files git makes while it changes the index or a ref."""
    top = root / ".git"
    return [*top.glob("*.lock"), *(top / "refs").rglob("*.lock")]


class Harness:
    """One register, one random sequence of writes and kills."""

    def __init__(
        self,
        root: Path,
        seed: int,
        remote: Path | None = None,
        colleague: Path | None = None,
        with_app: bool = True,
        next_commands: bool = True,
    ):
        self.root, self.remote, self.colleague, self.with_app = root, remote, colleague, with_app
        self.next_commands = next_commands
        self.random = random.Random(seed)
        self.figures = Figures()
        self.expected = Expected()
        self.write_times: dict[str, list[float]] = {}  # by command: a sync or an import runs longer
        self.counter = 0
        self.recovery_pending = False
        self.last_command = ""
        self.batches: dict[str, int] = {}
        self.uncommitted: dict[str, bytes] = {}  # record files as a killed command left them
        self.log: list[str] = []  # every command and how it ended (with --keep, in log.txt)

    # --- running Tracker -----------------------------------------------------------------

    def tracker(self, *args: str, register: Path | None = None) -> subprocess.Popen[str]:
        command = [sys.executable, "-m", "tracker", "--register", str(register or self.root), *args]
        return subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
        )

    def run_once(self, args: list[str], kill: bool) -> tuple[int | None, str, str]:
        """Run one command; when `kill`, SIGKILL it at a random moment: mostly while
        it holds the writer lock (the moments that matter), sometimes anywhere in
        its run. Returns (exit status, or None when killed; stdout; stderr)."""
        self.figures.commands += 1
        self.last_command = " ".join(args)
        before = self._lock_stamp()
        process = self.tracker(*args)
        locked_at = self._wait_for_lock(process, before)
        if not kill:
            out, err = process.communicate()
            self.log.append(f"{self.counter} tracker {self.last_command}: {process.returncode} {err.strip()}")
            if locked_at is not None:
                times = self.write_times.get(args[0], [0.1])
                self.write_times[args[0]] = [*times[-19:], time.monotonic() - locked_at]
            return process.returncode, out, err
        times = sorted(self.write_times.get(args[0], [0.1]))
        typical = times[len(times) // 2]
        delay = (
            self.random.uniform(0, typical * 1.2)
            if locked_at is not None and self.random.random() < 0.8
            else self.random.uniform(0, 0.2)
        )
        try:
            out, err = process.communicate(timeout=delay)
            self.log.append(f"{self.counter} tracker {self.last_command}: {process.returncode} {err.strip()}")
            return process.returncode, out, err
        except subprocess.TimeoutExpired:
            pass
        self._kill(process)
        process.communicate()
        self.log.append(f"{self.counter} tracker {self.last_command}: killed")
        return None, "", ""

    def _kill(self, process: subprocess.Popen[str]) -> None:
        """SIGKILL the whole process group (git included), or Tracker alone and
        then wait for the git it leaves running."""
        whole_group = self.random.random() < 0.7
        if whole_group:
            os.killpg(process.pid, signal.SIGKILL)
            self.figures.group_kills += 1
        else:
            process.send_signal(signal.SIGKILL)
        process.wait()
        if not whole_group:
            self._wait_for_orphans(process.pid)
        self.figures.kills += 1

    def _lock_stamp(self) -> int:
        try:
            return (self.root / ".tracker" / "lock").stat().st_mtime_ns
        except FileNotFoundError:
            return 0

    def _wait_for_lock(self, process: subprocess.Popen[str], before: int) -> float | None:
        """The moment the command took the writer lock (the lock file is rewritten
        then), or None if it finished without taking it."""
        while process.poll() is None:
            if self._lock_stamp() != before:
                return time.monotonic()
            time.sleep(0.001)
        return None

    def _wait_for_orphans(self, group: int) -> None:
        """A git left running by a killed Tracker finishes on its own; wait for it,
        as a person would not start the next command within a millisecond (but
        not for ever: one still running after 10 s is counted)."""
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.killpg(group, 0)
            except ProcessLookupError:
                return
            time.sleep(0.02)
        self.figures.orphans_outlived_wait += 1

    # --- the writes ----------------------------------------------------------------------------

    def step(self, kill: bool, kind: str | None = None) -> None:
        """One write, of the given kind of kill ("cli", "import", "sync", "tui")
        or a random one."""
        self.counter += 1
        known = sorted(self.expected.titles)
        choice = self.random.random()
        if kind == "sync" or (kind is None and self.remote is not None and choice < 0.12):
            self.sync(kill)
        elif kind == "import" or (kind is None and choice < 0.2):
            self.import_rows(kill)
        elif kind == "tui" or (kind is None and self.with_app and choice < 0.32):
            self.app_saves(kill)
        elif not known or choice < 0.4:
            self.add(kill)
        elif choice < 0.7:
            self.edit(self.random.choice(known), kill)
        else:
            self.update(self.random.choice(known), kill)

    def add(self, kill: bool) -> None:
        title = f"add {self.counter}"
        code, out, err = self.run_once(["add", title, "--severity", "high"], kill)
        if self._finished(code, err):
            self.expected.acknowledge_title(out.strip(), title, f"tracker add, command {self.counter}")
            self._confirm(out.strip(), title=title)

    def edit(self, record_id: str, kill: bool) -> None:
        title = f"edit {self.counter}"
        self.expected.attempt_title(record_id, title)
        code, _out, err = self.run_once(["edit", record_id, "--title", title], kill)
        if self._finished(code, err):
            self.expected.acknowledge_title(record_id, title)
            self._confirm(record_id, title=title)

    def update(self, record_id: str, kill: bool) -> None:
        text = f"update {self.counter}"
        code, _out, err = self.run_once(["update", record_id, text], kill)
        if self._finished(code, err):
            self.expected.updates[record_id].add(text)
            self._confirm(record_id, update=text)

    def import_rows(self, kill: bool) -> None:
        """An import of many rows: one unit, committed whole or not at all."""
        prefix = f"import {self.counter} row"
        size = self.random.randint(20, 60)
        sheet = self.root.parent / f"import-{self.counter}.csv"
        rows = "".join(f"{prefix} {n}.,high,internal\n" for n in range(size))
        sheet.write_text("Title,Severity,Visibility\n" + rows, encoding="utf-8")
        self.batches[prefix] = size
        code, _out, err = self.run_once(["import", str(sheet)], kill)
        self.figures.import_kills += code is None
        if self._finished(code, err):
            self.figures.imports += 1
            self.figures.acknowledged += 1
            if self._rows_in_head(prefix) == size:
                self.figures.found += 1
            else:
                self.figures.corruptions.append(f"acknowledged import {prefix!r} not wholly committed")

    def app_saves(self, kill: bool) -> None:
        """A session of the terminal app making one to six saves; when `kill`, it is
        killed at a random moment of its saves (now and then while it starts)."""
        self.figures.commands += 1
        self.last_command = "(the app) saves"
        saves = self.random.randint(1, 6)
        head = self._head()
        self.uncommitted = {path: (self.root / path).read_bytes() for path in self._dirty()}
        errors = (self.root.parent / "app-errors.txt").open("w")
        seed_and_label = ["--seed", str(self.random.randrange(1 << 30)), "--label", str(self.counter)]
        process = subprocess.Popen(
            [sys.executable, str(TUI_SAVES), str(self.root), "--saves", str(saves), *seed_and_label],
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
            start_new_session=True,
        )
        assert process.stdout is not None
        lines = []
        if not kill or self.random.random() < 0.85:
            lines.append(process.stdout.readline().strip())  # READY, once the register is loaded
        started = time.monotonic()
        typical = sorted(self.write_times.get("tui", [0.4]))[len(self.write_times.get("tui", [0.4])) // 2]
        try:
            process.wait(timeout=self.random.uniform(0, typical * saves * 1.1) if kill else None)
            killed = False
        except subprocess.TimeoutExpired:
            self._kill(process)
            self.figures.tui_kills += 1
            killed = True
        lines += process.stdout.read().splitlines()
        errors.close()
        self.log += [f"{self.counter} app{' (killed)' if killed else ''}: {line}" for line in lines]
        self._app_recovery(lines)
        if not killed:
            self.figures.tui_runs += 1
            if process.returncode != 0 or lines[-1:] != ["DONE"]:
                said = (self.root.parent / "app-errors.txt").read_text()[-600:]
                self.figures.corruptions.append(f"the app's saves failed ({process.returncode}): {said}")
            elif any(line.startswith("ACK") for line in lines):
                self._no_dead_temporaries()
            self.write_times["tui"] = [
                *self.write_times.get("tui", [])[-19:],
                (time.monotonic() - started) / saves,
            ]
        self._check_app_saves(lines, head)

    def _no_dead_temporaries(self) -> None:
        """A write that succeeded has removed the temporary files killed writes left."""
        from data.files import dead_temporaries

        folders = [".tracker"] + [
            folder.relative_to(self.root).as_posix()
            for table in ("issues", "lessons")
            for folder in (self.root / table).glob("*")
            if folder.is_dir()
        ]
        left = [path.name for folder in folders for path in dead_temporaries(self.root, folder)]
        if left:
            self.figures.corruptions.append(
                f"tracker {self.last_command} succeeded but left killed writes' temporary files: {left}"
            )

    def _app_recovery(self, lines: list[str]) -> None:
        """A record file a killed command left uncommitted is committed by the
        app's first save, which shows a notice saying so."""
        if not self.recovery_pending:
            return
        if any(line.startswith("NOTICE") and any(n in line for n in RECOVERY_NOTICES) for line in lines):
            self.recovery_pending = False
            self.figures.recoveries_explained += 1
        elif any(line.startswith("ACK") for line in lines):  # its first save recovered them
            self.recovery_pending = False
            self.figures.corruptions.append(
                f"the app's saves recovered uncommitted files without a notice: {lines}"
            )

    def _check_app_saves(self, lines: list[str], head: str) -> None:
        """Every save the app said had landed is in HEAD; every commit the app made
        holds one record file."""
        import json

        acknowledged: list[dict[str, str]] = []
        for line in lines:
            tag, _, value = line.partition(" ")
            if tag not in ("TRY", "ACK"):
                if tag == "FAILED":
                    self.figures.refusals.append(f"the app: {json.loads(value)}")
                continue
            save = json.loads(value)
            record_id = save.get("id", "")
            if tag == "TRY" and record_id:
                self._track(record_id, head)
            if tag == "TRY" and save["save"] == "form":
                self.expected.attempt_title(record_id, save["title"])
            elif tag == "TRY" and save["save"] == "status":
                self.expected.statuses[record_id].add(save["status"])
            elif tag == "ACK":
                acknowledged.append(save)
                self.figures.tui_acknowledged[save["save"]] += 1
                if save["save"] in ("form", "quick"):
                    self.expected.acknowledge_title(
                        record_id, save["title"], f"the app, command {self.counter}"
                    )
                elif save["save"] == "status":
                    self.expected.statuses[record_id] = {save["status"]}
                else:
                    self.expected.updates[record_id].add(save["text"])
        for save in acknowledged:
            self.figures.acknowledged += 1
            document = self._in_head(save["id"])
            if self._landed(save, document):
                self.figures.found += 1
            else:
                self.figures.corruptions.append(
                    f"{save['id']}: the app's acknowledged save {save} not committed"
                )
        for commit in git(self.root, "rev-list", "--no-merges", f"{head}..HEAD").stdout.split():
            files = git(self.root, "diff-tree", "--no-commit-id", "--name-only", "-r", commit).stdout.split()
            if len(files) != 1:
                self.figures.corruptions.append(f"a save in the app committed {len(files)} files: {files}")

    def _track(self, record_id: str, head: str) -> None:
        """Start expecting what a record held when the app started, for one the
        harness has not followed yet (an imported row, a colleague's record)."""
        if record_id in self.expected.titles and record_id in self.expected.statuses:
            return
        import json

        from data.files import relative_path

        on_disk = self.uncommitted.get(relative_path(record_id))  # a killed write left it uncommitted
        document = json.loads(on_disk) if on_disk else self._in_head(record_id, head)
        if not document:  # added by this session's quick add, which was acknowledged
            self.expected.statuses.setdefault(record_id, {NEW_STATUS})
            return
        if record_id not in self.expected.titles:
            self.expected.acknowledge_title(
                record_id, str(document["title"]), f"found by the app, {self.counter}"
            )
        self.expected.statuses.setdefault(record_id, {str(document["status"])})

    def _landed(self, save: dict[str, str], document: dict[str, Any]) -> bool:
        if save["save"] == "update":
            return save["text"] in {entry["text"] for entry in document.get("updates", [])}
        if save["save"] == "status":
            return document.get("status") in self.expected.statuses[save["id"]]
        return document.get("title") in self.expected.titles[save["id"]]

    def _head(self) -> str:
        return git(self.root, "rev-parse", "HEAD").stdout.strip()

    def _in_head(self, record_id: str, commit: str = "HEAD") -> dict[str, Any]:
        """A record as the commit at HEAD (or another) holds it ({} when it holds none)."""
        import json

        from data.files import relative_path

        shown = git(self.root, "show", f"{commit}:{relative_path(record_id)}", check=False)
        return json.loads(shown.stdout) if shown.returncode == 0 else {}

    def _rows_in_head(self, prefix: str) -> int:
        found = git(self.root, "grep", "-l", "-F", f'"{prefix} ', "HEAD", "--", "issues", check=False)
        return len(found.stdout.split())

    def check_imports_whole(self) -> None:
        """HEAD holds every row of an import or none of it."""
        for prefix, size in self.batches.items():
            committed = self._rows_in_head(prefix)
            if committed not in (0, size):
                self.figures.corruptions.append(f"import {prefix!r} committed in part: {committed} of {size}")

    def _confirm(self, record_id: str, title: str | None = None, update: str | None = None) -> None:
        """An acknowledged change must be in the commit at HEAD the moment the
        command has exited 0."""
        self.figures.acknowledged += 1
        document = self._in_head(record_id)
        texts = {entry["text"] for entry in document.get("updates", [])}
        if (title is None or document.get("title") == title) and (update is None or update in texts):
            self.figures.found += 1
        else:
            self.figures.corruptions.append(
                f"{record_id}: acknowledged change {title or update!r} not committed"
            )

    def sync(self, kill: bool) -> None:
        assert self.colleague is not None
        if self.random.random() < 0.5:
            for args in (["add", f"colleague {self.counter}"], ["sync"]):
                process = self.tracker(*args, register=self.colleague)
                _out, err = process.communicate()
                if process.returncode != 0:
                    self.figures.corruptions.append(f"colleague {' '.join(args)} failed: {err.strip()}")
        code, _out, err = self.run_once(["sync"], kill)
        self.figures.sync_kills += code is None
        self._finished(code, err)
        self.figures.syncs += code == 0

    def _finished(self, code: int | None, err: str) -> bool:
        """Whether the command succeeded; checks that a pending recovery was explained."""
        if code is None:
            return False
        if code != 0:
            self.figures.refusals.append(err.strip()[-300:])
            self._unstick(err)
            if "Traceback" in err:
                self.figures.corruptions.append(f"traceback instead of a message: {err.strip()[-300:]}")
            return False
        self._no_dead_temporaries()
        if self.recovery_pending:
            self.recovery_pending = False
            if any(notice in err for notice in RECOVERY_NOTICES):
                self.figures.recoveries_explained += 1
            else:
                self.figures.corruptions.append(
                    f"tracker {self.last_command}: uncommitted record files were "
                    f"not recovered with a notice: {err!r}"
                )
        return True

    # --- after each kill -----------------------------------------------------------------------

    def after_kill(self) -> None:
        """Check the register the way the next person to use it would find it."""
        self._wait_for_network_git()
        self._tidy_git_leftovers()
        self.check_integrity()
        self.check_imports_whole()
        if self.next_commands:
            self.check_next_commands()
        dirty = [path for path in self._dirty() if path.endswith(".json")]
        if dirty and not self.recovery_pending:
            self.figures.recoveries_expected += 1
        elif not dirty and self.recovery_pending:
            self.figures.recoveries_expected -= 1  # a later killed command committed it
        self.recovery_pending = bool(dirty)

    def _wait_for_network_git(self) -> None:
        """Tracker runs `git fetch` and `git push` in a process group of their own
        (so that a network timeout stops git and every helper it started), so a
        kill of Tracker's group does not reach them: they finish on their own,
        without the writer lock. `git fsck` run beside one can report a ref
        pointing at a commit it has not seen yet ("invalid reflog entry",
        "missing commit"), which a second fsck finds clean: wait for them first,
        and count how often one was still at work."""
        from data.lock import git_running, wait_for_git

        at_work = [
            repository for repository in (self.root, self.remote) if repository and git_running(repository)
        ]
        self.figures.network_gits_after_kills += bool(at_work)
        for repository in at_work:
            wait_for_git(repository, 120)

    def _tidy_git_leftovers(self) -> None:
        """A git killed mid-command leaves lock files (`index.lock`, `HEAD.lock`,
        a branch's `.lock`). Tracker removes stale ones by itself after 30 s; the
        harness ages them rather than sleeping. A merge left half done by a killed
        sync is counted, then aborted as a person would."""
        old = time.time() - LOCK_AGE
        for lock in git_lock_files(self.root):
            if time.time() - lock.stat().st_mtime > LOCK_AGE / 2:
                continue
            name = lock.relative_to(self.root / ".git").as_posix()
            name = "next-index-*.lock" if name.startswith("next-index-") else name
            self.figures.git_locks_left[name] = self.figures.git_locks_left.get(name, 0) + 1
            os.utime(lock, (old, old))
        if (self.root / ".git" / "MERGE_HEAD").exists():
            self.figures.merges_left_half_done += 1  # the next command must finish or undo it
        self.figures.temporary_files_left = sum(1 for _ in self.root.rglob("*.tmp"))

    @staticmethod
    def _fsck_again(repository: Path) -> str:
        """Whether a failed fsck ran beside a git still at work there, and what it
        says once every git there has finished: a passing doubt or damage."""
        from data.lock import git_running, wait_for_git

        running = git_running(repository)
        settled = wait_for_git(repository, 120)
        again = git(repository, "fsck", "--strict", "--no-progress", "--no-dangling", check=False)
        return (
            f"a git was {'still' if running else 'not'} running there; "
            f"{'once it had finished' if settled else 'with one still running'}, fsck again: "
            + ("clean" if again.returncode == 0 and "error" not in again.stderr else "failed too")
        )

    def check_next_commands(self) -> None:
        """`tracker list` and `tracker doctor` work as the next person finds the
        register (doctor may report what the next write repairs: counted by check)."""
        import json

        for args in (["list"], ["doctor", "--json"]):
            process = self.tracker(*args)
            out, err = process.communicate()
            if process.returncode not in ((0, 1) if args[0] == "doctor" else (0,)) or "Traceback" in err:
                self.figures.corruptions.append(
                    f"tracker {' '.join(args)} after a kill of tracker {self.last_command} failed "
                    f"({process.returncode}): {err.strip()[-300:]}"
                )
            elif args[0] == "doctor":
                findings = json.loads(out)["findings"]
                self.figures.doctor_findings.update(
                    finding["check"] for finding in findings if finding["status"] == "problem"
                )

    def _unstick(self, err: str) -> None:
        """When a write fails on a lock file git left (which Tracker does not clear
        by itself), count it and remove the stale locks, as the person reading
        the message would."""
        stale = [
            lock
            for lock in git_lock_files(self.root)
            if time.time() - lock.stat().st_mtime > 30 and not lock.name.startswith("next-index-")
        ]
        if stale:
            self.figures.stuck_on_git_locks += 1
        for lock in stale:
            lock.unlink()

    def _dirty(self) -> list[str]:
        """Record files whose content on disk is not what HEAD holds (a stale index
        left by a killed git, with the files as committed, is not a loss)."""
        changed = git(self.root, "diff", "--name-only", "HEAD", "--", "issues", "lessons").stdout.split()
        added = git(self.root, "ls-files", "--others", "--exclude-standard", "--", "issues", "lessons").stdout
        return changed + added.split()

    def check_integrity(self) -> None:
        from data.errors import DamagedFile
        from data.files import read_bytes, record_paths
        from data.load import validate_file
        from tracker.register import Register

        for repository in filter(None, (self.root, self.remote)):
            fsck = git(repository, "fsck", "--strict", "--no-progress", "--no-dangling", check=False)
            self.figures.fsck_runs += 1
            if fsck.returncode != 0 or "error" in fsck.stderr or "missing" in fsck.stdout:
                said = " ".join((fsck.stderr + fsck.stdout).split())[:400]
                self.figures.corruptions.append(
                    f"git fsck failed in {repository} (status {fsck.returncode}, after "
                    f"tracker {self.last_command}; {self._fsck_again(repository)}): {said}"
                )
        for relative in record_paths(self.root):
            try:
                validate_file(relative, read_bytes(self.root, relative) or b"")
            except DamagedFile as problem:
                self.figures.corruptions.append(str(problem))
        try:
            register = Register.open(self.root)
            problems = register.problems()
        except Exception as error:
            self.figures.corruptions.append(f"register does not open: {error!r}")
            return
        self.figures.corruptions.extend(f"{path}: {reason}" for path, reason in problems.items())
        self.check_expected(register.documents("issue"), "on disk")

    def check_expected(self, issues: dict[str, dict[str, object]], where: str) -> None:
        """The latest acknowledged title of every record (or a later attempt that
        a killed command left), and every acknowledged update, are present."""
        for record_id, titles in self.expected.titles.items():
            document = issues.get(record_id)
            if document is None:
                self.figures.corruptions.append(
                    f"{record_id}: acknowledged but missing {where} (made by {self.expected.origins[record_id]})"
                )
                continue
            if document["title"] not in titles:
                self.figures.corruptions.append(
                    f"{record_id}: title {document['title']!r} {where}, expected one of {sorted(titles)}"
                )
            if document["status"] not in self.expected.statuses.get(record_id, {document["status"]}):
                self.figures.corruptions.append(
                    f"{record_id}: status {document['status']!r} {where}, expected one of "
                    f"{sorted(self.expected.statuses[record_id])}"
                )
            texts = {update["text"] for update in document["updates"]}  # type: ignore[attr-defined]
            self.figures.corruptions.extend(
                f"{record_id}: acknowledged update {text!r} missing {where}"
                for text in sorted(self.expected.updates[record_id] - texts)
            )

    def finish(self) -> None:
        """One last write (which recovers anything left uncommitted), then every
        acknowledged change must be in git's HEAD and the working tree clean."""
        from tracker.register import Register

        code, _out, err = self.run_once(["add", "final check"], kill=False)
        if not self._finished(code, err):
            self.figures.corruptions.append(f"the final write failed: {err.strip()}")
        if self._dirty():
            self.figures.corruptions.append(f"record files left uncommitted: {self._dirty()}")
        if (self.root / ".git" / "MERGE_HEAD").exists():
            self.figures.corruptions.append("a merge was left half done after the final write")
        self.check_imports_whole()
        for prefix, size in self.batches.items():
            on_disk = sum(
                1 for path in (self.root / "issues").rglob("*.json") if f'"{prefix} ' in path.read_text()
            )
            if on_disk not in (0, size):
                self.figures.corruptions.append(
                    f"import {prefix!r} left in part on disk: {on_disk} of {size}"
                )
        self.check_expected(Register.open(self.root).documents("issue"), "in git")
        doctor = self.tracker("doctor")
        out, _err = doctor.communicate()
        if doctor.returncode != 0:
            self.figures.corruptions.append(f"doctor after the final write: {out.strip()[-600:]}")


def prepare(base: Path, with_sync: bool) -> tuple[Path, Path | None, Path | None]:
    """A new register (and, with sync, a bare remote and a colleague's clone)."""
    root = base / "register"
    run = [sys.executable, "-m", "tracker"]
    subprocess.run([*run, "init", str(root), "--name", "Crash test"], check=True, capture_output=True)
    if not with_sync:
        return root, None, None
    remote = base / "remote.git"
    subprocess.run(["git", "init", "--quiet", "--bare", "--initial-branch=main", str(remote)], check=True)
    git(root, "remote", "add", "origin", str(remote))
    git(root, "push", "--quiet", "--set-upstream", "origin", "main")
    colleague = base / "colleague"
    subprocess.run([*run, "clone", str(remote), str(colleague)], check=True, capture_output=True)
    return root, remote, colleague


def sync_available() -> bool:
    return find_spec("tracker.cli.sync") is not None and find_spec("data.sync") is not None


def run_harness(
    base: Path,
    kills: int,
    seed: int = 1,
    with_sync: bool | None = None,
    kill_share: float = 0.6,
    progress: bool = False,
    with_app: bool = True,
    at_least: dict[str, int] | None = None,
    stop: bool = False,
    next_commands: bool = True,
) -> Figures:
    """Run writes until `kills` commands have been killed, and at least
    `at_least[kind]` of each kind ("cli", "import", "sync", "tui"); return the
    figures. `next_commands=False` leaves out running `tracker list` and
    `tracker doctor` after each kill (about a second each)."""
    with_sync = sync_available() if with_sync is None else with_sync
    root, remote, colleague = prepare(base, with_sync)
    harness = Harness(root, seed, remote, colleague, with_app=with_app, next_commands=next_commands)
    wanted = at_least or {}
    while True:
        by_kind = harness.figures.kills_by_kind()
        short = [kind for kind, count in wanted.items() if by_kind[kind] < count]
        if harness.figures.kills >= kills and not short:
            break
        before = harness.figures.kills
        if short and harness.figures.kills >= kills:
            harness.step(kill=True, kind=harness.random.choice(short))
        else:
            harness.step(kill=harness.random.random() < kill_share)
        if harness.figures.kills > before:
            harness.after_kill()
            if progress and harness.figures.kills % 20 == 0:
                print(harness.figures.summary(), flush=True)
        if progress:  # by hand: the log is kept beside the register (see --keep)
            (base / "log.txt").write_text("\n".join(harness.log) + "\n", encoding="utf-8")
        if stop and harness.figures.corruptions:
            return harness.figures
    harness.finish()
    return harness.figures


def _own_environment(base: Path) -> None:
    """By hand: a git identity and Tracker folders of the run's own."""
    config = base / "gitconfig"
    config.write_text(
        "[user]\n\tname = Crash Harness\n\temail = crash@council.example\n[init]\n\tdefaultBranch = main\n",
        encoding="utf-8",
    )
    os.environ.update(
        GIT_CONFIG_GLOBAL=str(config),
        GIT_CONFIG_NOSYSTEM="1",
        TRACKER_DATA_DIR=str(base / "data"),
        TRACKER_CONFIG_DIR=str(base / "config"),
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=200)
    parser.add_argument(
        "--at-least",
        action="append",
        default=[],
        metavar="KIND=N",
        help=f"Go on until N kills of this kind ({', '.join(KINDS_OF_KILL)}); repeatable.",
    )
    parser.add_argument("--no-app", action="store_true", help="Leave the terminal app's saves out.")
    parser.add_argument("--seed", type=int, default=int(time.time()))
    parser.add_argument("--no-sync", action="store_true", help="Leave sync out even when it is available.")
    parser.add_argument(
        "--keep",
        type=Path,
        metavar="FOLDER",
        help="Work in this new folder and keep it (the register, the remote, log.txt of every command).",
    )
    parser.add_argument(
        "--stop", action="store_true", help="Stop at the first corruption, leaving the register as it was."
    )
    options = parser.parse_args()
    if options.keep:
        options.keep.mkdir(parents=True)
    with tempfile.TemporaryDirectory(prefix="tracker-crash-") as folder:
        base = (options.keep or Path(folder)).resolve()
        _own_environment(base)
        started = time.monotonic()
        wanted = {kind: int(count) for kind, _, count in (item.partition("=") for item in options.at_least)}
        if set(wanted) - set(KINDS_OF_KILL):
            parser.error(f"--at-least takes {', '.join(KINDS_OF_KILL)}")
        figures = run_harness(
            base,
            options.kills,
            options.seed,
            with_sync=False if options.no_sync else None,
            progress=True,
            with_app=not options.no_app,
            at_least=wanted,
            stop=options.stop,
        )
        print(f"seed {options.seed}, {time.monotonic() - started:.0f} s")
        print(figures.summary())
        for refusal in figures.refusals:
            print("REFUSED:", refusal)
        for corruption in figures.corruptions:
            print("CORRUPTION:", corruption)
    return 1 if figures.corruptions else 0


if __name__ == "__main__":
    sys.exit(main())
