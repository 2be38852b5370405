"""The floors of docs/ARCHITECTURE.md, checked by import-linter's contracts on every
import statement (relative ones and those inside functions included), no import
cycles, and the lazy-import promise of the CLI checked on a real process."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("tracker", "data", "exports", "widgets")


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    """import-linter's contracts (pyproject.toml) over the packages under `root`."""
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())",
            "--no-cache",
        ],
        cwd=root,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(root)},
    )


def test_every_import_arrow_points_down_the_floors():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_the_floors_have_no_import_cycles():
    import grimp

    graph = grimp.build_graph(*PACKAGES, exclude_type_checking_imports=True)
    cycles = sorted(
        (module, imported)
        for module in graph.modules
        for imported in graph.find_modules_directly_imported_by(module)
        if graph.chain_exists(importer=imported, imported=module)
    )
    assert cycles == []


@pytest.mark.parametrize(
    ("module", "planted", "contract"),
    [
        ("data/model.py", "from tracker.register import Register", "Floors"),
        ("exports/report.py", "from tracker.tui.app import TrackerApp", "Floors"),
        ("tracker/register.py", "from .tui.app import TrackerApp", "nothing imports them"),
        ("widgets/charts.py", "from data.model import Issue", "Widgets"),
        ("tracker/tui/screens/record.py", "from data.files import read_bytes", "The door"),
        ("tracker/doctor.py", "import textual", "Textual only"),
    ],
)
def test_the_contracts_catch_an_arrow_pointing_up(tmp_path: Path, module: str, planted: str, contract: str):
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    target = tmp_path / module
    target.write_text(target.read_text() + "\n\ndef _planted() -> None:\n    " + planted + "\n")
    result = lint_imports(tmp_path)
    assert result.returncode != 0
    assert contract in result.stdout.split("Broken contracts")[-1]


@pytest.mark.parametrize(
    "command",
    [
        ["list"],
        ["list", "status:open"],
        ["show", "{id}"],
        ["add", "A new issue"],
        ["log"],
        ["edit", "{id}", "--severity", "high"],
        ["update", "{id}", "note"],
        ["lesson", "list"],
        ["--help"],
        ["history", "{id}"],
    ],
)
def test_command_line_paths_that_do_not_open_the_tui_never_import_textual(register, command):
    issue = register.add_issue(title="Exists")
    args = [part.replace("{id}", issue.id) for part in command]
    probe = (
        "import sys\n"
        "from tracker.cli import main\n"
        "try:\n"
        f"    main({['--register', str(register.root), *args]!r})\n"
        "except SystemExit as exit:\n"
        "    code = exit.code\n"
        "heavy = sorted(m for m in ('textual', 'git', 'markdown_it') if m in sys.modules)\n"
        "print('HEAVY', heavy, file=sys.stderr)\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert "HEAVY []" in result.stderr.splitlines(), result.stderr
