"""Committing record files: exactly the given paths, authored by the person at
the keyboard, with the message on standard input (never on a command line).

With no commit hooks and no signing to honour, the commit is made with git's
plumbing from HEAD's trees (`data.trees`), which reads and writes the index once
instead of refreshing all of it; otherwise with `git add` and `git commit`, so
the user's hooks, signing and attributes apply.
"""

from __future__ import annotations

import os

from data.errors import GitError
from data.git import Git, Identity
from data.trees import new_root_tree

_COMMIT_HOOKS = ("pre-commit", "prepare-commit-msg", "commit-msg", "post-commit")
_TRUE = {"true", "yes", "on", "1"}


def commit(
    git: Git,
    paths: list[str],
    message: str,
    *,
    author: Identity | None = None,
    when: str | None = None,
) -> str:
    """Stage exactly `paths` and commit them (and nothing else staged) with the
    message from standard input. Returns the new commit's ID."""
    git.clear_stale_index_lock()
    env: dict[str, str] = {}
    if author is not None:
        env.update(
            GIT_AUTHOR_NAME=author.name,
            GIT_AUTHOR_EMAIL=author.email,
            GIT_COMMITTER_NAME=author.name,
            GIT_COMMITTER_EMAIL=author.email,
        )
    if when is not None:
        env.update(GIT_AUTHOR_DATE=when, GIT_COMMITTER_DATE=when)
    parent = git.head_commit()
    if parent is not None and _nothing_to_honour(git, paths):
        return _commit_with_plumbing(git, paths, message, env, parent)
    for start in range(0, len(paths), 2000):
        git.run("add", "-A", "--", *paths[start : start + 2000])
    if len(paths) <= 2000:
        git.run("commit", "--quiet", "--no-edit", "-F", "-", "--", *paths, input=message.encode(), env=env)
    else:
        git.run("commit", "--quiet", "--no-edit", "-F", "-", input=message.encode(), env=env)
    head = git.head_commit()
    if head is None:
        raise GitError(f"{git.root}: git commit reported success but the branch names no commit")
    return head


def _nothing_to_honour(git: Git, paths: list[str]) -> bool:
    """True when `git commit` would do nothing that git's plumbing skips: no
    commit hooks and no signing. Then the plumbing route is taken, which is
    several times faster in a large register because it reads and writes
    the index once instead of refreshing all of it."""
    if len(paths) > 2000 or not (git.root / ".git").is_dir():
        return False
    wanted = r"^(core\.hookspath|commit\.gpgsign)$"
    found = git.text("config", "--get-regexp", wanted, check=False).lower().splitlines()
    settings = dict(line.partition(" ")[::2] for line in found)
    if "core.hookspath" in settings or settings.get("commit.gpgsign", "").strip() in _TRUE:
        return False
    hooks = git.root / ".git" / "hooks"
    return not any(os.access(hooks / name, os.X_OK) for name in _COMMIT_HOOKS)


def _commit_with_plumbing(git: Git, paths: list[str], message: str, env: dict[str, str], parent: str) -> str:
    """Commit exactly `paths` as they are on disk: new trees from HEAD's
    (`data.trees`), the index brought in line, then the branch moved.
    Whatever else a user has staged stays staged, as `git commit -- PATHS`
    leaves it."""

    present = [path for path in paths if (git.root / path).is_file()]
    hashed = git.run("hash-object", "-w", "--stdin-paths", input="".join(p + "\n" for p in present).encode())
    blobs: dict[str, str | None] = dict.fromkeys(paths)
    blobs.update(zip(present, hashed.stdout.decode().split(), strict=True))
    tree = new_root_tree(git, parent, blobs)
    git.run("update-index", "--add", "--remove", "--", *paths)
    created = git.run("commit-tree", tree, "-p", parent, "-F", "-", input=message.encode(), env=env)
    new = created.stdout.decode().strip()
    subject = message.splitlines()[0] if message else "commit"
    git.run("update-ref", "-m", f"commit: {subject}", "HEAD", new, parent)
    return new
