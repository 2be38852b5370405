"""How Tracker's costs grow with the register: the scaling table.

    python benchmarks/scaling.py [--sizes 5000,50000,200000] [--repeat 5] [--tui]

For each size (issues; lessons a tenth, commits two fifths), the register is
generated once into `benchmarks/work/register-I-L-C/` as `run.py` does, copied
for the run, and each row timed as a whole process, as a user waits on it,
with the process's peak memory (its largest resident size, from GNU time when
installed, else `wait4`; for a command that starts workers or git, the largest
of them). `--tui` adds the
rows of `tmux_probe.py` (tmux must be installed). Prints a markdown table.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

HERE = Path(__file__).resolve().parent
WORK = HERE / "work"
sys.path.insert(0, str(HERE))

from generate import IDENTITY, Plan, build_register  # noqa: E402


@dataclass
class Measured:
    times: list[float] = field(default_factory=list)
    peaks: list[float] = field(default_factory=list)

    def cell(self) -> str:
        if not self.times:
            return "—"
        median = statistics.median(self.times)
        shown = f"{median * 1000:.0f} ms" if median < 1 else f"{median:.2f} s"
        return f"{shown} ({max(self.peaks):.0f} MB)" if self.peaks else shown


GNU_TIME = shutil.which("time") or ""
"""GNU time, when installed, reports the process's peak memory. Read from
`wait4` here instead, the figure would start from this benchmark's own size:
the child is forked from it, and Linux keeps a process's peak from before its
`exec`."""


def timed(args: list[str], env: dict[str, str], cwd: Path | None = None) -> tuple[float, float]:
    """Wall seconds and peak resident MB of one whole process (output discarded)."""
    with tempfile.NamedTemporaryFile("r", suffix=".peak") as peak_file:
        wrapped = [GNU_TIME, "-f", "%M", "-o", peak_file.name, *args] if GNU_TIME else args
        started = time.perf_counter()
        process = subprocess.Popen(
            wrapped, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=cwd
        )
        _pid, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            assert process.stderr is not None
            raise RuntimeError(f"{' '.join(args[:5])}… failed: {process.stderr.read().decode()[-400:]}")
        written = peak_file.read().strip().splitlines()
    kilobytes = int(written[-1]) if GNU_TIME and written else usage.ru_maxrss
    return elapsed, kilobytes / 1024


def pristine(issues: int) -> Path:
    plan = Plan(issues, issues // 10, issues * 2 // 5)
    folder = WORK / f"register-{plan.issues}-{plan.lessons}-{plan.commits}"
    if not (folder / "generation.json").exists():
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        print(f"generating {issues:,} issues…", file=sys.stderr)
        (folder / "generation.json").write_bytes(orjson.dumps(build_register(folder / "register", plan)))
    return folder / "register"


def copy_of(source: Path, target: Path, stale: bool = False) -> Path:
    """`cp -a`; `stale` also moves every record file's time, as a restore does."""
    shutil.rmtree(target, ignore_errors=True)
    subprocess.run(["cp", "-a", str(source), str(target)], check=True)
    if stale:
        later = time.time_ns()
        for table in ("issues", "lessons"):
            for folder, _dirs, names in os.walk(target / table):
                for name in names:
                    os.utime(os.path.join(folder, name), ns=(later, later))
    else:
        subprocess.run(["git", "-C", str(target), "update-index", "-q", "--refresh"], check=True)
    return target


def measure(issues: int, tracker: list[str], repeat: int, tui: bool) -> dict[str, Measured]:
    env = {**os.environ, **IDENTITY, "TRACKER_DATA_DIR": str(WORK / "data")}
    env["TRACKER_CONFIG_DIR"] = str(WORK / "config")
    run = copy_of(pristine(issues), WORK / "scaling-run")
    rows: dict[str, Measured] = {}

    def row(name: str, args: list[str], times: int, before: Any = None, root: Path = run) -> None:
        found = rows.setdefault(name, Measured())
        for _ in range(times):
            if before is not None:
                before()
            seconds, peak = timed([*tracker, "-r", str(root), *args], env)
            found.times.append(seconds)
            found.peaks.append(peak)

    row("list (cache warm)", ["list", "status:open", "severity:high"], 1)  # builds the caches
    rows.clear()
    row("list status:open severity:high (cache warm)", ["list", "status:open", "severity:high"], repeat)
    row("list receipts (free text)", ["list", "receipts"], repeat)
    row("show ID", ["show", first_issue(run)], repeat)
    row("add (with its commit)", ["add", "Bench title", "--severity", "high", "--area", "finance"], repeat)
    report = ["export", "-o", str(WORK / "scaling-export.md")]
    row("export", report, 1)  # builds the record store and the kept history
    rows.pop("export")
    row("export public report, whole register", report, repeat)
    row(
        "export public CSV, every issue",
        ["export", "--format", "csv", "-o", str(WORK / "scaling.csv")],
        repeat,
    )
    row(
        "list with no cache (fresh clone)",
        ["list", "status:open", "severity:high"],
        2,
        lambda: shutil.rmtree(run / ".tracker", ignore_errors=True),
    )
    row("list", ["list", "status:open", "severity:high"], 1)  # caches back for the copy
    rows.pop("list")
    copied = WORK / "scaling-copy"
    for _ in range(2):
        copy_of(run, copied, stale=True)
        row("copied register (cp -a, times moved): first list", ["list", "status:open"], 1, root=copied)
        row("copied register: the list after", ["list", "status:open"], 1, root=copied)
    shutil.rmtree(copied, ignore_errors=True)
    if tui:
        tui_rows(run, tracker, env, rows)
    return rows


def first_issue(root: Path) -> str:
    for _folder, _dirs, names in sorted(os.walk(root / "issues")):
        for name in sorted(names):
            if name.endswith(".json"):
                return name[:-5]
    raise SystemExit(f"{root} has no issues")


def tui_rows(run: Path, tracker: list[str], env: dict[str, str], rows: dict[str, Measured]) -> None:
    probe = [sys.executable, str(HERE / "tmux_probe.py"), str(run), "--tracker", " ".join(tracker)]
    try:
        warm = [probed(probe, env) for _ in range(2)]
        cold = probed([*probe, "--cold"], env)
    except RuntimeError as error:
        print(f"the tmux probe failed: {error}", file=sys.stderr)
        return
    keys = [key for report in warm for key in report["keystrokes"]]
    saves = [save for report in warm for save in report["saves"]]
    peak = max(report["peak_mb"] for report in warm)
    rows["TUI first rows on screen, warm"] = Measured([r["first_paint"] for r in warm], [peak])
    rows["TUI whole register loaded, warm"] = Measured([r["loaded"] for r in warm])
    rows["TUI first rows on screen, no cache"] = Measured([cold["first_paint"]], [cold["peak_mb"]])
    rows["TUI keystroke echo, median"] = Measured([statistics.median(k["echo"] for k in keys)])
    rows["TUI keystroke echo, slowest"] = Measured([max(k["echo"] for k in keys)])
    results = sorted(k["result"] for k in keys)
    rows["TUI keystroke to new result, median"] = Measured([statistics.median(results)])
    rows["TUI keystroke to new result, p95"] = Measured([results[round(0.95 * (len(results) - 1))]])
    rows["TUI save to commit, median"] = Measured([statistics.median(s["commit"] for s in saves)])
    rows["TUI save to screen settled, median"] = Measured([statistics.median(s["settled"] for s in saves)])


def probed(probe: list[str], env: dict[str, str]) -> Any:
    done = subprocess.run(probe, capture_output=True, env=env)
    if done.returncode != 0:
        raise RuntimeError(done.stderr.decode(errors="replace").strip().splitlines()[-1])
    return orjson.loads(done.stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="5000,50000,200000")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--tracker", default=f"{sys.executable} -m tracker")
    parser.add_argument("--tui", action="store_true", help="Add the tmux probe's rows.")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    tracker = args.tracker.split()
    results: dict[int, dict[str, Measured]] = {}
    for size in sizes:  # the table so far after each size, so a failure later keeps it
        results[size] = measure(size, tracker, args.repeat, args.tui)
        print_table(results)
    return 0


def print_table(results: dict[int, dict[str, Measured]]) -> None:
    sizes = list(results)
    names = list(dict.fromkeys(name for rows in results.values() for name in rows))
    print(f"\nload average {os.getloadavg()[0]:.2f} at the end", flush=True)
    print("| what (median, peak memory) | " + " | ".join(f"{size:,} issues" for size in sizes) + " |")
    print("|---|" + "---|" * len(sizes))
    for name in names:
        cells = [results[size].get(name, Measured()).cell() for size in sizes]
        print(f"| {name} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    sys.exit(main())
