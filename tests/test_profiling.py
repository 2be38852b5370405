"""A command can be profiled: under cProfile (or any profiler or tracer, or
with `TRACKER_PROFILE` set) `tracker` exits the ordinary way, so the profile is
written, instead of the quick `os._exit` that skips tearing down."""

from __future__ import annotations

import os
import pstats
import subprocess
import sys
from pathlib import Path

from tracker.register import Register


def test_cprofile_writes_a_profile_of_a_command(demo_register: Register, tmp_path: Path):
    profile = tmp_path / "list.prof"
    command = ["-m", "tracker", "--register", str(demo_register.root), "list", "status:open"]
    result = subprocess.run(
        [sys.executable, "-m", "cProfile", "-o", str(profile), *command],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "ISS-" in result.stdout
    called = {function for _file, _line, function in pstats.Stats(str(profile)).stats}
    assert "list_records" in called


def test_with_tracker_profile_set_exit_handlers_run(demo_register: Register, tmp_path: Path):
    marker = tmp_path / "exited"
    script = (
        "import atexit, pathlib, sys\n"
        f"atexit.register(pathlib.Path({str(marker)!r}).write_text, 'ran')\n"
        "from tracker.cli import run\n"
        f"sys.argv = ['tracker', '--register', {str(demo_register.root)!r}, 'list']\n"
        "run()\n"
    )
    plain = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert plain.returncode == 0, plain.stderr
    assert not marker.exists(), "without a profiler the quick exit skips exit handlers"
    profiled = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env={**os.environ, "TRACKER_PROFILE": "1"},
    )
    assert profiled.returncode == 0, profiled.stderr
    assert marker.read_text() == "ran"
