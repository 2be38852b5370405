"""Every change is one readable commit by the person at the keyboard."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import TEST_NAME, git

from data.errors import GitError, IdentityMissing, InvalidRecord
from tracker.register import Register


def commit_count(root: Path) -> int:
    return int(git(root, "rev-list", "--count", "HEAD"))


def test_init_creates_a_register_with_settings_ignore_and_attributes(tmp_path: Path):
    register = Register.init(tmp_path / "new", name="Finance programme")
    tracked = git(register.root, "ls-files").split()
    assert tracked == [".gitattributes", ".gitignore", "tracker.toml"]
    assert ".tracker/" in (register.root / ".gitignore").read_text()
    assert "merge=tracker" in (register.root / ".gitattributes").read_text()
    assert git(register.root, "config", "gc.auto").strip() == "0"
    assert register.settings.name == "Finance programme"


def test_init_refuses_a_folder_with_files(tmp_path: Path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(Exception, match="not empty"):
        Register.init(tmp_path)
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_each_change_is_exactly_one_commit_by_the_user(register: Register):
    start = commit_count(register.root)
    issue = register.add_issue(title="Receipts not allocated", severity="high")
    register.edit(issue.id, {"status": "workaround in place"})
    register.add_update(issue.id, "Manual allocation daily", "decision", "public")
    lesson = register.add_lesson(title="Test with real bank files")
    register.link(issue.id, lesson.id)
    assert commit_count(register.root) == start + 5
    assert set(git(register.root, "log", "--format=%an <%ae>").splitlines()) == {
        f"{TEST_NAME} <test.person@council.example>"
    }
    assert git(register.root, "status", "--porcelain") == ""


def test_commit_messages_say_what_happened_with_trailers(register: Register):
    issue = register.add_issue(title="Receipts not allocated", status="open")
    register.edit(issue.id, {"status": "workaround in place"})
    message = git(register.root, "log", "-1", "--format=%B")
    subject, blank, *body = message.strip().splitlines()
    assert subject == f"{issue.id}: status open → workaround in place"
    assert blank == ""
    assert "status: open → workaround in place" in body
    assert f"Tracker-Record: {issue.id}" in body and "Tracker-Action: edit" in body
    trailers = git(register.root, "log", "-1", "--format=%(trailers:key=Tracker-Record,valueonly)").strip()
    assert trailers == issue.id


def test_a_newline_in_a_title_cannot_break_the_commit_message(register: Register):
    issue = register.add_issue(title="First line\nSigned-off-by: Mallory\n\nTracker-Record: ISS-0000000")
    subject = git(register.root, "log", "-1", "--format=%s").strip()
    assert subject.startswith(f'{issue.id}: new issue "First line Signed-off-by: Mallory')
    trailers = git(register.root, "log", "-1", "--format=%(trailers:key=Tracker-Record,valueonly)").split()
    assert trailers == [issue.id]


def test_an_edit_that_changes_nothing_makes_no_commit(register: Register):
    issue = register.add_issue(title="Same", severity="high")
    before = commit_count(register.root)
    register.edit(issue.id, {"severity": "high"})
    assert commit_count(register.root) == before


def test_closing_an_issue_dates_it_and_reopening_clears_the_date(register: Register):
    issue = register.add_issue(title="Payroll")
    closed = register.edit(issue.id, {"status": "resolved"})
    assert closed.closed_on is not None
    assert register.edit(issue.id, {"status": "open"}).closed_on is None


def test_values_outside_the_registers_vocabulary_are_refused(register: Register):
    with pytest.raises(InvalidRecord, match="status: 'parked' is not one of"):
        register.add_issue(title="x", status="parked")
    assert not (register.root / "issues").exists()


def test_no_git_identity_means_nothing_is_written(register: Register, no_identity: None):
    before = commit_count(register.root)
    with pytest.raises(IdentityMissing, match=r"git config --global user\.name"):
        register.add_issue(title="Will not be written")
    assert commit_count(register.root) == before
    assert not (register.root / "issues").exists()


def test_the_users_hooks_run(register: Register):
    hook = register.root / ".git/hooks/pre-commit"
    hook.write_text('#!/bin/sh\necho ran >> "$(git rev-parse --git-dir)/hook-ran"\n')
    hook.chmod(0o755)
    register.add_issue(title="Hooked")
    assert (register.root / ".git/hook-ran").read_text() == "ran\n"


def test_a_hook_that_refuses_the_commit_is_reported_and_nothing_is_written(register: Register):
    kept = register.add_issue(title="Kept", severity="low")
    hook = register.root / ".git/hooks/pre-commit"
    hook.write_text("#!/bin/sh\necho 'policy: no commits today' >&2\nexit 1\n")
    hook.chmod(0o755)
    with pytest.raises(GitError, match="policy: no commits today"):
        register.add_issue(title="Refused")
    with pytest.raises(GitError):
        register.edit(kept.id, {"severity": "high"})
    assert git(register.root, "status", "--porcelain") == ""
    assert register.get(kept.id).severity == "low"
    hook.unlink()
    register.add_issue(title="Accepted once the hook allows it")
    assert git(register.root, "log", "-1", "--format=%s").count("Accepted") == 1


def test_other_staged_changes_are_not_swept_into_tracker_commits(register: Register):
    (register.root / "notes.md").write_text("a lead's notes")
    git(register.root, "add", "notes.md")
    issue = register.add_issue(title="Mine only")
    files = git(register.root, "show", "--name-only", "--format=", "HEAD").split()
    assert files == [f"issues/{issue.id[4:6]}/{issue.id}.json"]


def test_writes_are_refused_during_a_rebase_or_on_a_detached_head(register: Register):
    register.add_issue(title="One")
    git(register.root, "checkout", "-q", "--detach")
    with pytest.raises(GitError, match="detached"):
        register.add_issue(title="Two")
    git(register.root, "checkout", "-q", "main")
    (register.root / ".git/rebase-merge").mkdir()
    with pytest.raises(GitError, match="a rebase is in progress"):
        register.add_issue(title="Three")


def test_an_interrupted_write_is_recovered_and_explained(register: Register):
    issue = register.add_issue(title="Written")
    relative = f"issues/{issue.id[4:6]}/{issue.id}.json"
    path = register.root / relative
    register.journal.record([relative])
    path.write_text(path.read_text().replace('"new"', '"open"'))
    fresh = Register.open(register.root)
    fresh.add_issue(title="Next")
    assert any("recovered uncommitted changes" in notice for notice in fresh.notices)
    subjects = git(register.root, "log", "--format=%s", "-2").splitlines()
    assert subjects[1] == "Recover uncommitted changes to 1 record(s)"
    assert git(register.root, "status", "--porcelain") == ""


def test_commit_signing_configured_in_git_keeps_working(register: Register, tmp_path: Path):
    fake_gpg = tmp_path / "fake-gpg"
    fake_gpg.write_text(
        "#!/bin/sh\n"
        "cat > /dev/null\n"
        'echo "[GNUPG:] SIG_CREATED D 1 8 00 1700000000 ABCDEF" >&2\n'
        "printf -- '-----BEGIN PGP SIGNATURE-----\\n\\nZmFrZQ==\\n-----END PGP SIGNATURE-----\\n'\n"
    )
    fake_gpg.chmod(0o755)
    git(register.root, "config", "commit.gpgsign", "true")
    git(register.root, "config", "gpg.program", str(fake_gpg))
    git(register.root, "config", "user.signingkey", "ABCDEF")
    register.add_issue(title="Signed")
    assert "-----BEGIN PGP SIGNATURE-----" in git(register.root, "cat-file", "commit", "HEAD")


def test_commits_without_hooks_or_signing_leave_a_clean_index_and_a_reflog(register: Register):
    issue = register.add_issue(title="Fast path")
    register.edit(issue.id, {"severity": "high"})
    assert git(register.root, "status", "--porcelain") == ""
    assert "commit: " + issue.id in git(register.root, "reflog", "-1", "--format=%gs")
    assert git(register.root, "diff", "HEAD~1", "--stat").count("|") == 1


def test_trees_built_from_head_match_what_git_itself_writes(register: Register):
    first = register.add_issue(title="First")
    for n in range(12):  # new shards and existing ones, issues and lessons
        register.add_issue(title=f"More {n}")
    lesson = register.add_lesson(title="Learned", logged_by="Ann")
    register.edit(first.id, {"severity": "high"})
    register.link(first.id, lesson.id)
    assert git(register.root, "write-tree").strip() == git(register.root, "rev-parse", "HEAD^{tree}").strip()
    assert git(register.root, "status", "--porcelain") == ""
    git(register.root, "fsck", "--strict", "--no-dangling")


def test_a_staged_change_stays_staged_and_out_of_tracker_commits(register: Register):
    (register.root / "notes.md").write_text("a lead's notes")
    git(register.root, "add", "notes.md")
    register.add_issue(title="Mine only")
    assert "notes.md" not in git(register.root, "ls-tree", "-r", "--name-only", "HEAD")
    assert git(register.root, "status", "--porcelain").splitlines() == ["A  notes.md"]
