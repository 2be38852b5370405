"""Tracker's performance benchmark at programme scale, with its peers in the same run.

    python benchmarks/run.py            # 50,000 issues, 5,000 lessons, 20,000 commits
    python benchmarks/run.py --quick    # a tenth of that, fewer repeats: a smoke run

Generates the register once (cached under benchmarks/work/, which git ignores),
copies it for each run, and times whole processes, as a user waits on them: the
installed `tracker` command, TinyDB's default JSON storage and Taskwarrior (when
`task` is installed). Parts of Tracker that are not built yet (history, export,
sync, the TUI) are reported as "not built yet". Writes benchmarks/RESULTS.md and
prints the same table. Timing is never a pass/fail test: read the table.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

HERE = Path(__file__).resolve().parent
WORK = HERE / "work"
sys.path.insert(0, str(HERE))

from generate import IDENTITY, Generator, Plan, build_register, fast_import  # noqa: E402
from generate import Commit as HistoryCommit  # noqa: E402


@dataclass
class Row:
    """One line of the results table."""

    what: str
    times: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    target: str = ""
    limit: float | None = None
    peer: str = ""
    peer_times: list[float] = field(default_factory=list)
    ratio_limit: float | None = None
    p95_limit: float | None = None
    ratio_at_least: bool = False
    unit: str = "s"
    value: float | None = None
    note: str = ""

    @property
    def median(self) -> float | None:
        if self.value is not None:
            return self.value
        return statistics.median(self.times) if self.times else None

    def ratio(self) -> float | None:
        if self.median is None or not self.peer_times:
            return None
        peer = statistics.median(self.peer_times)
        return peer / self.median if self.ratio_at_least else self.median / peer

    def met(self) -> str:
        if self.median is None:
            return "—"
        checks = []
        if self.limit is not None:
            checks.append(self.median <= self.limit)
        if self.p95_limit is not None and self.times:
            checks.append(_p95(self.times) <= self.p95_limit)
        ratio = self.ratio()
        if ratio is not None and self.ratio_limit is not None:
            checks.append(ratio >= self.ratio_limit if self.ratio_at_least else ratio <= self.ratio_limit)
        return "—" if not checks else ("yes" if all(checks) else "**no**")

    def cells(self) -> list[str]:
        median = self.median
        if median is None:
            return [self.what, self.note or "not built yet", "", "", self.target, "", "", "—"]
        spread = ""
        if len(self.times) > 1:
            spread = f"{_fmt(min(self.times), self.unit)}–{_fmt(max(self.times), self.unit)}"
            if len(self.times) >= 10:
                spread += f" (p95 {_fmt(_p95(self.times), self.unit)})"
            spread += f", n={len(self.times)}"
        peer = ""
        if self.peer_times:
            peer = f"{self.peer} {_fmt(statistics.median(self.peer_times), 's')}"
        elif self.peer:
            peer = self.peer
        ratio = self.ratio()
        ratio_text = "" if ratio is None else f"{ratio:.2f}×"
        what = self.what + (f" ({self.note})" if self.note else "")
        cpu = _fmt(statistics.median(self.cpu), "s") if self.cpu else ""
        return [what, _fmt(median, self.unit), spread, cpu, self.target, peer, ratio_text, self.met()]


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _fmt(value: float, unit: str) -> str:
    if unit == "s":
        return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"
    if unit == "kB":
        return f"{value:.1f} kB"
    if unit == "MB":
        return f"{value:.0f} MB"
    return f"{value:g} {unit}"


# --- running things -------------------------------------------------------------------


class Runner:
    """Runs commands against one register with an isolated identity and data folder."""

    def __init__(self, tracker: list[str], register: Path, extra_env: dict[str, str] | None = None):
        self.tracker = tracker
        self.register = register
        self.cpu_times: list[float] = []
        # As on a user's machine, Python may keep compiled bytecode: a shell that sets
        # PYTHONDONTWRITEBYTECODE would have every run compile Tracker from source.
        environment = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
        self.env = {
            **environment,
            **IDENTITY,
            "TRACKER_DATA_DIR": str(WORK / "data"),
            "TRACKER_CONFIG_DIR": str(WORK / "config"),
            **(extra_env or {}),
        }

    def run(
        self,
        args: Sequence[str],
        *,
        check: bool = True,
        env: dict[str, str] | None = None,
        cwd: Path | None = None,
    ) -> subprocess.CompletedProcess[bytes]:
        result = subprocess.run(list(args), capture_output=True, env=env or self.env, cwd=cwd)
        if check and result.returncode != 0:
            raise RuntimeError(
                f"{' '.join(args[:4])}… failed: {result.stderr.decode(errors='replace')[-500:]}"
            )
        return result

    def timed(self, args: Sequence[str], **kwargs: Any) -> float:
        """Wall-clock seconds; the process's CPU time (its git children included)
        is kept in `cpu_times` until taken."""
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        self.run(args, **kwargs)
        elapsed = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        self.cpu_times.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
        return elapsed

    def take_cpu(self) -> list[float]:
        taken, self.cpu_times = self.cpu_times, []
        return taken

    def tracker_args(self, *args: str) -> list[str]:
        return [*self.tracker, "-r", str(self.register), *args]

    def has_command(self, name: str) -> bool:
        return self.run(self.tracker_args(name, "--help"), check=False).returncode == 0

    def help_text(self, name: str) -> str:
        return self.run(self.tracker_args(name, "--help"), check=False).stdout.decode()

    def git(self, *args: str, root: Path | None = None) -> str:
        return self.run(["git", "-C", str(root or self.register), *args]).stdout.decode().strip()


def object_files(root: Path) -> dict[str, int]:
    """Every loose object and pack file under .git/objects, with its size in bytes."""
    found = {}
    for folder, _dirs, names in os.walk(root / ".git" / "objects"):
        for name in names:
            path = os.path.join(folder, name)
            found[path] = os.path.getsize(path)
    return found


def du_kib(path: Path) -> int:
    """Disk usage as `du -sk` reports it."""
    return int(subprocess.run(["du", "-sk", str(path)], capture_output=True, check=True).stdout.split()[0])


# --- the register -----------------------------------------------------------------------


def pristine_register(plan: Plan, fresh: bool) -> tuple[Path, dict[str, float]]:
    """The generated register for these sizes, generated once and reused."""
    folder = WORK / f"register-{plan.issues}-{plan.lessons}-{plan.commits}"
    record = folder / "generation.json"
    if fresh and folder.exists():
        shutil.rmtree(folder)
    if not record.exists():
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        print(
            f"generating {plan.issues:,} issues, {plan.lessons:,} lessons, {plan.commits:,} commits…",
            file=sys.stderr,
        )
        timings = build_register(folder / "register", plan)
        record.write_bytes(orjson.dumps(timings))
    return folder / "register", orjson.loads(record.read_bytes())


def working_copy(pristine: Path, runner_env: dict[str, str]) -> Path:
    """A fresh copy of the pristine register for this run, its index refreshed."""
    target = WORK / "run"
    if target.exists():
        shutil.rmtree(target)
    subprocess.run(["cp", "-a", str(pristine), str(target)], check=True)
    subprocess.run(["git", "-C", str(target), "update-index", "-q", "--refresh"], env=runner_env, check=False)
    return target


def record_ids(root: Path, table: str) -> list[str]:
    return sorted(
        name[:-5]
        for _folder, _dirs, names in os.walk(root / table)
        for name in names
        if name.endswith(".json")
    )


def read_record(root: Path, record_id: str) -> dict[str, Any]:
    from data.files import relative_path

    document: dict[str, Any] = orjson.loads((root / relative_path(record_id)).read_bytes())
    return document


# --- Tracker's rows ---------------------------------------------------------------------


def measure_cli(runner: Runner, counts: dict[str, int], rows: dict[str, Row], last_day: date) -> None:
    """The core commands, each repeated; `last_day` is the generated history's last day."""
    root = runner.register
    issues = record_ids(root, "issues")
    busiest = max(issues[:3000], key=lambda i: len(read_record(root, i)["updates"]))
    fast, slow = counts["fast"], counts["slow"]
    sample(runner, rows["cold"], slow, lambda _i: _list_without_cache(runner))
    runner.run(runner.tracker_args("list", "status:open", "severity:high"))
    sample(runner, rows["list"], fast, lambda _i: runner.timed(runner.tracker_args("list", *QUERY)))
    sample(runner, rows["show"], fast, lambda _i: runner.timed(runner.tracker_args("show", busiest)))
    sample(
        runner,
        rows["add"],
        fast,
        lambda i: runner.timed(
            runner.tracker_args(
                "add",
                f"Benchmark issue {i}: supplier invoices rejected by the interface",
                "--severity",
                "high",
                "--area",
                "finance",
                "--status",
                "open",
                "--description",
                "Invoices from three suppliers were rejected overnight. " * 8,
            )
        ),
    )
    edited = issues[len(issues) // 10 :][:fast]
    before, files_before = du_kib(root / ".git" / "objects"), object_files(root)
    sample(
        runner,
        rows["edit"],
        fast,
        lambda i: runner.timed(
            runner.tracker_args("edit", edited[i], "--status", _other_status(root, edited[i]))
        ),
    )
    written = sum(size for path, size in object_files(root).items() if path not in files_before)
    on_disk = (du_kib(root / ".git" / "objects") - before) * 1.024 / len(edited)
    rows["growth"].value = written / 1000 / len(edited)
    rows["growth"].note = (
        f"bytes of the objects git wrote, over {len(edited)} edits; du of .git/objects "
        f"grew {on_disk:.1f} kB an edit, counting 4 kB blocks and new fan-out folders"
    )
    refreshed = issues[len(issues) // 5 :][:slow]
    sample(runner, rows["refresh"], slow, lambda i: _list_after_edit(runner, refreshed[i]))
    if runner.has_command("history"):
        sample(
            runner, rows["history"], fast, lambda _i: runner.timed(runner.tracker_args("history", busiest))
        )
    since = (last_day - timedelta(days=30)).isoformat()
    sample(runner, rows["log"], fast, lambda _i: runner.timed(runner.tracker_args("log", "--since", since)))
    lines = runner.run(runner.tracker_args("log", "--since", since)).stdout.count(b"\n")
    rows["log"].note = f"{lines:,} lines of output"
    if runner.has_command("export"):
        sample(runner, rows["export"], slow, lambda _i: runner.timed(_export_args(runner)))


QUERY = ("status:open", "severity:high")


def sample(runner: Runner, row: Row, count: int, action: Callable[[int], float]) -> None:
    """Run `action` `count` times into `row`: wall times, and the CPU times that
    `Runner.timed` kept for them."""
    runner.take_cpu()
    row.times = [action(index) for index in range(count)]
    row.cpu = runner.take_cpu()


CACHE_FILES = ("cache.json", "listing.pickle", "texts.pickle")


def drop_caches(register: Path) -> None:
    """Remove every cache Tracker keeps in `.tracker/`: the next command rebuilds from git."""
    for name in CACHE_FILES:
        (register / ".tracker" / name).unlink(missing_ok=True)


def _list_without_cache(runner: Runner) -> float:
    drop_caches(runner.register)
    return runner.timed(runner.tracker_args("list", "status:open", "severity:high"))


def _list_after_edit(runner: Runner, record_id: str) -> float:
    runner.run(runner.tracker_args("edit", record_id, "--status", _other_status(runner.register, record_id)))
    return runner.timed(runner.tracker_args("list", "status:open", "severity:high"))


def _other_status(root: Path, record_id: str) -> str:
    return "in progress" if read_record(root, record_id)["status"] != "in progress" else "open"


def _export_args(runner: Runner) -> list[str]:
    """`tracker export` for the public audience over the whole register, written
    into the work folder; options are taken from the command's own help."""
    help_text = runner.help_text("export")
    args = runner.tracker_args("export")
    if "--audience" in help_text:
        args += ["--audience", "public"]
    elif "--public" in help_text:
        args.append("--public")
    if "--output" in help_text:
        args += ["--output", str(WORK / "export-public.md")]
    return args


# --- sync ---------------------------------------------------------------------------------


def measure_sync(runner: Runner, rounds: int, changes: int, row: Row) -> None:
    """`tracker sync` merging `changes` commits pushed by another clone, with one
    local change of its own so that a real merge happens."""
    if not runner.has_command("sync"):
        return
    remote = WORK / "sync-remote.git"
    if remote.exists():
        shutil.rmtree(remote)
    runner.run(["git", "clone", "--quiet", "--bare", str(runner.register), str(remote)])
    runner.run(["git", "-C", str(runner.register), "remote", "remove", "origin"], check=False)
    runner.git("remote", "add", "origin", str(remote))
    runner.git("fetch", "--quiet", "origin")
    runner.git("branch", "--quiet", "--set-upstream-to", "origin/main", "main")
    issues = record_ids(runner.register, "issues")
    for number in range(rounds):
        theirs = issues[len(issues) // 2 + number * changes :][:changes]
        _push_changes(remote, theirs, number)
        mine = issues[len(issues) // 3 + number]
        runner.run(runner.tracker_args("edit", mine, "--status", _other_status(runner.register, mine)))
        row.times.append(runner.timed(runner.tracker_args("sync")))
        row.cpu.append(runner.take_cpu()[-1])
        merged = runner.git("rev-list", "--count", "HEAD..origin/main")
        if merged != "0":
            raise RuntimeError(f"tracker sync left {merged} incoming commits unmerged")
    row.note = f"{changes:,} incoming commits, one local"


def _push_changes(remote: Path, ids: list[str], number: int) -> None:
    """Commits that another clone pushed: one edit or update per record."""
    from data.files import relative_path

    listing = "\n".join(f"main:{relative_path(record_id)}" for record_id in ids).encode()
    output = subprocess.run(
        ["git", "-C", str(remote), "cat-file", "--batch"], input=listing, capture_output=True, check=True
    ).stdout
    generator = Generator(Plan(len(ids), 0, len(ids), seed=100 + number))
    position = 0
    for record_id in ids:
        header_end = output.index(b"\n", position)
        size = int(output[position:header_end].split()[2])
        generator.documents[record_id] = orjson.loads(output[header_end + 1 : header_end + 1 + size])
        position = header_end + 1 + size + 1
    generator.issue_ids = list(ids)
    moment = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)

    def history() -> Any:
        for index in range(len(ids)):
            generator.issue_ids = [ids[index]]
            changed, message = generator.edit(moment + timedelta(seconds=index), "Rachel Byrne")
            files = {relative_path(i): _encode(generator.documents[i]) for i in changed}
            yield HistoryCommit(
                moment + timedelta(seconds=index),
                ("Rachel Byrne", "rachel.byrne@council.example"),
                message,
                files,
            )

    fast_import(remote, history(), parent="refs/heads/main^0")


def _encode(document: dict[str, Any]) -> bytes:
    from data.files import encode

    return encode(document)


# --- the TUI --------------------------------------------------------------------------------


def measure_tui(runner: Runner, python: str, rows: dict[str, Row], warm_runs: int) -> None:
    """Run benchmarks/tui_probe.py in its own process, warm cache then no cache."""
    found = runner.run(
        [python, "-c", "import importlib.util as u; print(bool(u.find_spec('tracker.tui.app')))"]
    )
    if found.stdout.strip() != b"True":
        return
    probe = [python, str(HERE / "tui_probe.py"), str(runner.register)]
    warm = [_probe(runner, probe) for _ in range(warm_runs)]
    cold = []
    for _ in range(warm_runs - 1):
        drop_caches(runner.register)
        cold.append(_probe(runner, probe))
    for report in warm + cold:
        if "error" in report:
            for key in ("tui-warm", "tui-cold", "keystroke", "save", "blocked", "memory"):
                rows[key].note = f"probe failed: {report['error']}"
            return
    rows["tui-warm"].times = [report["first_paint"] for report in warm]
    rows["tui-cold"].times = [report["first_paint"] for report in cold]
    rows["keystroke"].times = [t for report in warm for t in report.get("keystrokes", [])]
    rows["save"].times = [t for report in warm for t in report.get("saves", [])]
    rows["blocked"].times = [max(report["blocked"] for report in warm + cold)]
    rows["memory"].value = max(report["peak_mb"] for report in warm + cold)
    for key in ("keystroke", "save"):
        if not rows[key].times:
            rows[key].note = warm[0].get(f"{key}_note", "the probe found no way to do this yet")


def _probe(runner: Runner, probe: list[str]) -> dict[str, Any]:
    started = time.time()
    result = runner.run([*probe, repr(started)], check=False)
    if result.returncode != 0:
        lines = result.stderr.decode(errors="replace").strip().splitlines()
        return {"error": lines[-1] if lines else f"exit status {result.returncode}"}
    report: dict[str, Any] = orjson.loads(result.stdout.splitlines()[-1])
    return report


# --- peers --------------------------------------------------------------------------------

TINYDB_INSERT = """
import sys
from tinydb import TinyDB
db = TinyDB(sys.argv[1])
db.insert({"title": "Supplier invoices rejected by the interface", "status": "open", "severity": "high"})
"""
TINYDB_UPDATE = """
import sys
from tinydb import TinyDB
db = TinyDB(sys.argv[1])
db.update({"status": sys.argv[3]}, doc_ids=[int(sys.argv[2])])
"""


def measure_tinydb(runner: Runner, python: str, count: int, repeats: int, rows: dict[str, Row]) -> None:
    """TinyDB's default single-file JSONStorage at `count` records: the naive use."""
    path = WORK / f"tinydb-{count}.json"
    if not path.exists():
        root = runner.register
        documents = {
            str(n): read_record(root, record_id)
            for n, record_id in enumerate(record_ids(root, "issues")[:count], start=1)
        }
        path.write_bytes(orjson.dumps({"_default": documents}))
    sample(
        runner,
        rows["tinydb-insert"],
        repeats,
        lambda _n: runner.timed([python, "-c", TINYDB_INSERT, str(path)]),
    )
    sample(
        runner,
        rows["tinydb-update"],
        repeats,
        lambda n: runner.timed([python, "-c", TINYDB_UPDATE, str(path), str(100 + n), "resolved"]),
    )
    rows["edit"].peer_times = rows["tinydb-update"].times


TASKRC = "data.location={data}\nconfirmation=off\nnews.version=2.6.2\n"


def measure_taskwarrior(runner: Runner, count: int, repeats: int, rows: dict[str, Row]) -> str:
    """Taskwarrior 2.6 `task add` and a filtered `task list` on `count` pending tasks."""
    task = shutil.which("task")
    if task is None:
        note = "Taskwarrior not installed (apt-get install taskwarrior); skipped"
        for key in ("task-add", "task-list"):
            rows[key].note = note
        return note
    folder = WORK / f"taskwarrior-{count}"
    rc = folder / "taskrc"
    env = {**runner.env, "TASKRC": str(rc), "TASKDATA": str(folder / "data")}
    if not (folder / "ready").exists():
        if folder.exists():
            shutil.rmtree(folder)
        (folder / "data").mkdir(parents=True)
        rc.write_text(TASKRC.format(data=folder / "data"))
        _import_tasks(runner, task, folder, count, env)
        (folder / "ready").write_text("ok\n")
    run_folder = WORK / "taskwarrior-run"
    if run_folder.exists():
        shutil.rmtree(run_folder)
    shutil.copytree(folder, run_folder)
    (run_folder / "taskrc").write_text(TASKRC.format(data=run_folder / "data"))
    env = {**runner.env, "TASKRC": str(run_folder / "taskrc"), "TASKDATA": str(run_folder / "data")}
    sample(
        runner,
        rows["task-add"],
        repeats,
        lambda n: runner.timed(
            [task, "add", f"Supplier invoices rejected, batch {n}", "project:finance", "priority:H"], env=env
        ),
    )
    sample(
        runner,
        rows["task-list"],
        repeats,
        lambda _n: runner.timed([task, "project:finance", "priority:H", "list"], env=env),
    )
    rows["add"].peer_times = rows["task-add"].times
    rows["list"].peer_times = rows["task-list"].times
    version = runner.run([task, "--version"], env=env).stdout.decode().strip()
    return f"Taskwarrior {version}, {count:,} pending tasks"


def _import_tasks(runner: Runner, task: str, folder: Path, count: int, env: dict[str, str]) -> None:
    issues = record_ids(runner.register, "issues")[:count]
    priority = {"urgent": "H", "high": "H", "medium": "M", "low": "L"}
    tasks = []
    for record_id in issues:
        document = read_record(runner.register, record_id)
        tasks.append(
            {
                "description": document["title"],
                "status": "pending",
                "project": document["area"].replace(" ", "-"),
                "priority": priority[document["priority"]],
                "tags": document["tags"],
                "entry": document["created_at"].replace("-", "").replace(":", ""),
            }
        )
    path = folder / "tasks.json"
    path.write_bytes(orjson.dumps(tasks))
    runner.run([task, "import", str(path)], env=env)


# --- the table -------------------------------------------------------------------------------


def rows_template() -> dict[str, Row]:
    return {
        "add": Row(
            "`tracker add` (with its commit)",
            target="≤ 0.25 s and ≤ 0.4× task add",
            limit=0.25,
            peer="task add",
            ratio_limit=0.4,
        ),
        "list": Row(
            "`tracker list status:open severity:high` (cache warm)",
            target="≤ 0.5 s and ≤ 0.4× filtered task list",
            limit=0.5,
            peer="task list",
            ratio_limit=0.4,
        ),
        "refresh": Row("`tracker list` just after an edit (cache refreshed)", target="(≤ 0.5 s)", limit=0.5),
        "cold": Row("`tracker list` with no load cache (rebuilt from git)", target="(TUI: ≤ 3 s)", limit=3.0),
        "show": Row("`tracker show ID`", target="≤ 0.2 s", limit=0.2),
        "edit": Row(
            "`tracker edit ID --status …` (with its commit)",
            target="≥ 10× faster than TinyDB update",
            peer="TinyDB update",
            ratio_limit=10,
            ratio_at_least=True,
        ),
        "history": Row("`tracker history ID` over the full history", target="≤ 0.3 s", limit=0.3),
        "log": Row("`tracker log --since` one month", target="≤ 1 s", limit=1.0),
        "export": Row("`tracker export` public, whole register", target="≤ 3 s", limit=3.0),
        "growth": Row(".git growth per edit before gc", target="≤ 50 kB", limit=50.0, unit="kB"),
        "sync": Row("`tracker sync` merging 1,000 incoming changes", target="≤ 10 s", limit=10.0),
        "tui-warm": Row("TUI start to first paint, cache warm", target="≤ 0.6 s", limit=0.6),
        "tui-cold": Row("TUI first open, no cache", target="≤ 3 s", limit=3.0),
        "keystroke": Row(
            "TUI filter keystroke to repaint",
            target="median ≤ 50 ms, p95 ≤ 100 ms",
            limit=0.05,
            p95_limit=0.1,
        ),
        "save": Row("TUI save to commit landed", target="median ≤ 150 ms", limit=0.15),
        "blocked": Row("TUI longest UI-thread block", target="≤ 50 ms", limit=0.05),
        "memory": Row("TUI peak memory", target="≤ 400 MB", limit=400.0, unit="MB"),
        "tinydb-insert": Row("peer: TinyDB default JSONStorage, insert one record"),
        "tinydb-update": Row("peer: TinyDB default JSONStorage, update one record"),
        "task-add": Row("peer: Taskwarrior `task add`"),
        "task-list": Row("peer: Taskwarrior `task project:finance priority:H list`"),
    }


def machine(tracker: list[str]) -> list[str]:
    memory = next(
        (
            line.split()[1]
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        ),
        "0",
    )
    git_version = subprocess.run(["git", "--version"], capture_output=True, text=True).stdout.strip()
    load = os.getloadavg()
    return [
        f"- Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"- Machine: {os.cpu_count()} cores ({platform.processor() or platform.machine()}), "
        f"{int(memory) / 1024 / 1024:.1f} GB memory, {platform.system()} {platform.release()}",
        f"- Python {platform.python_version()}, {git_version}",
        f"- Load average when the run started: {load[0]:.2f} (other work on the machine makes figures noisier)",
        f"- Tracker command: `{' '.join(tracker)}`",
    ]


def table(rows: dict[str, Row]) -> str:
    lines = [
        "| what | median | spread | CPU median | target | peer | ratio | met? |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in rows.values():
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in row.cells()) + " |")
    return "\n".join(lines)


def tracker_command(given: str | None) -> list[str]:
    """The real console script beside this Python (a pyenv shim would add its own start-up)."""
    if given:
        return given.split()
    beside = Path(sys.executable).parent / "tracker"
    found = str(beside) if beside.exists() else shutil.which("tracker")
    if found is None:
        raise SystemExit("tracker is not installed: pip install -e .")
    return [found]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help="5,000 issues, 500 lessons, 2,000 commits; fewer repeats."
    )
    parser.add_argument("--fresh", action="store_true", help="Generate the register again.")
    parser.add_argument("--repeat", type=int, help="Runs per fast measurement (default 11, quick 5).")
    parser.add_argument("--tracker", help="The Tracker command to time (default: the installed `tracker`).")
    parser.add_argument("--output", type=Path, default=HERE / "RESULTS.md")
    parser.add_argument("--skip-peers", action="store_true", help="Skip TinyDB and Taskwarrior.")
    args = parser.parse_args(argv)
    plan = Plan(5_000, 500, 2_000) if args.quick else Plan(50_000, 5_000, 20_000)
    fast = args.repeat or (5 if args.quick else 11)
    counts = {"fast": fast, "slow": max(3, fast // 3)}
    tracker = tracker_command(args.tracker)
    # An installed package has its bytecode compiled (pip does it); an editable
    # checkout writes it on first use, unless the shell forbids it: compile now.
    packages = [str(HERE.parent / name) for name in ("tracker", "data", "exports", "widgets")]
    subprocess.run([sys.executable, "-m", "compileall", "-q", *packages], capture_output=True, check=False)
    header = machine(tracker)
    pristine, generation = pristine_register(plan, args.fresh)
    runner = Runner(tracker, Path())
    runner.register = working_copy(pristine, runner.env)
    last_day = date.fromisoformat(runner.git("log", "-1", "--format=%cs"))
    rows = rows_template()
    python = sys.executable
    steps: list[tuple[str, Callable[[], Any]]] = [
        ("tracker CLI", lambda: measure_cli(runner, counts, rows, last_day))
    ]
    peers = "Taskwarrior skipped (--skip-peers)" if args.skip_peers else "Taskwarrior not measured yet"
    if not args.skip_peers:
        steps += [
            ("TinyDB", lambda: measure_tinydb(runner, python, plan.issues, counts["slow"], rows)),
            ("Taskwarrior", lambda: measure_taskwarrior(runner, plan.issues, fast, rows)),
        ]
    steps += [
        ("sync", lambda: measure_sync(runner, 1 if args.quick else 3, 1_000, rows["sync"])),
        ("TUI", lambda: measure_tui(runner, python, rows, 2 if fast <= 5 else 3)),
    ]
    header += [
        f"- Register: {plan.issues:,} issues, {plan.lessons:,} lessons, {plan.commits:,} commits "
        f"(generated in {generation['total']:.0f} s: history {generation['history']:.0f} s through "
        f"git fast-import, checkout {generation['checkout']:.0f} s, commit-graph {generation['commit-graph']:.0f} s)",
    ]
    for number, (name, step) in enumerate(steps):
        print(f"measuring {name}…", file=sys.stderr)
        result = step()
        if name == "Taskwarrior":
            peers = result
        pending = [later for later, _ in steps[number + 1 :]]
        peer_line = (
            f"- Peers: TinyDB {_version('tinydb')} default JSONStorage at {plan.issues:,} records; {peers}"
        )
        text = (
            "# Benchmark results\n\n"
            + "\n".join([*header, peer_line])
            + "\n\n"
            + table(rows)
            + "\n\n"
            + NOTES
        )
        if pending:
            text += f"\n(Run in progress: {', '.join(pending)} not measured yet.)\n"
        args.output.write_text(text, encoding="utf-8")
    print(text)
    return 0


def _version(package: str) -> str:
    from importlib.metadata import version

    return version(package)


NOTES = """Every figure is a whole process as a user waits on it (start to exit), except the
TUI rows, which come from benchmarks/tui_probe.py inside one process, and .git growth.
Spread is min–max over the runs, with the 95th percentile when there are ten or more.
Ratios are Tracker ÷ peer (lower is better), except for the edit row, where it is how many
times faster Tracker is than TinyDB. Rows without figures name the part not built yet.
See benchmarks/README.md for what each row measures.
"""


if __name__ == "__main__":
    sys.exit(main())
