"""A realistic register at programme scale, built quickly with `git fast-import`.

    python benchmarks/generate.py OUT [--issues 50000] [--lessons 5000] [--commits 20000] [--seed 1]

The register looks like one a council programme has used for two years: a few bulk
imports from the spreadsheets it replaced early on, then records logged one at a
time, status changes, updates, field edits and links by a dozen people, one commit
per action. Every record file is written exactly as Tracker writes it
(`data.files.encode(data.model.to_document(record))`, validated by the model) and
every commit message is shaped by `data.changes`, so `tracker history`, `tracker log`
and the load cache work on it as on a real register. The result is configured as
`tracker init` configures a register, checked out, and given a commit-graph with
changed-path filters. Nothing here touches the network; the content is invented.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

from data.changes import compose, record_message
from data.files import encode, relative_path
from data.gitconfig import GIT_SETTINGS, GITATTRIBUTES, GITIGNORE
from data.ids import CROCKFORD
from data.model import Vocabulary, model_for, to_document
from data.settings import SETTINGS_FILE, RegisterSettings, settings_text

IDENTITY = {
    "GIT_AUTHOR_NAME": "Bench Mark",
    "GIT_AUTHOR_EMAIL": "bench@council.example",
    "GIT_COMMITTER_NAME": "Bench Mark",
    "GIT_COMMITTER_EMAIL": "bench@council.example",
}
"""Who the benchmark's own commands act as."""
AUTHORS = [
    ("Priya Nair", "Finance systems lead"),
    ("Tom Okafor", "Payroll manager"),
    ("Helen Marsh", "Programme director"),
    ("Sam Whitlock", "Integration analyst"),
    ("Aisha Rahman", "HR operations lead"),
    ("Gareth Lloyd", "Income team leader"),
    ("Nina Kowalski", "Communications officer"),
    ("David Osei", "Test manager"),
    ("Rachel Byrne", "Data migration lead"),
    ("Imran Shah", "Procurement officer"),
    ("Claire Dunn", "Pensions administrator"),
    ("Mark Fenwick", "Service desk lead"),
]
OWNERS = [name for name, _ in AUTHORS] + [
    "Jo Adeyemi",
    "Lucy Hart",
    "Owen Price",
    "Fatima Begum",
    "Chris Mellor",
    "Beth Quinn",
    "Ravi Patel",
    "Sian Evans",
    "Paul Grady",
    "Megan Shaw",
]
SUBJECTS = [
    "Customer receipts",
    "Supplier invoices",
    "Payroll run",
    "Overtime claims",
    "Pension contributions",
    "DBS checks",
    "Purchase orders",
    "Month-end journals",
    "Bank reconciliation",
    "Council tax refunds",
    "Starter forms",
    "Leaver forms",
    "Budget reports",
    "VAT returns",
    "Cost centre mapping",
    "Agency staff timesheets",
    "Recruitment adverts",
    "Expense claims",
    "Debt recovery letters",
    "Housing rent accounts",
    "Business rates references",
    "Payslips",
    "Absence records",
    "Goods receipts",
    "Asset register",
    "Grant payments",
    "Schools payroll",
    "Interface file",
]
PROBLEMS = [
    "not allocated to accounts automatically",
    "rejected by the interface overnight",
    "posted to the wrong cost centre",
    "missing after the weekend batch",
    "duplicated in the ledger",
    "stuck awaiting approval",
    "calculated with the old rates",
    "not visible to managers",
    "failing validation on upload",
    "exported with blank references",
    "delayed by more than five days",
    "showing the wrong employee grade",
    "not matched to purchase orders",
    "sent to the wrong address",
    "locked after the upgrade",
    "printing with truncated names",
    "not reconciled at month end",
]
WORDS = [
    "the",
    "team",
    "found",
    "that",
    "receipts",
    "invoices",
    "payroll",
    "workaround",
    "backlog",
    "finance",
    "system",
    "interface",
    "supplier",
    "council",
    "officers",
    "manual",
    "process",
    "approval",
    "data",
    "migration",
    "report",
    "ledger",
    "schools",
    "residents",
    "managers",
    "staff",
    "weekly",
    "daily",
    "batch",
    "records",
    "accounts",
    "allocation",
    "error",
    "mapping",
    "configuration",
    "vendor",
    "upgrade",
    "release",
    "testing",
    "sign-off",
    "deadline",
    "audit",
    "reconciliation",
    "budget",
    "overspend",
    "contractor",
    "spreadsheet",
    "extract",
    "upload",
    "template",
    "validation",
    "rule",
    "field",
    "reference",
    "customer",
    "portal",
    "service",
    "desk",
    "ticket",
    "escalated",
    "priority",
    "agreed",
    "decision",
    "board",
    "programme",
    "director",
    "impact",
    "cost",
    "delay",
    "risk",
    "mitigation",
    "action",
    "owner",
    "review",
    "meeting",
]
UPDATE_OPENERS = [
    "Discussed at the programme board.",
    "Vendor has confirmed the fix is in the next release.",
    "Workaround agreed with the service owner.",
    "Backlog reduced since last week.",
    "Escalated to the programme director.",
    "Tested in the pre-production environment.",
    "Awaiting sign-off from finance.",
    "Data extract shared with the vendor.",
]
TAGS = [
    "backlog",
    "go-live",
    "manual-workaround",
    "vendor",
    "month-end",
    "year-end",
    "interface",
    "training",
    "data-quality",
    "audit",
    "schools",
    "hr",
    "quick-win",
    "reporting",
]
STATUS_NEXT = {
    "new": ["open", "open", "in progress"],
    "open": ["in progress", "workaround in place", "resolved"],
    "in progress": ["resolved", "workaround in place"],
    "workaround in place": ["resolved", "in progress"],
    "resolved": ["closed", "closed", "open"],
    "closed": ["open"],
}
IMPORTED_STATUS = (
    ["new"] * 10
    + ["open"] * 30
    + ["in progress"] * 15
    + ["workaround in place"] * 15
    + ["resolved"] * 15
    + ["closed"] * 15
)
VISIBILITY = ["public"] * 5 + ["internal"] * 4 + ["restricted"]


@dataclass
class Plan:
    """How many records and commits, and what each commit does."""

    issues: int
    lessons: int
    commits: int
    seed: int = 1
    end: datetime = field(default_factory=lambda: datetime.now(UTC).replace(microsecond=0, second=0))


def _sentence(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + "."


def _paragraphs(rng: random.Random, most: int) -> str:
    """Prose of up to `most` words, in paragraphs, most records far shorter."""
    total = min(most, int(rng.lognormvariate(4.0, 0.8)))
    sentences, written = [], 0
    while written < total:
        length = rng.randint(6, 18)
        sentences.append(_sentence(rng, length))
        written += length
    paragraphs = [" ".join(sentences[i : i + 4]) for i in range(0, len(sentences), 4)]
    return "\n\n".join(paragraphs)


def _day(moment: datetime) -> str:
    return moment.date().isoformat()


def _stamp(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


class Generator:
    """Builds record documents and the commits that create and change them."""

    def __init__(self, plan: Plan):
        self.plan = plan
        self.rng = random.Random(plan.seed)
        self.documents: dict[str, dict[str, Any]] = {}
        self.order: list[str] = []
        self.issue_ids: list[str] = []
        self.lesson_ids: list[str] = []
        self._taken: set[str] = set()

    def new_id(self, prefix: str, length: int = 6) -> str:
        while True:
            candidate = prefix + "-" + "".join(self.rng.choice(CROCKFORD) for _ in range(length))
            if candidate not in self._taken:
                self._taken.add(candidate)
                return candidate

    def _updates(self, since: datetime, until: datetime, count: int) -> list[dict[str, Any]]:
        span = max(60, int((until - since).total_seconds()))
        moments = sorted(since + timedelta(seconds=self.rng.randrange(span)) for _ in range(count))
        return [self._update(moment) for moment in moments]

    def _update(self, moment: datetime) -> dict[str, Any]:
        rng = self.rng
        return {
            "id": self.new_id("UPD", 8),
            "at": _stamp(moment),
            "author": rng.choice(AUTHORS)[0],
            "kind": rng.choice(["comment"] * 6 + ["decision", "action", "action"]),
            "text": rng.choice(UPDATE_OPENERS) + " " + _sentence(rng, rng.randint(5, 40)),
            "visibility": rng.choice(VISIBILITY),
        }

    def issue(self, moment: datetime, author: str, imported: bool) -> dict[str, Any]:
        rng, words = self.rng, Vocabulary()
        raised = moment - timedelta(days=rng.randint(0, 180)) if imported else moment
        status = rng.choice(IMPORTED_STATUS) if imported else rng.choice(["new"] * 3 + ["open"] * 2)
        owner = rng.choice(OWNERS) if status != "new" or rng.random() < 0.3 else None
        costed = rng.random() < 0.2
        document: dict[str, Any] = {
            "id": self.new_id("ISS"),
            "title": f"{rng.choice(SUBJECTS)} {rng.choice(PROBLEMS)}",
            "area": rng.choice(words.areas),
            "priority": rng.choice(words.priorities),
            "visibility": rng.choice(VISIBILITY),
            "tags": rng.sample(TAGS, rng.choice([0, 0, 1, 1, 2, 3])),
            "updates": self._updates(raised, moment, rng.choice([0, 0, 1, 2, 3, 5])) if imported else [],
            "created_at": _stamp(moment),
            "external_ref": f"ERP-{rng.randint(10000, 99999)}" if rng.random() < 0.3 else None,
            "type": rng.choice(["problem"] * 8 + ["request for change", "off-specification"]),
            "description": _paragraphs(rng, 350),
            "status": status,
            "severity": rng.choice(["critical"] + ["high"] * 4 + ["medium"] * 6 + ["low"] * 4),
            "raised_by": author if not imported else rng.choice(OWNERS),
            "owner": owner,
            "owner_role": dict(AUTHORS).get(owner or "") if owner else None,
            "raised_on": _day(raised),
            "target_date": _day(raised + timedelta(days=rng.randint(7, 120))) if rng.random() < 0.5 else None,
            "closed_on": _day(moment) if status in ("resolved", "closed") else None,
            "workaround": _paragraphs(rng, 80) if status == "workaround in place" else "",
            "affects_vulnerable": rng.random() < 0.08,
            "statutory_impact": rng.random() < 0.12,
            "cost_gbp": round(rng.lognormvariate(9, 1.5), 2) if costed else None,
            "cost_basis": rng.choice(["estimate", "estimate", "actual"]) if costed else None,
        }
        return self._admit(document, self.issue_ids)

    def lesson(self, moment: datetime, author: str, imported: bool) -> dict[str, Any]:
        rng, words = self.rng, Vocabulary()
        linked = (
            rng.sample(self.issue_ids, min(len(self.issue_ids), rng.choice([0, 1, 1, 2, 3])))
            if imported
            else []
        )
        document: dict[str, Any] = {
            "id": self.new_id("LES"),
            "title": f"{rng.choice(SUBJECTS)}: check {rng.choice(WORDS)} {rng.choice(WORDS)} before go-live",
            "area": rng.choice(words.areas),
            "priority": rng.choice(words.priorities),
            "visibility": rng.choice(VISIBILITY),
            "tags": rng.sample(TAGS, rng.choice([0, 1, 2])),
            "updates": [],
            "created_at": _stamp(moment),
            "type": rng.choice(["project", "corporate/programme", "both"]),
            "event": _paragraphs(rng, 150),
            "effect": _paragraphs(rng, 100),
            "cause": _paragraphs(rng, 100),
            "early_warnings": _paragraphs(rng, 60),
            "recommendation": _paragraphs(rng, 120),
            "was_risk": rng.random() < 0.3,
            "logged_by": author,
            "logged_on": _day(moment),
            "source": rng.choice(["audit", "independent review", "retrospective", "staff"]),
            "action_status": rng.choice(["identified", "agreed", "actioned", "embedded"]),
            "owner_role": rng.choice(AUTHORS)[1],
            "issues": linked,
        }
        document = self._admit(document, self.lesson_ids)
        for issue_id in linked:
            self.documents[issue_id] = self._valid(
                {
                    **self.documents[issue_id],
                    "lessons": [*self.documents[issue_id]["lessons"], document["id"]],
                }
            )
        return document

    def _valid(self, document: dict[str, Any]) -> dict[str, Any]:
        return to_document(model_for(document["id"]).model_validate(document))

    def _admit(self, document: dict[str, Any], ids: list[str]) -> dict[str, Any]:
        document = self._valid(document)
        self.documents[document["id"]] = document
        ids.append(document["id"])
        self.order.append(document["id"])
        return document

    def pick(self, ids: list[str]) -> str:
        """Recent records are edited far more often than old ones."""
        if self.rng.random() < 0.7:
            return self.rng.choice(ids[-2000:])
        return self.rng.choice(ids)

    def edit(self, moment: datetime, author: str) -> tuple[list[str], str]:
        """One user action on one or two records: (changed IDs, commit message)."""
        rng = self.rng
        roll = rng.random()
        if roll < 0.12 and self.lesson_ids:
            lesson_id = self.pick(self.lesson_ids)
            return self._change(
                lesson_id, {"action_status": rng.choice(["agreed", "actioned", "embedded"])}, "edit"
            )
        if roll < 0.24 and self.lesson_ids:
            return self._link(self.pick(self.issue_ids), self.pick(self.lesson_ids))
        issue_id = self.pick(self.issue_ids)
        current = self.documents[issue_id]
        if roll < 0.55:
            status = rng.choice(STATUS_NEXT[current["status"]])
            changes: dict[str, Any] = {"status": status}
            if status in ("resolved", "closed") and not current["closed_on"]:
                changes["closed_on"] = _day(moment)
            elif status not in ("resolved", "closed"):
                changes["closed_on"] = None
            return self._change(issue_id, changes, "edit")
        if roll < 0.85:
            update = {**self._update(moment), "author": author}
            return self._change(issue_id, {"updates": [*current["updates"], update]}, "update")
        name = rng.choice(["severity", "owner", "target_date", "workaround", "priority"])
        value: Any = {
            "severity": lambda: rng.choice(["critical", "high", "medium", "low"]),
            "owner": lambda: rng.choice(OWNERS),
            "target_date": lambda: _day(moment + timedelta(days=rng.randint(7, 90))),
            "workaround": lambda: _paragraphs(rng, 80),
            "priority": lambda: rng.choice(["urgent", "high", "medium", "low"]),
        }[name]()
        return self._change(issue_id, {name: value}, "edit")

    def _change(self, record_id: str, changes: dict[str, Any], action: str) -> tuple[list[str], str]:
        old = self.documents[record_id]
        new = self._valid({**old, **changes})
        self.documents[record_id] = new
        return [record_id], record_message(action, record_id, old, new)

    def _link(self, issue_id: str, lesson_id: str) -> tuple[list[str], str]:
        issue, lesson = self.documents[issue_id], self.documents[lesson_id]
        if lesson_id not in issue["lessons"]:
            self.documents[issue_id] = self._valid({**issue, "lessons": [*issue["lessons"], lesson_id]})
        if issue_id not in lesson["issues"]:
            self.documents[lesson_id] = self._valid({**lesson, "issues": [*lesson["issues"], issue_id]})
        message = compose(
            f"{issue_id}: linked to {lesson_id}", [f"{issue_id} ↔ {lesson_id}"], [issue_id, lesson_id], "link"
        )
        return [issue_id, lesson_id], message


@dataclass
class Commit:
    moment: datetime
    author: tuple[str, str]
    message: str
    files: dict[str, bytes]


def _email(name: str) -> str:
    return name.lower().replace(" ", ".") + "@council.example"


def _moments(plan: Plan, rng: random.Random) -> list[datetime]:
    """Commit times over two years, in office hours on weekdays."""
    start = plan.end - timedelta(days=730)
    moments: list[datetime] = []
    while len(moments) < plan.commits - 1:
        day = start + timedelta(days=rng.randrange(730))
        if day.weekday() < 5:
            moment = day.replace(hour=rng.randint(8, 17), minute=rng.randrange(60), second=rng.randrange(60))
            if moment < plan.end:
                moments.append(moment)
    return [start.replace(hour=8, minute=0, second=0), *sorted(moments)]


def commits(plan: Plan) -> Iterator[Commit]:
    """The register's history, oldest first: created, imported, then worked on."""
    generator = Generator(plan)
    rng = generator.rng
    moments = _moments(plan, rng)
    people = [(name, _email(name)) for name, _role in AUTHORS]
    settings = RegisterSettings(name="Finance and HR programme register")
    yield Commit(
        moments[0],
        people[2],
        compose(f"Register created: {settings.name}", [], [], "init"),
        {
            SETTINGS_FILE: settings_text(settings).encode(),
            ".gitignore": GITIGNORE.encode(),
            ".gitattributes": GITATTRIBUTES.encode(),
        },
    )
    rest = plan.commits - 1
    imports = max(1, min(12, rest // 20))
    singles = min(int(0.45 * (rest - imports)), max(0, plan.issues + plan.lessons - imports * 10))
    edits = rest - imports - singles
    kinds = ["create"] * singles + ["edit"] * edits
    rng.shuffle(kinds)
    import_at = {1 + round(i * max(1, rest // 10) / imports) for i in range(imports)}
    imports = len(import_at)
    kinds_iter = iter(kinds)
    schedule = [
        "import" if index in import_at else next(kinds_iter, "edit") for index in range(1, plan.commits)
    ]
    imported_total = plan.issues + plan.lessons - singles
    share = plan.lessons / max(1, plan.issues + plan.lessons)
    lessons_left = plan.lessons
    issues_left = plan.issues
    batch = imported_total // imports
    done_imports = 0
    for moment, kind in zip(moments[1:], schedule, strict=True):
        author = rng.choice(people)
        if kind == "import":
            done_imports += 1
            size = batch if done_imports < imports else imported_total - batch * (imports - 1)
            n_lessons = min(lessons_left, round(size * share))
            n_issues = min(issues_left, size - n_lessons)
            issues_left, lessons_left = issues_left - n_issues, lessons_left - n_lessons
            made = [generator.issue(moment, author[0], True) for _ in range(n_issues)]
            made += [generator.lesson(moment, author[0], True) for _ in range(n_lessons)]
            touched = {record_id for d in made for record_id in (d["id"], *d.get("issues", []))}
            ids = sorted(touched)
            message = compose(
                f"Import {len(made)} records from programme-register-{done_imports}.xlsx",
                [f"{n_issues} issues and {n_lessons} lessons imported"],
                ids,
                "import",
            )
            yield Commit(moment, author, message, _files(generator, ids))
        elif kind == "create" and (issues_left or lessons_left):
            lesson = lessons_left and (not issues_left or rng.random() < share)
            if lesson:
                lessons_left -= 1
                document = generator.lesson(moment, author[0], False)
            else:
                issues_left -= 1
                document = generator.issue(moment, author[0], False)
            message = record_message("create", document["id"], None, document)
            yield Commit(moment, author, message, _files(generator, [document["id"]]))
        else:
            ids, message = generator.edit(moment, author[0])
            yield Commit(moment, author, message, _files(generator, ids))


def _files(generator: Generator, ids: list[str]) -> dict[str, bytes]:
    return {relative_path(record_id): encode(generator.documents[record_id]) for record_id in ids}


def write_stream(
    history: Iterator[Commit], out: IO[bytes], branch: str = "refs/heads/main", parent: str | None = None
) -> int:
    """Feed commits to `git fast-import`; returns how many were written."""
    count = 0
    for commit in history:
        stamp = f"{int(commit.moment.timestamp())} +0000"
        who = f"{commit.author[0]} <{commit.author[1]}>"
        message = commit.message.encode()
        parts = [
            f"commit {branch}\nauthor {who} {stamp}\ncommitter {who} {stamp}\n".encode(),
            b"data %d\n" % len(message),
            message,
            b"\n",
        ]
        if count == 0 and parent:
            parts.append(f"from {parent}\n".encode())
        for path, data in commit.files.items():
            parts += [f"M 100644 inline {path}\n".encode(), b"data %d\n" % len(data), data, b"\n"]
        out.write(b"".join(parts))
        count += 1
    out.write(b"done\n")
    return count


def fast_import(root: Path, history: Iterator[Commit], parent: str | None = None) -> int:
    """Write `history` into the repository at `root` on main."""
    process = subprocess.Popen(
        ["git", "-C", str(root), "fast-import", "--quiet", "--done"], stdin=subprocess.PIPE
    )
    assert process.stdin is not None
    count = write_stream(history, process.stdin, parent=parent)
    process.stdin.close()
    if process.wait() != 0:
        raise RuntimeError("git fast-import failed")
    return count


def build_register(root: Path, plan: Plan) -> dict[str, float]:
    """Generate the register at `root` (which must not exist); returns timings in seconds."""
    timings: dict[str, float] = {}
    started = time.perf_counter()
    root.mkdir(parents=True)
    subprocess.run(["git", "init", "--quiet", "--initial-branch=main", str(root)], check=True)
    for key, value in GIT_SETTINGS.items():
        subprocess.run(["git", "-C", str(root), "config", key, value], check=True)
    count = fast_import(root, commits(plan))
    timings["history"] = time.perf_counter() - started
    mark = time.perf_counter()
    subprocess.run(["git", "-C", str(root), "checkout", "--quiet", "--force", "main"], check=True)
    timings["checkout"] = time.perf_counter() - mark
    mark = time.perf_counter()
    subprocess.run(
        ["git", "-C", str(root), "commit-graph", "write", "--reachable", "--changed-paths"],
        check=True,
        capture_output=True,
    )
    timings["commit-graph"] = time.perf_counter() - mark
    timings["total"] = time.perf_counter() - started
    timings["commits"] = count
    return timings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="Folder to create the register in (must not exist).")
    parser.add_argument("--issues", type=int, default=50_000)
    parser.add_argument("--lessons", type=int, default=5_000)
    parser.add_argument("--commits", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    if args.out.exists():
        parser.error(f"{args.out} already exists")
    timings = build_register(args.out, Plan(args.issues, args.lessons, args.commits, args.seed))
    print(
        ", ".join(
            f"{name} {value:.1f}" + ("" if name == "commits" else " s") for name, value in timings.items()
        ),
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
