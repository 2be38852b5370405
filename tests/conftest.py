"""Shared fixtures: every test runs against real git, in temporary folders, with
its own git identity and its own Tracker data directory."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest

from data.files import relative_path
from data.sync import add_remote, clone
from tracker.register import Register

TEST_NAME = "Test Person"
TEST_EMAIL = "test.person@council.example"


def write_git_config(path: Path, identity: bool = True) -> None:
    lines = ["[init]", "\tdefaultBranch = main", "[advice]", "\tdetachedHead = false"]
    if identity:
        lines += ["[user]", f"\tname = {TEST_NAME}", f"\temail = {TEST_EMAIL}"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A home of its own for each test: git config with an identity, no system
    config, Tracker's data and config directories inside the test's folder."""
    home = tmp_path_factory.mktemp("home")
    config = home / ".gitconfig"
    write_git_config(config)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("TRACKER_DATA_DIR", str(home / "data"))
    monkeypatch.setenv("TRACKER_CONFIG_DIR", str(home / "config"))
    for name in (
        "GIT_AUTHOR_NAME",
        "GIT_AUTHOR_EMAIL",
        "GIT_COMMITTER_NAME",
        "GIT_COMMITTER_EMAIL",
        "GIT_AUTHOR_DATE",
        "GIT_COMMITTER_DATE",
        "TRACKER_REGISTER",
        "GIT_DIR",
        "GIT_WORK_TREE",
    ):
        monkeypatch.delenv(name, raising=False)
    return home


@pytest.fixture
def no_identity(isolated_environment: Path) -> None:
    """Git with no user.name or user.email configured anywhere."""
    write_git_config(isolated_environment / ".gitconfig", identity=False)


@pytest.fixture
def register(tmp_path: Path) -> Register:
    """A new, empty register."""
    return Register.init(tmp_path / "register", name="Test register")


@pytest.fixture(scope="session")
def _demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tracker.demo import build_demo

    folder = tmp_path_factory.mktemp("demo-template")
    config = folder / "gitconfig"
    write_git_config(config)
    saved = {key: os.environ.get(key) for key in ("GIT_CONFIG_GLOBAL", "GIT_CONFIG_NOSYSTEM")}
    os.environ["GIT_CONFIG_GLOBAL"], os.environ["GIT_CONFIG_NOSYSTEM"] = str(config), "1"
    try:
        build_demo(folder / "demo")
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return folder / "demo"


@pytest.fixture
def demo_register(_demo_template: Path, tmp_path: Path) -> Register:
    """A copy of the demo register (built once per test session)."""
    target = tmp_path / "demo"
    shutil.copytree(_demo_template, target, symlinks=True)
    shutil.rmtree(target / ".tracker", ignore_errors=True)
    return Register.open(target)


def git(root: Path, *args: str) -> str:
    """Run git in a folder and return its output (for assertions in tests)."""
    return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, check=True).stdout


def run_tracker(
    *args: str, cwd: Path | None = None, input: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the real `tracker` command line in a subprocess."""
    environment = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "tracker", *args],
        cwd=cwd,
        input=input,
        capture_output=True,
        text=True,
        env=environment,
    )


@pytest.fixture
def cli(register: Register) -> Iterator[object]:
    """`cli("add", "Title")` runs the real command line against the test register."""

    def invoke(*args: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
        return run_tracker("--register", str(register.root), *args, input=input)

    yield invoke


def sync(root: Path, remote: str | None = None, retries: int = 5) -> object:
    """`tracker sync` in process, through the register's door."""
    return Register.open(root).sync(remote, retries)


# --- clones of one shared register (sync, merges, hostile remotes) ---------------------

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class Clock:
    """A register clock that moves on a minute each time it is read."""

    def __init__(self, start: datetime):
        self.moment = start

    def __call__(self) -> datetime:
        self.moment += timedelta(minutes=1)
        return self.moment


@pytest.fixture
def remote(tmp_path: Path) -> Path:
    """A bare remote holding a new register."""
    bare = tmp_path / "shared.git"
    subprocess.run(["git", "init", "--quiet", "--bare", "--initial-branch=main", str(bare)], check=True)
    first = Register.init(tmp_path / "founder", name="Shared register")
    add_remote(first.root, str(bare))
    sync(first.root)
    return bare


def join(remote: Path, folder: Path, name: str, start: datetime = START) -> Register:
    """A clone of the remote for one person, with their own git identity and clock."""
    register = Register.open(clone(str(remote), folder))
    git(register.root, "config", "user.name", name)
    git(register.root, "config", "user.email", f"{name.split()[0].lower()}@council.example")
    register.clock = Clock(start)
    return register


def document(register: Register, record_id: str) -> dict[str, Any]:
    return orjson.loads((register.root / relative_path(record_id)).read_bytes())


def tree(register: Register) -> str:
    return git(register.root, "rev-parse", "HEAD^{tree}").strip()


@pytest.fixture
def pair(remote: Path, tmp_path: Path) -> tuple[Register, Register]:
    return join(remote, tmp_path / "ann", "Ann Lee"), join(remote, tmp_path / "bo", "Bo Stone")


def shared_issue(first: Register, second: Register, **fields: Any) -> str:
    record_id = first.add_issue(title="Receipts not allocated", area="finance", **fields).id
    sync(first.root)
    sync(second.root)
    return record_id
