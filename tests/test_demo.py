"""The demo register: built from its story file into the same register as
before the story became data, and reopened, never silently rebuilt, when
`tracker demo` runs again.

tests/golden/demo-register.txt is the demo built on a fixed day: every commit
(dates, authors, messages) and every file, with record IDs numbered in order of
appearance since they are random. Regenerate it after an intended change to
the story with

    UPDATE_GOLDEN=1 python -m pytest tests/test_demo.py
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import git, run_tracker

from data.errors import TrackerError
from tracker.demo import build_demo, is_demo_register
from tracker.demo.story import parse_story, read_story

GOLDEN = Path(__file__).parent / "golden" / "demo-register.txt"
BUILT_ON = datetime(2025, 6, 11, 12, 0, tzinfo=UTC)
RANDOM_ID = re.compile(r"\b(ISS|LES|UPD)-[0-9A-Z]{6,8}\b")


def fingerprint(root: Path) -> str:
    """Every commit oldest first and every file, with IDs numbered as they appear."""
    names: dict[str, str] = {}

    def numbered(text: str) -> str:
        return RANDOM_ID.sub(lambda m: names.setdefault(m[0], f"{m[1]}-#{len(names) + 1}"), text)

    log = git(root, "log", "--reverse", "--format=--- commit %aI %an <%ae> | %cI %cn%n%B")
    parts = [numbered(log)]
    paths = git(root, "ls-files").split()

    def order(path: str) -> tuple[str, int, str]:
        name = re.sub(r"/[0-9A-Z]{2}/", "/", numbered(path))
        number = re.search(r"#(\d+)", name)
        return name.split("#")[0], int(number[1]) if number else 0, name

    for path in sorted(paths, key=order):
        parts.append(f"--- file {order(path)[2]}\n{numbered((root / path).read_text(encoding='utf-8'))}")
    return "\n".join(parts)


def test_the_demo_is_built_from_its_story_into_the_same_register_as_before(tmp_path: Path) -> None:
    root = tmp_path / "demo"
    build_demo(root, now=BUILT_ON)
    found = fingerprint(root)
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.write_text(found, encoding="utf-8")
    assert found == GOLDEN.read_text(encoding="utf-8")


def test_the_story_names_28_issues_8_lessons_and_everyone_in_them() -> None:
    story = read_story()
    assert (len(story.issues), len(story.lessons), len(story.people)) == (28, 8, 7)
    assert all(issue.steps or issue.key == "pcard-transactions" for issue in story.issues)


def test_a_mistake_in_the_story_file_is_one_line_naming_the_entry() -> None:
    good = {
        "go_live_days_ago": 10,
        "register": {"name": "N", "report_title": "T", "programme": "P", "keeper": "Ann"},
        "people": {"Ann": {"role": "Lead", "email": "ann@council.example"}},
        "issues": [{"key": "one", "title": "One", "severity": "low", "by": "Ann", "owner": "Ann", "day": 1}],
    }
    assert parse_story(good).issues[0].fields == {"title": "One", "severity": "low"}
    bad_step = {
        **good,
        "issues": [{**good["issues"][0], "story": [{"after": 1, "status": "open", "comment": "x"}]}],
    }
    with pytest.raises(TrackerError, match=r"issue 1 \(one\): a story step gives `after` and one of"):
        parse_story(bad_step)
    with pytest.raises(TrackerError, match="not in \\[people\\]: Bob"):
        parse_story({**good, "issues": [{**good["issues"][0], "owner": "Bob"}]})
    with pytest.raises(TrackerError, match="lessons learned from unknown issues: two"):
        parse_story({**good, "lessons": [{"title": "L", "by": "Ann", "day": 2, "learned_from": ["two"]}]})
    with pytest.raises(TrackerError, match=r"story\.toml: register is missing"):
        parse_story({key: value for key, value in good.items() if key != "register"})


def commits(root: Path) -> int:
    return int(git(root, "rev-list", "--count", "HEAD"))


def test_running_tracker_demo_again_reopens_the_register_with_the_users_changes(demo_register) -> None:
    root = demo_register.root
    added = run_tracker("--register", str(root), "add", "My own issue")
    assert added.returncode == 0, added.stderr
    before = commits(root)
    again = run_tracker("demo", str(root), "--no-open")
    assert again.returncode == 0, again.stderr
    assert "Reopening the demo register" in again.stderr and "--fresh" in again.stderr
    assert commits(root) == before
    assert "My own issue" in run_tracker("--register", str(root), "list").stdout


def test_the_default_demo_register_is_reopened_too(demo_register, isolated_environment: Path) -> None:
    default = isolated_environment / "data" / "demo"
    default.parent.mkdir(parents=True, exist_ok=True)
    demo_register.root.rename(default)
    before = commits(default)
    again = run_tracker("demo", "--no-open")
    assert again.returncode == 0, again.stderr
    assert f"Reopening the demo register at {default}" in again.stderr
    assert commits(default) == before


def test_fresh_without_a_terminal_needs_yes_and_changes_nothing(demo_register) -> None:
    root = demo_register.root
    before = commits(root)
    refused = run_tracker("demo", str(root), "--no-open", "--fresh", input="")
    assert refused.returncode == 1
    assert refused.stderr.strip().endswith(
        "--fresh replaces the demo register and your changes in it; add --yes"
    )
    assert commits(root) == before


def test_fresh_asks_on_a_terminal_and_no_keeps_the_register(demo_register) -> None:
    root = demo_register.root
    before = commits(root)
    main, side = os.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "tracker", "demo", str(root), "--no-open", "--fresh"],
        stdin=side,
        stdout=side,
        stderr=side,
    )
    os.close(side)
    os.write(main, b"n\n")
    shown = b""
    while True:
        try:
            chunk = os.read(main, 1024)
        except OSError:  # the terminal closes when the process ends
            break
        if not chunk:
            break
        shown += chunk
    process.wait()
    os.close(main)
    assert b"Replace the demo register at" in shown and b"every change made in it? [y/N]" in shown
    assert process.returncode == 1
    assert commits(root) == before


def test_fresh_with_yes_builds_the_demo_again_without_the_users_changes(demo_register) -> None:
    root = demo_register.root
    run_tracker("--register", str(root), "add", "My own issue")
    rebuilt = run_tracker("demo", str(root), "--no-open", "--fresh", "--yes")
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "Demo register ready" in rebuilt.stderr
    assert "My own issue" not in run_tracker("--register", str(root), "list").stdout
    assert is_demo_register(root)


def test_a_folder_that_is_not_a_demo_register_is_never_replaced(tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "notes.txt").write_text("keep me")
    for extra in ((), ("--fresh", "--yes")):
        refused = run_tracker("demo", str(folder), "--no-open", *extra)
        assert refused.returncode == 1 and "not empty" in refused.stderr
    assert (folder / "notes.txt").read_text() == "keep me"
