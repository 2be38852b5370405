"""The history the exports read (status transitions, names and e-mail
addresses) is kept in `.tracker/` between commands, and always equals what a
fresh read of git's whole log gives: after commits in a straight line (only
they are read), after a merge or a reset (all read again), and whatever a
planted or damaged file claims."""

from __future__ import annotations

import subprocess
from pathlib import Path

from conftest import git, join, shared_issue, sync

from data.backlog import status_history
from data.history_cache import kept_people_in_history, kept_status_history
from data.people import people_in_history
from tracker.register import Register


def _fresh(register: Register) -> tuple[object, object]:
    seen = people_in_history(register.git)
    return dict(status_history(register.git)), (seen.names, list(seen.emails.items()))


def _kept(register: Register) -> tuple[object, object]:
    seen = kept_people_in_history(register.root, register.git)
    return kept_status_history(register.root, register.git), (seen.names, list(seen.emails.items()))


def test_the_kept_history_follows_new_commits_and_a_reset(register: Register) -> None:
    first = register.add_issue(title="Receipts", owner="Priya Nair")
    assert _kept(register) == _fresh(register)
    assert (register.root / ".tracker" / "status-history.pickle").is_file()
    register.edit(first.id, {"status": "open"})
    register.add_update(first.id, "Agreed", "decision", "public")
    register.edit(first.id, {"status": "resolved", "owner": "Tom Okafor"})
    assert _kept(register) == _fresh(register)
    git(register.root, "reset", "--hard", "--quiet", "HEAD~2")
    assert _kept(register) == _fresh(register)


def test_the_kept_history_is_read_again_after_a_merge(remote: Path, tmp_path: Path) -> None:
    first, second = join(remote, tmp_path / "a", "Ann Author"), join(remote, tmp_path / "b", "Ben Other")
    issue = shared_issue(first, second)
    assert _kept(first) == _fresh(first)
    first.edit(issue, {"status": "open"})
    second.edit(issue, {"severity": "high", "owner": "Cara Person"})
    sync(second.root)
    sync(first.root)
    assert git(first.root, "rev-list", "--merges", "HEAD").strip()  # the sync merged
    assert _kept(first) == _fresh(first)
    assert "Cara Person" in kept_people_in_history(first.root, first.git).names


def test_a_planted_or_damaged_history_file_is_not_believed(register: Register) -> None:
    issue = register.add_issue(title="Receipts")
    register.edit(issue.id, {"status": "open"})
    kept_status_history(register.root, register.git)
    path = register.root / ".tracker" / "status-history.pickle"
    path.write_bytes(b"\x80\x05not a pickle")
    assert _kept(register) == _fresh(register)
    planted = subprocess.run(
        ["python3", "-c", "import pickle,sys; sys.stdout.buffer.write(pickle.dumps(print))"],
        capture_output=True,
        check=True,
    ).stdout
    path.write_bytes(planted)
    assert _kept(register) == _fresh(register)
