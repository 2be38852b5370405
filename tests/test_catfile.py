"""The one `git cat-file --batch` reader: objects in the order asked, missing
ones said so, and a cut-short answer refused rather than misread."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from conftest import git

from data.catfile import GitObject, read_objects
from data.errors import GitError
from data.git import Git

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def repository(tmp_path: Path) -> Git:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q")
    (root / "issues").mkdir()
    (root / "issues" / "a.json").write_bytes(b'{"id": "a"}\n')
    (root / "with space.txt").write_bytes(b"spaced\n")
    (root / "empty").write_bytes(b"")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "first")
    return Git(root)


def test_objects_come_back_in_the_order_asked_with_type_and_bytes(repository: Git) -> None:
    blob = git(repository.root, "rev-parse", "HEAD:issues/a.json").strip()
    answers = list(read_objects(repository, ["HEAD:issues/a.json", "HEAD:issues", blob, "HEAD:empty"]))
    assert [name for name, _ in answers] == ["HEAD:issues/a.json", "HEAD:issues", blob, "HEAD:empty"]
    assert answers[0][1] == GitObject("HEAD:issues/a.json", "blob", b'{"id": "a"}\n')
    assert answers[1][1] is not None and answers[1][1].type == "tree"
    assert answers[2][1] == GitObject(blob, "blob", b'{"id": "a"}\n')
    assert answers[3][1] == GitObject("HEAD:empty", "blob", b"")


def test_missing_objects_and_names_git_cannot_be_asked_for_are_none(repository: Git) -> None:
    answers = dict(
        read_objects(
            repository,
            ["HEAD:nothing here", "0" * 40, "HEAD:with space.txt", "HEAD:issues/a.json\nHEAD:empty"],
        )
    )
    assert answers["HEAD:nothing here"] is None
    assert answers["0" * 40] is None
    assert answers["HEAD:with space.txt"] == GitObject("HEAD:with space.txt", "blob", b"spaced\n")
    assert answers["HEAD:issues/a.json\nHEAD:empty"] is None


def test_nothing_asked_runs_no_git(tmp_path: Path) -> None:
    assert list(read_objects(Git(tmp_path / "not a repository"), [])) == []


class CutShort(Git):
    """Real git whose `cat-file` answer loses its last bytes, as when git is killed."""

    def run(
        self, *args: str, input: bytes | None = None, env: dict[str, str] | None = None, check: bool = True
    ) -> subprocess.CompletedProcess[bytes]:
        result = super().run(*args, input=input, env=env, check=check)
        return subprocess.CompletedProcess(result.args, 0, result.stdout[:-3], result.stderr)


def test_an_answer_cut_short_is_an_error_not_a_short_record(repository: Git) -> None:
    with pytest.raises(GitError, match=r"cut HEAD:issues/a\.json short"):
        list(read_objects(CutShort(repository.root), ["HEAD:issues/a.json"]))


def test_the_history_audit_trees_and_changes_since_readers_share_it() -> None:
    for module in ("trees", "history", "audit", "changes_since"):
        source = (ROOT / "data" / f"{module}.py").read_text(encoding="utf-8")
        assert '"cat-file", "--batch"' not in source, module
        assert "read_objects" in source, module
