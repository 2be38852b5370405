"""Damaged data: a record file broken by hand, or a damaged or stale load cache.

The rest of the register loads, each problem is reported with its path and
reason, and the damaged file is never rewritten or deleted by Tracker: not by a
write to another record, not by `tracker doctor --fix`, not by a cache rebuild.
"""

from __future__ import annotations

import json
from pathlib import Path

import orjson
import pytest
from conftest import git, run_tracker

from data.errors import DamagedFile
from data.files import encode, relative_path
from data.load import STATE_DIR
from tracker.doctor import examine, healthy
from tracker.register import Register


def _two_issues(register: Register) -> tuple[str, str]:
    first = register.add_issue(title="Receipts not allocated", area="finance")
    second = register.add_issue(title="Payroll run late", area="payroll")
    return first.id, second.id


def _document(register: Register, record_id: str) -> dict[str, object]:
    return json.loads((register.root / relative_path(record_id)).read_text(encoding="utf-8"))


def _damage(register: Register, victim: str, kind: str, other: str) -> tuple[str, bytes, str]:
    """Damage one record file the way a hand edit might; returns (path, bytes, reason expected)."""
    path = relative_path(victim)
    good = _document(register, victim)
    if kind == "invalid JSON":
        raw, reason = b'{"id": "' + victim.encode() + b'", "title": "unfinished', "is not valid JSON"
    elif kind == "wrong types":
        raw, reason = (
            encode({**good, "affects_vulnerable": "maybe", "cost_gbp": "lots"}),
            "affects_vulnerable",
        )
    elif kind == "invalid UTF-8":
        raw, reason = encode(good).replace(b"Receipts", b"Rec\xff\xfeipts"), "is not valid UTF-8"
    elif kind == "empty file":
        raw, reason = b"", "is empty"
    elif kind == "not an object":
        raw, reason = b'["a", "list"]\n', "does not hold a JSON object"
    elif kind == "duplicate ID":
        raw, reason = encode({**_document(register, other)}), f"holds id '{other}', not {victim}"
    else:
        raise AssertionError(kind)
    (register.root / path).write_bytes(raw)
    return path, raw, reason


KINDS = ["invalid JSON", "wrong types", "invalid UTF-8", "empty file", "not an object", "duplicate ID"]


@pytest.mark.parametrize("committed", [True, False], ids=["committed", "uncommitted"])
@pytest.mark.parametrize("kind", KINDS)
def test_a_damaged_record_is_reported_skipped_and_never_rewritten(
    register: Register, kind: str, committed: bool
) -> None:
    victim, other = _two_issues(register)
    path, raw, reason = _damage(register, victim, kind, other)
    if committed:
        git(register.root, "commit", "--quiet", "-am", "Hand edit")

    listed = run_tracker("--register", str(register.root), "list")
    assert listed.returncode == 0, listed.stderr
    assert other in listed.stdout and victim not in listed.stdout
    assert f"tracker: skipped {path}: " in listed.stderr and reason in listed.stderr
    assert "Traceback" not in listed.stderr

    reopened = Register.open(register.root)
    reopened.edit(other, {"severity": "high"})
    with pytest.raises(DamagedFile, match=path):
        reopened.get(victim)
    with pytest.raises(DamagedFile, match=path):
        Register.open(register.root).edit(victim, {"severity": "high"})
    examine(register.root, fix=True)
    (register.root / STATE_DIR / "cache.json").unlink(
        missing_ok=True
    )  # there may be none: list reads the listing
    assert set(Register.open(register.root).documents("issue")) == {other}

    assert (register.root / path).read_bytes() == raw
    dirty = git(register.root, "status", "--porcelain", "--", path)
    assert (dirty == "") == committed  # an uncommitted damaged file is left uncommitted, never committed


def test_a_record_in_the_wrong_shard_is_reported_and_left_alone(register: Register) -> None:
    victim, _other = _two_issues(register)
    wrong = f"issues/ZZ/{victim}.json"
    (register.root / "issues" / "ZZ").mkdir()
    raw = (register.root / relative_path(victim)).read_bytes()
    (register.root / wrong).write_bytes(raw)
    git(register.root, "add", wrong)
    git(register.root, "commit", "--quiet", "-m", "Copied by hand")

    listed = run_tracker("--register", str(register.root), "list")
    assert f"tracker: skipped {wrong}: is not named and placed like a record" in listed.stderr
    assert listed.stdout.count(victim) == 1
    messages = [finding.message for finding in examine(register.root, fix=True)]
    assert any(f"belongs at {relative_path(victim)}" in message for message in messages)
    assert (register.root / wrong).read_bytes() == raw


def test_unknown_fields_from_a_newer_tracker_survive_an_edit(register: Register) -> None:
    victim, _other = _two_issues(register)
    newer = {**_document(register, victim), "escalation": {"level": 2, "to": "s151 officer"}, "zeta": [1, 2]}
    (register.root / relative_path(victim)).write_bytes(encode(newer))
    git(register.root, "commit", "--quiet", "-am", "Written by a newer Tracker")

    edited = run_tracker("--register", str(register.root), "edit", victim, "--severity", "critical")
    Register.open(register.root).add_update(victim, "Escalated to the s151 officer")

    assert edited.returncode == 0, edited.stderr
    after = _document(register, victim)
    assert after["escalation"] == {"level": 2, "to": "s151 officer"} and after["zeta"] == [1, 2]
    assert after["severity"] == "critical"


# --- the load cache ---------------------------------------------------------------------------


def _cache(register: Register) -> Path:
    return register.root / STATE_DIR / "cache.json"


def _forged_cache(register: Register, tree: str, record_id: str) -> bytes:
    """A cache that is well-formed JSON but says something the files do not."""
    data = orjson.loads(_cache(register).read_bytes())
    data["tree"] = tree
    data["tables"]["issues"][record_id]["title"] = "FORGED TITLE"
    return orjson.dumps(data)


@pytest.mark.parametrize(
    "damage", ["truncated", "garbage", "wrong version", "foreign tree", "missing tree", "not an object"]
)
def test_a_damaged_or_foreign_cache_is_detected_and_rebuilt(register: Register, damage: str) -> None:
    victim, other = _two_issues(register)
    Register.open(register.root).documents("issue")
    cache = _cache(register)
    good = cache.read_bytes()
    head_tree = git(register.root, "rev-parse", "HEAD^{tree}").strip()
    replacement = {
        "truncated": good[: len(good) // 2],
        "garbage": b"\x00\xff garbage \x1b[31m",
        "wrong version": good.replace(b'"version":3', b'"version":99'),
        "foreign tree": _forged_cache(register, "4b825dc642cb6eb9a060e54bf8d69288fbee4904", victim),
        "missing tree": _forged_cache(register, "1" * 40, victim),
        "not an object": b"[1, 2, 3]",
    }[damage]
    cache.write_bytes(replacement)

    issues = Register.open(register.root).documents("issue")

    assert {issues[victim]["title"], issues[other]["title"]} == {"Receipts not allocated", "Payroll run late"}
    if damage != "foreign tree":  # a tree git has is refreshed from (every file read again), not rebuilt
        assert orjson.loads(cache.read_bytes())["tree"] == head_tree  # rebuilt


def test_a_stale_cache_is_refreshed_with_changes_committed_by_plain_git(register: Register) -> None:
    victim, _other = _two_issues(register)
    Register.open(register.root).documents("issue")
    changed = {**_document(register, victim), "title": "Changed with plain git"}
    (register.root / relative_path(victim)).write_bytes(encode(changed))
    git(register.root, "commit", "--quiet", "-am", "Edited by hand")

    assert Register.open(register.root).documents("issue")[victim]["title"] == "Changed with plain git"


def test_a_file_changed_on_disk_behind_the_caches_back_is_seen(register: Register) -> None:
    victim, _other = _two_issues(register)
    Register.open(register.root).documents("issue")
    changed = {**_document(register, victim), "title": "Edited on disk, not committed"}
    (register.root / relative_path(victim)).write_bytes(encode(changed))

    def title() -> object:
        return Register.open(register.root).documents("issue")[victim]["title"]

    assert title() == "Edited on disk, not committed"
    git(register.root, "checkout", "--", relative_path(victim))  # back as committed
    assert title() == "Receipts not allocated"


def test_a_cache_that_disagrees_with_the_files_is_caught_by_doctor_and_rebuilt(register: Register) -> None:
    victim, _other = _two_issues(register)
    Register.open(register.root).documents("issue")
    head_tree = git(register.root, "rev-parse", "HEAD^{tree}").strip()
    _cache(register).write_bytes(_forged_cache(register, head_tree, victim))

    found = run_tracker("--register", str(register.root), "doctor")
    fixed = examine(register.root, fix=True)

    assert found.returncode == 1
    assert f"disagrees with the record files for 1 path(s), such as {relative_path(victim)}" in found.stdout
    assert healthy(fixed), [finding.message for finding in fixed if finding.unhealthy]
    assert Register.open(register.root).documents("issue")[victim]["title"] == "Receipts not allocated"


def test_a_record_whose_git_object_is_missing_is_reported_not_a_traceback(register: Register) -> None:
    victim, other = _two_issues(register)
    blob = git(register.root, "rev-parse", f"HEAD:{relative_path(victim)}").strip()
    (register.root / ".git" / "objects" / blob[:2] / blob[2:]).unlink()

    listed = run_tracker("--register", str(register.root), "list")

    assert "Traceback" not in listed.stderr
    assert listed.returncode == 0 and other in listed.stdout
    assert f"tracker: skipped {relative_path(victim)}: " in listed.stderr
