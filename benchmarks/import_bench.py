"""How long a first import of a council spreadsheet takes, and how much memory.

    python benchmarks/import_bench.py              # 10,000 and 50,000 rows
    python benchmarks/import_bench.py 2000         # other sizes

For each size, writes an issue log as an Excel workbook (a title row above the
headers, dates, amounts, words to read: "WIP", "H", service areas), creates a
fresh register in a temporary folder and times the real `tracker import`
command as a user waits on it (plan, write every record, one commit), with the
peak resident memory of that process. Timing is never a pass/fail test: read
the table.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

STATUSES = ["Open", "WIP", "Closed", "On hold", "Resolved"]
SEVERITIES = ["H", "Medium", "Low", "1 - Critical"]
AREAS = ["Payroll", "Finance", "HR", "Procurement", "Integration"]
ENVIRONMENT = {
    **os.environ,
    "GIT_AUTHOR_NAME": "Bench",
    "GIT_AUTHOR_EMAIL": "bench@example.org",
    "GIT_COMMITTER_NAME": "Bench",
    "GIT_COMMITTER_EMAIL": "bench@example.org",
}


def workbook(path: Path, rows: int) -> None:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Issue log")
    sheet.append(["Finance and HR system: issue log"])
    sheet.append(
        ["Ref", "Title", "Date raised", "Status", "Severity", "Service area", "Cost (£)", "Description"]
    )
    start = date(2023, 4, 1)
    for n in range(rows):
        sheet.append(
            [
                f"R{n:06d}",
                f"Supplier payment run {n} rejected by the bank",
                start + timedelta(days=n % 400),
                STATUSES[n % 5],
                SEVERITIES[n % 4],
                AREAS[n % 5],
                f"£{(n % 90) + 1}k",
                "The BACS file was rejected; payments were made by hand the next day.",
            ]
        )
    book.save(path)


def run(rows: int) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        sheet = root / f"issues-{rows}.xlsx"
        workbook(sheet, rows)
        register = root / "register"
        tracker = [sys.executable, "-m", "tracker", "--register", str(register)]
        subprocess.run(
            [sys.executable, "-m", "tracker", "init", str(register), "--name", "Bench"],
            check=True,
            env=ENVIRONMENT,
            capture_output=True,
        )
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        started = time.perf_counter()
        done = subprocess.run(
            [*tracker, "import", str(sheet)], env=ENVIRONMENT, capture_output=True, text=True
        )
        seconds = time.perf_counter() - started
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        if done.returncode != 0:
            raise SystemExit(done.stderr[-2000:])
        return seconds, max(peak, before) / 1024


def main(sizes: list[int]) -> None:
    print("| Rows | Time (s) | Peak memory (MB) |")
    print("|---:|---:|---:|")
    for rows in sizes:
        seconds, megabytes = run(rows)
        print(f"| {rows:,} | {seconds:.1f} | {megabytes:.0f} |", flush=True)


if __name__ == "__main__":
    main([int(arg) for arg in sys.argv[1:]] or [10_000, 50_000])
