"""The dependency direction of DESIGN.md, checked on every import statement
(including imports inside functions), and the lazy-import promise of the CLI
checked on a real process."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
OURS = ("tracker", "data", "exports", "widgets")


def imports_of(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def offending(paths: list[Path], forbidden: tuple[str, ...]) -> list[str]:
    found = []
    for path in paths:
        for name in imports_of(path):
            if any(name == bad or name.startswith(bad + ".") for bad in forbidden):
                shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name
                found.append(f"{shown} imports {name}")
    return found


def test_the_model_depends_on_nothing_of_ours_but_its_checks():
    assert offending([ROOT / "tracker/model.py"], OURS) == ["tracker/model.py imports tracker.validation"]
    assert offending([ROOT / "tracker/validation.py"], OURS) == []


def test_data_and_exports_never_import_the_ui():
    ui = ("textual", "widgets", "tracker.app", "tracker.screens")
    assert offending(modules("data") + modules("exports"), ui) == []


def test_widgets_never_touch_storage_or_git():
    storage = ("data", "git", "tinydb", "tracker.register", "exports", "tracker.app", "tracker.screens")
    assert offending(modules("widgets"), storage) == []


def test_only_the_app_and_its_screens_wire_widgets_to_services():
    allowed = {ROOT / "tracker/app.py", *modules("tracker/screens")}
    others = [p for p in modules("tracker") if p not in allowed]
    assert offending(others, ("widgets",)) == []


def test_the_layering_check_catches_a_violation(tmp_path: Path):
    bad = tmp_path / "bad.py"
    bad.write_text("def later():\n    from textual.app import App\n")
    assert offending([bad], ("textual",)) == ["bad.py imports textual.app"]


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
