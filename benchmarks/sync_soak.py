"""Sync soak: several clones of one register make changes and sync concurrently.

Each clone (a thread with its own Register and git identity) makes a mix of
creates, edits, updates and status changes on records it knows, syncing every
few changes, all at the same time as the others, against one bare remote. When
all are done, every clone syncs until none receives anything, and the result is
checked: identical registers, every commit any clone made reachable from the
shared branch, every record created and every update written present.

    python benchmarks/sync_soak.py --clones 5 --changes 200

The test suite runs a smaller size (tests/test_sync.py).
"""

from __future__ import annotations

import argparse
import random
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from data.sync import add_remote, clone
from tracker.register import Register

STATUSES = ["open", "in progress", "workaround in place", "resolved", "new"]
SEVERITIES = ["critical", "high", "medium", "low"]


@dataclass
class Clone:
    register: Register
    name: str
    created: list[str] = field(default_factory=list)
    updates: list[str] = field(default_factory=list)
    commits: list[str] = field(default_factory=list)
    syncs: int = 0


@dataclass
class SoakReport:
    seconds: float
    clones: int
    changes: int
    records: int
    updates: int
    syncs: int
    identical: bool
    missing: list[str]


def _git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, check=True).stdout


def _change(person: Clone, rng: random.Random, step: int) -> None:
    register = person.register
    known = list(register.documents("issue")) if step % 4 else []
    if not known:
        person.created.append(register.add_issue(title=f"{person.name} issue {step}", area="finance").id)
    elif step % 4 == 1:
        record = rng.choice(known)
        register.edit(record, {"severity": rng.choice(SEVERITIES), "title": f"{person.name} edit {step}"})
    elif step % 4 == 2:
        text = f"{person.name} update {step}"
        register.add_update(rng.choice(known), text)
        person.updates.append(text)
    else:
        register.edit(rng.choice(known), {"status": rng.choice(STATUSES)})
    head = register.git.head_commit()
    if head and head not in person.commits:
        person.commits.append(head)


def _work(person: Clone, changes: int, sync_every: int, seed: int, failures: list[BaseException]) -> None:
    rng = random.Random(seed)
    try:
        for step in range(changes):
            _change(person, rng, step)
            if (step + 1) % sync_every == 0:
                _sync(person)
        _sync(person)
    except BaseException as error:
        failures.append(error)


def _sync(person: Clone) -> None:
    for _ in range(20):
        try:
            Register.open(person.register.root).sync(retries=10)
            person.syncs += 1
            person.register.reload()
            return
        except Exception as error:
            if "kept pushing first" not in str(error):
                raise
    raise RuntimeError(f"{person.name}: could not sync after 20 rounds")


def soak(folder: Path, clones: int = 3, changes: int = 20, sync_every: int = 5, seed: int = 1) -> SoakReport:
    """Run the soak in `folder` and check what every clone ends with."""
    bare = folder / "shared.git"
    subprocess.run(["git", "init", "--quiet", "--bare", "--initial-branch=main", str(bare)], check=True)
    founder = Register.init(folder / "founder", name="Soak register")
    add_remote(founder.root, str(bare))
    Register.open(founder.root).sync()
    people = []
    for n in range(clones):
        root = clone(str(bare), folder / f"clone{n}")
        _git(root, "config", "user.name", f"Person {n}")
        _git(root, "config", "user.email", f"person{n}@council.example")
        people.append(Clone(Register.open(root), f"Person {n}"))
    failures: list[BaseException] = []
    started = time.perf_counter()
    threads = [
        threading.Thread(target=_work, args=(person, changes, sync_every, seed + n, failures))
        for n, person in enumerate(people)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]
    for _ in range(2):
        for person in people:
            _sync(person)
    seconds = time.perf_counter() - started
    return _check(people, seconds, changes)


def _check(people: list[Clone], seconds: float, changes: int) -> SoakReport:
    trees = {_git(p.register.root, "rev-parse", "HEAD^{tree}").strip() for p in people}
    first = people[0].register
    first.reload()
    issues = first.documents("issue")
    texts = {u["text"] for document in issues.values() for u in document["updates"]}
    missing = [record for p in people for record in p.created if record not in issues]
    missing += [text for p in people for text in p.updates if text not in texts]
    head = _git(first.root, "rev-parse", "HEAD").strip()
    for person in people:
        for commit in person.commits:
            reachable = subprocess.run(
                ["git", "-C", str(first.root), "merge-base", "--is-ancestor", commit, head]
            )
            if reachable.returncode != 0:
                missing.append(f"commit {commit} by {person.name}")
    return SoakReport(
        seconds,
        len(people),
        changes,
        len(issues),
        len(texts),
        sum(p.syncs for p in people),
        len(trees) == 1,
        missing,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clones", type=int, default=5)
    parser.add_argument("--changes", type=int, default=200)
    parser.add_argument("--sync-every", type=int, default=10)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        report = soak(Path(folder), arguments.clones, arguments.changes, arguments.sync_every)
    print(
        f"{report.clones} clones × {report.changes} changes, synced every {arguments.sync_every}: "
        f"{report.seconds:.1f} s, {report.syncs} syncs; {report.records} issues, {report.updates} updates; "
        f"identical: {report.identical}; missing: {len(report.missing)}"
    )
    if not report.identical or report.missing:
        raise SystemExit(f"lost: {report.missing[:10]}")


if __name__ == "__main__":
    main()
