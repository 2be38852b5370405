"""Tracker beside Taskwarrior, in pairs alternated in one run.

    python benchmarks/peers.py [--issues 50000] [--repeat 11] [--tracker "python -m tracker"]

The register is the scaling table's (generated once into `benchmarks/work/`); a
Taskwarrior 2.6 database holds the same issues as pending tasks: title as the
description, the record's description as an annotation (so a free-text search
reads the same words in both), area as the project, priority as H/M/L, tags.
Each round runs one Tracker command and then its Taskwarrior pair, so both see
the same load on a shared machine:

- `tracker add` beside `task add` (both write; Tracker also commits);
- `tracker list area:finance priority:urgent,high` beside
  `task project:finance priority:H list` (the same rows: urgent and high are H);
- `tracker list receipts` beside `task receipts list` (free text).

Every figure is a whole process with its output discarded, and its peak memory
(from `wait4`). Prints a markdown table with the ratio Tracker ÷ Taskwarrior
(the target is 0.3× or less for each pair). Never a pass/fail test.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import orjson

HERE = Path(__file__).resolve().parent
WORK = HERE / "work"
sys.path.insert(0, str(HERE))

from generate import IDENTITY  # noqa: E402
from scaling import copy_of, pristine, timed  # noqa: E402

TASKRC = "data.location={data}\nconfirmation=off\nnews.version=2.6.2\nverbose=nothing\n"
PRIORITY = {"urgent": "H", "high": "H", "medium": "M", "low": "L"}
TARGET = 0.3


@dataclass
class Pair:
    """One Tracker command and its Taskwarrior peer, timed in alternation."""

    what: str
    ours: list[float] = field(default_factory=list)
    theirs: list[float] = field(default_factory=list)
    our_peaks: list[float] = field(default_factory=list)
    their_peaks: list[float] = field(default_factory=list)

    def row(self) -> str:
        mine, peer = statistics.median(self.ours), statistics.median(self.theirs)
        ratio = mine / peer
        return (
            f"| {self.what} | {_ms(mine)} ({max(self.our_peaks):.0f} MB) | "
            f"{_ms(peer)} ({max(self.their_peaks):.0f} MB) | {ratio:.2f}× | "
            f"{'yes' if ratio <= TARGET else '**no**'} |"
        )


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"


def task_database(register: Path, issues: int, task: str, env: dict[str, str]) -> Path:
    """Taskwarrior's copy of the register's issues, imported once and kept."""
    folder = WORK / f"taskwarrior-peers-{issues}"
    if (folder / "ready").exists():
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "data").mkdir(parents=True)
    (folder / "taskrc").write_text(TASKRC.format(data=folder / "data"))
    tasks = []
    for table_folder, _dirs, names in os.walk(register / "issues"):
        for name in sorted(names):
            if not name.endswith(".json"):
                continue
            document = orjson.loads(Path(table_folder, name).read_bytes())
            entry = document["created_at"].replace("-", "").replace(":", "")
            task_document = {
                "description": document["title"],
                "status": "pending",
                "project": document["area"].replace(" ", "-"),
                "priority": PRIORITY[document["priority"]],
                "tags": document["tags"],
                "entry": entry,
            }
            if document.get("description"):
                task_document["annotations"] = [{"entry": entry, "description": document["description"]}]
            tasks.append(task_document)
    (folder / "tasks.json").write_bytes(orjson.dumps(tasks))
    environment = {**env, "TASKRC": str(folder / "taskrc"), "TASKDATA": str(folder / "data")}
    subprocess.run(
        [task, "import", str(folder / "tasks.json")], env=environment, check=True, capture_output=True
    )
    (folder / "ready").write_text("ok\n")
    return folder


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--issues", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=11)
    parser.add_argument("--tracker", default=f"{sys.executable} -m tracker")
    args = parser.parse_args()
    task = shutil.which("task")
    if task is None:
        raise SystemExit("Taskwarrior is not installed: apt-get install taskwarrior")
    env = {**os.environ, **IDENTITY, "TRACKER_DATA_DIR": str(WORK / "data")}
    env["TRACKER_CONFIG_DIR"] = str(WORK / "config")
    run = copy_of(pristine(args.issues), WORK / "peers-run")
    kept = task_database(run, args.issues, task, env)
    task_run = WORK / "peers-taskwarrior-run"
    shutil.rmtree(task_run, ignore_errors=True)
    shutil.copytree(kept, task_run)
    (task_run / "taskrc").write_text(TASKRC.format(data=task_run / "data"))
    task_env = {**env, "TASKRC": str(task_run / "taskrc"), "TASKDATA": str(task_run / "data")}
    tracker = [*args.tracker.split(), "-r", str(run)]
    timed([*tracker, "list", "status:open"], env)  # the caches, as a user's register has them
    timed([task, "list", "limit:1"], task_env)
    pairs = {
        "add": Pair("add (Tracker with its commit)"),
        "filtered": Pair("list area:finance, priority urgent or high"),
        "free": Pair("list receipts (free text)"),
    }
    for number in range(args.repeat):
        title = f"Supplier invoices rejected, batch {number}"
        commands = {
            "add": (
                [*tracker, "add", title, "--area", "finance", "--priority", "high"],
                [task, "add", title, "project:finance", "priority:H"],
            ),
            "filtered": (
                [*tracker, "list", "area:finance", "priority:urgent,high"],
                [task, "project:finance", "priority:H", "list"],
            ),
            "free": ([*tracker, "list", "receipts"], [task, "receipts", "list"]),
        }
        for key, (ours, theirs) in commands.items():
            pair = pairs[key]
            seconds, peak = timed(ours, env)
            pair.ours.append(seconds)
            pair.our_peaks.append(peak)
            seconds, peak = timed(theirs, task_env)
            pair.theirs.append(seconds)
            pair.their_peaks.append(peak)
    version = subprocess.run([task, "--version"], capture_output=True, text=True, env=task_env).stdout.strip()
    print(f"\n{args.issues:,} issues; Taskwarrior {version}; {args.repeat} alternated rounds; ", end="")
    print(f"load average {os.getloadavg()[0]:.2f} at the end")
    print("| pair (median, peak memory) | Tracker | Taskwarrior | ratio | ≤ 0.3×? |")
    print("|---|---|---|---|---|")
    for pair in pairs.values():
        print(pair.row())
    return 0


if __name__ == "__main__":
    sys.exit(main())
