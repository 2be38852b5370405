"""Sharing a register through a git remote: clone, sync, and the sync status.

`sync()` fetches, merges and pushes with the git command line, so remotes over
file paths, SSH and HTTPS work exactly as they do for git, and credentials are
git's business (helpers, agents; never a prompt: GIT_TERMINAL_PROMPT=0). Record
files merge through Tracker's merge driver (`data.merge_driver`), the same one
a lead's plain `git pull` uses. When the push is rejected because another clone
pushed first, sync fetches and merges again, a bounded number of times.

Before merging, sync renumbers local records whose IDs collide with different
records created on the remote (`data.collisions`). A record deleted on one side
and edited on the other is kept as edited (git reports those before any driver
runs; sync resolves them). Anything else git cannot merge (a damaged record
file, `tracker.toml` changed on both sides) aborts the merge and is reported:
the register is left as it was before that merge.

Commands that reach the remote stop after TRACKER_GIT_TIMEOUT seconds (120 by
default), with everything they started (ssh, a remote's hooks), and what they
print is shown only through `data.text.one_line`, so a remote cannot write
escape sequences to the terminal. A remote branch without `tracker.toml` is
refused before anything is merged.

The time and outcome of the last sync are kept in `.tracker/sync.json`, so the
status (`sync_status()`) needs no network.
"""

from __future__ import annotations

import os
import random
import shutil
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import orjson

from data.collisions import Renumbered, find_collisions, renumber
from data.errors import SyncError
from data.files import id_from_path, read_state_file, write_atomic
from data.git import Git, Identity, network_timeout
from data.gitconfig import ensure_git_settings
from data.history import write_commit_graph
from data.load import STATE_DIR
from data.merge import Conflict
from data.sync_merge import merge_marker, merge_remote
from data.text import one_line

SYNC_STATE = "sync.json"
SYNC_STATE_MAX_BYTES = 100_000
RECORD_FOLDERS = ("issues", "lessons")
_LOST_RACE = ("cannot lock ref", "failed to update ref", "incorrect old value", "stale info")


class NoRemote(SyncError):
    """The register has no remote to sync with."""


@dataclass
class SyncResult:
    remote: str
    branch: str
    received: int = 0
    sent: int = 0
    changed_records: list[str] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    renumbered: list[Renumbered] = field(default_factory=list)
    attempts: int = 0
    notices: list[str] = field(default_factory=list)

    def summary(self) -> list[str]:
        """What happened, in a few lines for a person."""
        lines = [
            f"Synced with {self.remote}/{self.branch}: received {self.received} change(s), "
            f"sent {self.sent} change(s)"
        ]
        for item in self.renumbered:
            lines.append(
                f"{item.old} is now {item.new} (another clone had already shared a different "
                f"record as {item.old})"
            )
        for note in self.conflicts:
            lines.append(
                f"{note.record}: {note.field.replace('_', ' ')} was changed on both clones; kept "
                f"{note.kept_author}'s later change, {note.replaced_author}'s is in the timeline"
            )
        return lines


@dataclass(frozen=True)
class SyncStatus:
    remote_url: str | None
    branch: str | None
    ahead: int
    behind: int
    last_sync: datetime | None
    last_error: str | None


# --- setting up ------------------------------------------------------------------------


def network_env(git: Git) -> dict[str, str]:
    """Environment for git commands that reach a remote: never wait for a person
    to type (no terminal prompt; ssh in batch mode unless ssh is set up
    otherwise), so a background sync fails with a message instead of hanging."""
    env = {"GIT_TERMINAL_PROMPT": "0"}
    custom = any(os.environ.get(name) for name in ("GIT_SSH_COMMAND", "GIT_SSH"))
    if not custom and not git.text("config", "core.sshCommand", check=False):
        env["GIT_SSH_COMMAND"] = "ssh -o BatchMode=yes"
    return env


def _checked_url(url: str) -> str:
    url = url.strip()
    if not url or url.startswith("-"):
        raise SyncError(f"{url!r} is not a git remote URL or path")
    return url


def clone(url: str, path: Path) -> Path:
    """Clone a register from a remote and set the clone up for Tracker."""
    url = _checked_url(url)
    path = path.absolute()
    if path.exists() and any(path.iterdir()):
        raise SyncError(f"{path}: folder is not empty; give an empty or new folder")
    here = Git(Path.cwd())
    here.run("clone", "--quiet", "--", url, str(path), env=network_env(here), timeout=network_timeout())
    git = Git(path)
    if git.head_commit() is None:
        _check_out_shared_branch(git)
    if not (path / "tracker.toml").is_file():
        empty = git.head_commit() is None
        shutil.rmtree(path)
        if empty:
            raise SyncError(
                f"{url}: the remote is empty; create a register and share it with: "
                f"tracker init --remote {url}"
            )
        raise SyncError(f"{url}: not a Tracker register (no tracker.toml at its top); nothing was kept")
    ensure_git_settings(git)
    write_commit_graph(git)
    return path


def _check_out_shared_branch(git: Git) -> None:
    """A bare repository created with `git init --bare` may name a default branch
    (`master`) that the register was never pushed to; check out the branch it was
    pushed to instead: `main` if there is one, else the only branch there is."""
    listed = git.text("for-each-ref", "--format=%(refname:strip=3)", "refs/remotes/origin/")
    branches = [name for name in listed.splitlines() if name and name != "HEAD"]
    chosen = "main" if "main" in branches else branches[0] if len(branches) == 1 else None
    if chosen:
        git.run("checkout", "--quiet", "-B", chosen, "--track", f"origin/{chosen}")


def check_new_remote(url: str) -> None:
    """Refuse a remote that cannot be reached or already holds commits (before
    `tracker init --remote` creates anything)."""
    url = _checked_url(url)
    here = Git(Path.cwd())
    result = here.run(
        "ls-remote", "--heads", "--", url, check=False, env=network_env(here), timeout=network_timeout()
    )
    if result.returncode != 0:
        message = " ".join(result.stderr.decode("utf-8", "replace").split())
        raise SyncError(f"{url}: cannot reach the remote: {message[:300]}")
    if result.stdout.strip():
        raise SyncError(f"{url}: the remote already holds a repository; join it with: tracker clone {url}")


def add_remote(root: Path, url: str, name: str = "origin") -> None:
    """Point a register at a remote (for `tracker init --remote`); the next sync pushes."""
    git = Git(root)
    git.run("remote", "add", "--", name, _checked_url(url))
    ensure_git_settings(git)


# --- status ------------------------------------------------------------------------------


def _state_path(root: Path) -> Path:
    return root / STATE_DIR / SYNC_STATE


def _read_state(root: Path) -> dict[str, Any]:
    raw = read_state_file(_state_path(root), SYNC_STATE_MAX_BYTES)
    try:
        state = orjson.loads(raw) if raw is not None else {}
    except orjson.JSONDecodeError:
        return {}
    return state if isinstance(state, dict) else {}


def record_state(root: Path, error: str | None) -> None:
    state = _read_state(root)
    moment = datetime.now(UTC).replace(microsecond=0).isoformat()
    state["last_attempt"] = moment
    state["last_error"] = one_line(error) if error is not None else None
    if error is None:
        state["last_sync"] = moment
    (root / STATE_DIR).mkdir(parents=True, exist_ok=True)
    write_atomic(root, f"{STATE_DIR}/{SYNC_STATE}", orjson.dumps(state))


def _without_password(url: str) -> str:
    """A remote URL fit to show on screen: any password in it is dropped."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port:
        host += f":{parts.port}"
    user = f"{parts.username}@" if parts.username else ""
    return urlunsplit((parts.scheme, user + host, parts.path, parts.query, parts.fragment))


def remote_url(git: Git, remote: str) -> str | None:
    result = git.run("remote", "get-url", "--", remote, check=False)
    return result.stdout.decode("utf-8", "replace").strip() or None


def _ref(git: Git, name: str) -> str | None:
    result = git.run("rev-parse", "--verify", "--quiet", f"{name}^{{commit}}", check=False)
    return result.stdout.decode().strip() or None


def sync_status(root: Path, remote: str = "origin") -> SyncStatus:
    """Where this clone stands against the remote as last fetched: no network."""
    git = Git(root)
    url = remote_url(git, remote)
    branch = git.current_branch()
    ahead = behind = 0
    if url and branch and git.head_commit():
        tracking = _ref(git, f"refs/remotes/{remote}/{branch}")
        if tracking:
            counts = git.text("rev-list", "--left-right", "--count", f"HEAD...{tracking}").split()
            ahead, behind = int(counts[0]), int(counts[1])
        else:
            ahead = int(git.text("rev-list", "--count", "HEAD"))
    state = _read_state(root)
    last = state.get("last_sync")
    return SyncStatus(
        remote_url=_without_password(url) if url else None,
        branch=branch,
        ahead=ahead,
        behind=behind,
        last_sync=datetime.fromisoformat(last) if isinstance(last, str) else None,
        last_error=state.get("last_error") if isinstance(state.get("last_error"), str) else None,
    )


# --- syncing -------------------------------------------------------------------------------


def _names(git: Git, *args: str) -> list[str]:
    out = git.run(*args, "-z", "--", *RECORD_FOLDERS).stdout.decode("utf-8", "surrogateescape")
    return [name for name in out.split("\0") if name]


class SyncRun:
    """The git work of one `tracker sync`: fetch, merge and push, retried when
    another clone pushed first. The caller holds the register's writer lock."""

    def __init__(self, git: Git, remote: str, me: Identity):
        self.git, self.remote, self.me = git, remote, me
        branch = git.current_branch()
        if branch is None:
            raise SyncError(f"{git.root}: no branch checked out; check out a branch first")
        self.branch = branch
        self.tracking = f"refs/remotes/{remote}/{branch}"
        self.result = SyncResult(remote, branch)

    def run(self, retries: int) -> SyncResult:
        start = self.git.head_commit()
        for attempt in range(1, retries + 1):
            self.result.attempts = attempt
            self._fetch()
            theirs = _ref(self.git, self.tracking)
            if theirs is not None:
                self._bring_in(theirs)
            if self.git.head_commit() == theirs or self._push(theirs):
                break
            time.sleep(random.uniform(0.05, 0.3) * attempt)
        else:
            raise SyncError(
                f"{self.remote}: other clones kept pushing first; {retries} attempts made, "
                "your changes are safe here: run tracker sync again"
            )
        end = self.git.head_commit()
        if start and end and start != end:
            changed = _names(self.git, "diff", "--name-only", "--no-renames", start, end)
            self.result.changed_records = sorted({str(id_from_path(p)) for p in changed if id_from_path(p)})
        return self.result

    def _fetch(self) -> None:
        result = self.git.run(
            "fetch",
            "--quiet",
            "--prune",
            "--",
            self.remote,
            check=False,
            env=network_env(self.git),
            timeout=network_timeout(),
        )
        if result.returncode != 0:
            message = one_line(" ".join(result.stderr.decode("utf-8", "replace").split()))
            raise SyncError(f"{self.remote}: fetch failed: {message[:400]}")

    def _push(self, theirs: str | None) -> bool:
        """Push HEAD; False when another clone pushed first (fetch and merge again)."""
        count_range = f"{theirs}..HEAD" if theirs else "HEAD"
        pending = int(self.git.text("rev-list", "--count", "--no-merges", count_range))
        args = ["push", "--porcelain", "--follow-tags"]
        if self.git.text("config", f"branch.{self.branch}.remote", check=False) == "":
            args.append("--set-upstream")
        result = self.git.run(
            *args,
            "--",
            self.remote,
            f"HEAD:refs/heads/{self.branch}",
            check=False,
            env=network_env(self.git),
            timeout=network_timeout(),
        )
        if result.returncode == 0:
            self.result.sent += pending
            return True
        output = (result.stdout + result.stderr).decode("utf-8", "replace")
        if "[rejected]" in output or ("[remote rejected]" in output and any(s in output for s in _LOST_RACE)):
            return False
        message = " ".join(line.strip() for line in output.splitlines() if line.strip() and line[0] != "\t")
        raise SyncError(f"{self.remote}: push failed: {one_line(message)[:400]}")

    def _bring_in(self, theirs: str) -> None:
        head = self.git.head_commit()
        if head is None:
            raise SyncError(f"{self.git.root}: the register has no commits to merge into")
        if self._is_ancestor(theirs, head):
            return
        if self.git.run("cat-file", "-e", f"{theirs}:tracker.toml", check=False).returncode != 0:
            raise SyncError(
                f"{self.remote}: the shared branch no longer has tracker.toml (a commit removed it); "
                "nothing was merged: restore it on the clone that removed it, then sync again"
            )
        received = int(self.git.text("rev-list", "--count", "--no-merges", f"HEAD..{theirs}"))
        if self._is_ancestor(head, theirs):
            marker = merge_marker(self.git)  # a kill half way through is undone by the next command
            marker.write_text(f"{theirs}\n{head}\n", encoding="utf-8")
            self.git.run("merge", "--ff-only", "--quiet", theirs)
            marker.unlink(missing_ok=True)
        else:
            base = self.git.text("merge-base", head, theirs, check=False)
            if not base:
                raise SyncError(f"{self.remote}: the remote holds a different register (no shared history)")
            colliding = find_collisions(self.git, base, theirs)
            if colliding:
                when = datetime.now(UTC).replace(microsecond=0).isoformat()
                self.result.renumbered += renumber(self.git, base, theirs, colliding, self.me, when)
            self.result.conflicts += merge_remote(self.git, self.remote, self.me, base, theirs, received)
        self.result.received += received

    def _is_ancestor(self, first: str, second: str) -> bool:
        return self.git.run("merge-base", "--is-ancestor", first, second, check=False).returncode == 0
