"""The git command line, run for a register.

Writes go through `git add` and `git commit` so that the user's hooks, signing
and attributes apply. Commands are run as argument lists, never through a shell:
record text never becomes part of a command line except as the commit message,
which is passed on standard input.

GitPython is used where its object model helps (history, sync); this module runs
plain `git` because it sits on the hot path of every command and importing
GitPython costs about 90 ms, a third of the budget for `tracker add`.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from data.errors import GitError, IdentityMissing
from data.lock import git_running
from data.text import one_line

INDEX_LOCK_STALE_SECONDS = 30.0
NETWORK_TIMEOUT_SECONDS = 120.0
GIT_LOCK_FILES = ("index.lock", "HEAD.lock", "ORIG_HEAD.lock", "packed-refs.lock", "config.lock")


@dataclass(frozen=True)
class Identity:
    name: str
    email: str


def _names(output: bytes) -> list[str]:
    return [name for name in output.decode("utf-8", "surrogateescape").split("\0") if name]


def feed(stream: IO[bytes], data: bytes) -> None:
    """Write `data` to a git process's input and close it (from a thread)."""
    try:
        stream.write(data)
        stream.close()
    except OSError:  # git stopped reading: the reader says why
        pass


class Running:
    """A git command that has been started; `result()` waits for it to finish."""

    def __init__(
        self, process: subprocess.Popen[bytes], args: tuple[str, ...], input: bytes | None, check: bool
    ):
        self.process, self.args, self.input, self.check = process, args, input, check

    def result(self, timeout: float | None = None) -> subprocess.CompletedProcess[bytes]:
        try:
            stdout, stderr = self.process.communicate(self.input, timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(self.process)
            raise GitError(
                f"git {self.args[0]} took longer than {timeout:.0f} s and was stopped (the remote or its "
                "hooks did not answer; TRACKER_GIT_TIMEOUT sets the limit)"
            ) from None
        except BaseException:
            self._finish_or_kill()
            raise
        result = subprocess.CompletedProcess(self.process.args, self.process.returncode, stdout, stderr)
        if self.check and result.returncode != 0:
            message = (
                result.stderr.decode("utf-8", "replace").strip()
                or result.stdout.decode("utf-8", "replace").strip()
            )
            lines = [line for line in message.splitlines() if line.strip()]
            named = [line for line in lines if line.startswith(("fatal:", "error:"))] or lines[-3:]
            said = one_line(" ".join(named[:3]))[:600] or "no message"
            raise GitError(f"git {self.args[0]} failed (exit status {result.returncode}): {said}")
        return result

    def _finish_or_kill(self) -> None:
        """Tracker is being stopped (a signal, ctrl+c) while git runs: let git
        finish rather than kill it half way, which would leave its lock files
        (`index.lock`, a branch's `.lock`) for every later command to trip on,
        and would leave the write unknown to the rollback that follows. Only a
        git that does not finish in time, or a second interruption, is killed."""
        try:
            self.process.communicate(timeout=FINISH_SECONDS)
        except BaseException:
            self.process.kill()
            self.process.wait()


FINISH_SECONDS = 20.0
"""How long a git command interrupted by Tracker being stopped may take to finish."""


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    """Stop a git that ran too long, with what it started (ssh, a remote's hooks)."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except OSError:
        process.kill()
    process.wait()


def network_timeout() -> float:
    """Seconds a git command that reaches a remote may take (TRACKER_GIT_TIMEOUT)."""
    try:
        return max(1.0, float(os.environ.get("TRACKER_GIT_TIMEOUT", NETWORK_TIMEOUT_SECONDS)))
    except ValueError:
        return NETWORK_TIMEOUT_SECONDS


def _git_binary() -> str:
    found = shutil.which("git")
    if found is None:
        raise GitError("git is not installed or not on PATH; Tracker needs git 2.30 or later")
    return found


class Git:
    """Runs git in one repository."""

    def __init__(self, root: Path):
        self.root = root
        self._binary = _git_binary()

    def run(
        self,
        *args: str,
        input: bytes | None = None,
        env: dict[str, str] | None = None,
        check: bool = True,
        timeout: float | None = None,
    ) -> subprocess.CompletedProcess[bytes]:
        """Run git and wait; with `timeout` (commands that reach a remote), git and
        everything it started are stopped when it runs longer."""
        running = self.start(*args, input=input, env=env, check=check, own_group=timeout is not None)
        return running.result(timeout)

    def start(
        self,
        *args: str,
        input: bytes | None = None,
        env: dict[str, str] | None = None,
        check: bool = True,
        own_group: bool = False,
    ) -> Running:
        """Start git and return at once; `.result()` waits for it. Lets Tracker
        parse its load cache on one core while git stats the work tree on the other."""
        environment = dict(os.environ)
        environment.setdefault("GIT_TERMINAL_PROMPT", "0")
        environment["LC_ALL"] = "C"
        if env:
            environment.update(env)
        command = [self._binary, "-C", str(self.root), *args]
        process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=environment,
            start_new_session=own_group,
        )
        return Running(process, args, input, check)

    def text(self, *args: str, check: bool = True) -> str:
        return self.run(*args, check=check).stdout.decode("utf-8", "replace").strip()

    # --- state -------------------------------------------------------------

    def head_commit(self) -> str | None:
        result = self.run("rev-parse", "--verify", "--quiet", "HEAD^{commit}", check=False)
        return result.stdout.decode().strip() or None

    def head_tree(self) -> str | None:
        result = self.run("rev-parse", "--verify", "--quiet", "HEAD^{tree}", check=False)
        return result.stdout.decode().strip() or None

    def object_exists(self, sha: str) -> bool:
        return self.run("cat-file", "-e", sha, check=False).returncode == 0

    def changed_between(self, old_tree: str, new_tree: str, *paths: str) -> list[str]:
        out = self.run("diff", "--name-only", "--no-renames", "-z", old_tree, new_tree, "--", *paths)
        return _names(out.stdout)

    def dirty_paths(self, *paths: str) -> list[str]:
        """Paths that differ from HEAD in the working tree or index, untracked included."""
        return sorted(set(self.start_changed_paths(*paths)()) | set(self.untracked_paths(*paths)))

    def start_changed_paths(self, *paths: str) -> Callable[[], list[str]]:
        """Start finding the tracked paths that differ from HEAD, in the index
        (`diff-index --cached`) or the working tree (`diff-files`, which stats
        every file); call what is returned for them. Untracked files are
        `untracked_paths`: finding them reads every folder, which a caller that
        knows no folder changed can skip."""
        staged = self.start(
            "diff-index", "--cached", "--name-only", "--no-renames", "-z", "HEAD", "--", *paths, check=False
        )
        unstaged = self.start("diff-files", "--name-only", "--no-renames", "-z", "--", *paths)

        def paths_found() -> list[str]:
            index = staged.result()
            if index.returncode != 0:  # no commit yet: everything in the index is new
                index = self.run("ls-files", "-z", "--", *paths)
            return sorted(set(_names(index.stdout)) | set(_names(unstaged.result().stdout)))

        return paths_found

    def refresh_stat_data(self) -> bool:
        """Bring the file times, sizes and inodes git's index keeps up to date with
        the files (`update-index --refresh`, which hashes only the files whose
        stat data moved and never changes content). After a copy, an rsync or a
        backup restore every file's stat data is stale, and `diff-files` reports
        every file changed until something refreshes it (`git status` does, in
        passing). False when git could not, for example while another git holds
        the index."""
        return self.run("update-index", "-q", "--refresh", check=False).returncode == 0

    def identical_to_head(self, paths: list[str]) -> set[str]:
        """Which of `paths` hold exactly what HEAD has, hashed as `git add` would
        store them: files whose stat data moved (copied, restored, touched)
        while their content did not. One `ls-tree` and one `hash-object` for
        them all."""
        present = [
            path
            for path in paths
            if "\n" not in path and (self.root / path).is_file() and not (self.root / path).is_symlink()
        ]
        if not present or self.head_commit() is None:
            return set()
        folders = sorted({path.split("/")[0] for path in present})
        committed: dict[str, str] = {}
        for entry in _names(self.run("ls-tree", "-r", "-z", "HEAD", "--", *folders).stdout):
            meta, _, path = entry.partition("\t")
            committed[path] = meta.split()[2]
        listed = "".join(path + "\n" for path in present).encode("utf-8", "surrogateescape")
        hashed = self.run("hash-object", "--stdin-paths", input=listed).stdout.decode().split()
        return {path for path, sha in zip(present, hashed, strict=True) if committed.get(path) == sha}

    def untracked_paths(self, *paths: str) -> list[str]:
        out = self.run("ls-files", "--others", "--exclude-standard", "-z", "--", *paths)
        return _names(out.stdout)

    def identity(self) -> Identity:
        """The person at the keyboard, as git knows them; IdentityMissing if unset."""
        name, email = os.environ.get("GIT_AUTHOR_NAME"), os.environ.get("GIT_AUTHOR_EMAIL")
        if not (name and email):
            # Every scope, system to repository: the last value is the one git uses
            # for the commit, so an update's author is the commit's author.
            found = self.text("config", "--get-regexp", r"^user\.(name|email)$", check=False)
            configured: dict[str, str] = {}
            for line in found.splitlines():
                key, _, value = line.partition(" ")
                configured[key] = value.strip()
            name = name or configured.get("user.name")
            email = email or configured.get("user.email")
        if not name or not email:
            raise IdentityMissing()
        return Identity(name, email)

    def is_detached(self) -> bool:
        """HEAD points at a commit, not a branch (read without running git when
        `.git` is a plain folder)."""
        head = self.root / ".git" / "HEAD"
        if head.is_file():
            return not head.read_bytes().startswith(b"ref: ")
        return self.run("symbolic-ref", "--quiet", "HEAD", check=False).returncode != 0

    def tracked(self, *paths: str) -> list[str]:
        """Which of `paths` HEAD has."""
        if self.head_commit() is None:
            return []
        out = self.run("ls-tree", "--name-only", "-z", "HEAD", "--", *paths).stdout
        return [name for name in out.decode("utf-8", "surrogateescape").split("\0") if name]

    def operation_in_progress(self) -> str | None:
        """A merge, rebase, cherry-pick or bisect left half done in the register."""
        git_dir = self.root / ".git"
        for marker, what in (
            ("rebase-merge", "a rebase"),
            ("rebase-apply", "a rebase"),
            ("MERGE_HEAD", "a merge"),
            ("CHERRY_PICK_HEAD", "a cherry-pick"),
            ("REVERT_HEAD", "a revert"),
        ):
            if (git_dir / marker).exists():
                return what
        return None

    def current_branch(self) -> str | None:
        result = self.run("symbolic-ref", "--quiet", "--short", "HEAD", check=False)
        return result.stdout.decode().strip() or None

    # --- writing -------------------------------------------------------------

    def lock_files(self) -> list[Path]:
        """Lock files git makes while it changes the index or a ref: a git killed
        in the middle of a commit leaves `index.lock`, `HEAD.lock` or the branch's."""
        top = self.root / ".git"
        found = [top / name for name in GIT_LOCK_FILES if (top / name).exists()]
        return found + sorted((top / "refs").rglob("*.lock"))

    def clear_stale_index_lock(self) -> bool:
        """Remove git lock files left by a git that crashed; a fresh one belongs to
        a git still running, and is waited for briefly."""
        deadline = time.monotonic() + 3.0
        cleared = False
        while True:
            fresh = []
            for lock in self.lock_files():
                try:
                    age = time.time() - lock.stat().st_mtime
                except FileNotFoundError:
                    continue
                if age > INDEX_LOCK_STALE_SECONDS and not git_running(self.root):
                    lock.unlink(missing_ok=True)
                    cleared = True
                else:
                    fresh.append(lock)
            if not fresh:
                return cleared
            if time.monotonic() > deadline:
                raise GitError(f"{fresh[0]} is held by another git command; try again when it has finished")
            time.sleep(0.05)
