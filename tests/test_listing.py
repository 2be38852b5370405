"""The listing (`.tracker/listing.pickle`): short fields only, the same answers as
the full register, refreshed like the load cache, and never able to run code."""

from __future__ import annotations

import os
import pickle
import time
from pathlib import Path

import orjson
import pytest
from conftest import git

from data.files import encode, relative_path
from data.listing import FIELDS, LISTING_FILE, LONG_FIELDS, load_listing
from data.load import STATE_DIR, folder_stamp, folders_to_look_in
from tracker.register import Register

QUERIES = [
    "",
    "status:open",
    "status:open severity:high",
    "-status:closed area:finance,payroll",
    "is:open vulnerable:yes",
    "raised<2025-06-01 age>30d",
    "cost>=1000",
    "tag:year-end",
    "by:priya",
    "lesson:LES-0000AA",
]


@pytest.mark.parametrize("query", QUERIES)
def test_the_listing_finds_what_the_full_register_finds(demo_register: Register, query: str):
    full = demo_register.search(query, "issue", whole=True)
    listed = Register.open(demo_register.root).search(query, "issue", whole=False)
    assert [d["id"] for d in listed] == [d["id"] for d in full]
    for short, whole in zip(listed, full, strict=True):
        assert short == {name: whole[name] for name in FIELDS["issues"]}


def test_listed_records_leave_out_long_texts_and_updates(demo_register: Register):
    listed = demo_register.search("", "lesson", whole=False)
    assert listed and not set(LONG_FIELDS["lessons"]) & set(listed[0])


@pytest.mark.parametrize(
    "words", ["payroll", '"not allocated"', "-backlog status:open", "ISS-", "zzzz-nothing"]
)
def test_free_words_through_the_text_index_find_what_the_full_register_finds(
    demo_register: Register, words: str
):
    full = demo_register.search(words, "issue", whole=True)
    fresh = Register.open(demo_register.root)
    listed = fresh.search(words, "issue", whole=False)
    assert [d["id"] for d in listed] == [d["id"] for d in full]
    assert fresh._db is None, "the whole register was not read"


def test_a_word_only_in_a_description_or_an_update_is_found(register: Register):
    first = register.add_issue(title="One", raised_by="Ann", description="The BACS file was rejected")
    second = register.add_issue(title="Two", raised_by="Ann")
    register.add_update(second.id, "Spoke to the bacs bureau")
    third = register.add_issue(title="bac s", raised_by="Ann", tags=["bacs-like"])
    register.add_issue(title="Nothing", raised_by="Ann")
    found = Register.open(register.root).search("bacs", "issue", whole=False)
    assert {d["id"] for d in found} == {first.id, second.id, third.id}
    assert "description" not in found[0]
    edited = Register.open(register.root)
    edited.search("bacs", "issue", whole=False)
    edited.edit(first.id, {"description": "Nothing to see"})
    assert first.id not in [d["id"] for d in edited.search("bacs", "issue", whole=False)]


def test_the_listing_follows_commits_hand_edits_and_new_files(register: Register):
    issue = register.add_issue(title="Original", raised_by="Ann")
    assert load_listing(register.root, register.git).source == "rebuilt"
    assert load_listing(register.root, register.git).source == "cache"

    Register.open(register.root).add_issue(title="Second", raised_by="Ann")
    refreshed = load_listing(register.root, register.git)
    assert refreshed.source == "refreshed"
    assert sorted(d["title"] for d in refreshed.documents("issues")) == ["Original", "Second"]

    path = register.root / relative_path(issue.id)
    document = orjson.loads(path.read_bytes())
    document["title"] = "Edited by hand"
    path.write_bytes(encode(document))  # in place: the folder's time does not change
    assert load_listing(register.root, register.git).rows["issues"][issue.id][1] == "Edited by hand"

    planted = {**document, "id": issue.id[:4] + issue.id[4:6] + "ZZZZ", "title": "Copied in"}
    (path.parent / f"{planted['id']}.json").write_bytes(encode(planted))  # untracked
    titles = [d["title"] for d in load_listing(register.root, register.git).documents("issues")]
    assert "Copied in" in titles

    git(register.root, "checkout", "--", relative_path(issue.id))
    (path.parent / f"{planted['id']}.json").unlink()
    titles = sorted(d["title"] for d in load_listing(register.root, register.git).documents("issues"))
    assert titles == ["Original", "Second"]


def test_new_files_are_looked_for_only_in_folders_that_changed(register: Register, tmp_path: Path):
    issue = register.add_issue(title="Kept", raised_by="Ann")
    shard = (register.root / relative_path(issue.id)).parent
    old = time.time_ns() - 10_000_000_000
    for folder in [register.root / "issues", register.root / "lessons", shard]:
        if folder.exists():
            os.utime(folder, ns=(old, old))
    stamp = folder_stamp(register.root)
    assert folders_to_look_in(stamp, folder_stamp(register.root)) == []
    (shard / "ISS-0000AA.json").write_bytes(b"{}\n")
    assert folders_to_look_in(stamp, folder_stamp(register.root)) == [f"issues/{shard.name}"]
    recent = folder_stamp(register.root)
    assert f"issues/{shard.name}" in folders_to_look_in(recent, recent), (
        "a change just before the stamp is not trusted"
    )
    assert folders_to_look_in({}, recent) is None, "with no stamp, git is asked"


def test_a_damaged_or_foreign_listing_is_rebuilt(register: Register):
    issue = register.add_issue(title="Kept", raised_by="Ann")
    load_listing(register.root, register.git)
    path = register.root / STATE_DIR / LISTING_FILE
    good = pickle.loads(path.read_bytes())
    wrong_shapes = [
        {**good, "folders": [1, 2]},
        {**good, "rows": {**good["rows"], "issues": [pickle.dumps([("x",)])]}},
        {**good, "rows": {**good["rows"], "issues": [("x",)]}},
        {**good, "overlay": 3},
        {**good, "tree": 7},
    ]
    for garbage in [
        b"",
        b"not a pickle",
        pickle.dumps({"version": "old"}),
        pickle.dumps([1, 2]),
        *(pickle.dumps(shape) for shape in wrong_shapes),
    ]:
        path.write_bytes(garbage)
        listing = load_listing(register.root, register.git)
        assert listing.source == "rebuilt" and issue.id in listing.rows["issues"]


class Planted:
    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.system, ("touch planted-by-listing",))


def test_a_planted_listing_cannot_run_code(
    register: Register, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    issue = register.add_issue(title="Kept", raised_by="Ann")
    load_listing(register.root, register.git)
    monkeypatch.chdir(tmp_path)
    path = register.root / STATE_DIR / LISTING_FILE
    good = pickle.loads(path.read_bytes())
    for planted in [
        {"version": Planted()},
        {**good, "rows": {**good["rows"], "issues": [pickle.dumps(Planted())]}},
    ]:
        path.write_bytes(pickle.dumps(planted))
        listing = load_listing(register.root, register.git)
        assert not (tmp_path / "planted-by-listing").exists()
        assert listing.source == "rebuilt" and issue.id in listing.rows["issues"]


def test_a_listing_committed_to_git_is_not_trusted(register: Register):
    issue = register.add_issue(title="Kept", raised_by="Ann")
    load_listing(register.root, register.git)
    path = register.root / STATE_DIR / LISTING_FILE
    data = pickle.loads(path.read_bytes())
    data["rows"]["issues"] = [
        pickle.dumps([(issue.id, "Claimed by the remote", *(None,) * (len(FIELDS["issues"]) - 2))])
    ]
    path.write_bytes(pickle.dumps(data))
    git(register.root, "add", "-f", f"{STATE_DIR}/{LISTING_FILE}")
    git(register.root, "commit", "-qm", "plant a listing")
    listing = load_listing(register.root, register.git)
    assert listing.rows["issues"][issue.id][1] == "Kept"


def test_with_no_cache_at_all_both_listings_come_from_one_pass_over_git(demo_register: Register):
    state = demo_register.root / STATE_DIR
    for name in ("cache.json", "listing.pickle", "texts.pickle"):
        (state / name).unlink(missing_ok=True)
    rows = load_listing(demo_register.root, demo_register.git)
    assert rows.source == "rebuilt" and (state / "texts.pickle").exists()
    assert not (state / "cache.json").exists(), "whole documents were not kept"
    texts = load_listing(demo_register.root, demo_register.git, "texts")
    assert texts.source == "cache" and set(texts.rows["issues"]) == set(rows.rows["issues"])
    full = Register.open(demo_register.root).documents("issue")
    assert {key: row[1] for key, row in rows.rows["issues"].items()} == {
        k: d["title"] for k, d in full.items()
    }


def test_uncommitted_records_later_removed_leave_a_rebuilt_listing(register: Register):
    """Records written but never committed (an import that was then rolled
    back) are listed while their files are there, and not once they are gone,
    even when the listing was rebuilt from the load cache in between."""
    root = register.root
    kept = register.add("issue", title="Committed issue", severity="high")
    Register.open(root).documents("issue")  # the load cache, written
    Register.open(root).search("", "issue", whole=False)  # and the listing
    document = orjson.loads((root / relative_path(kept.id)).read_bytes())
    planted = [f"ISS-7ZZZZ{n}" for n in range(3)]
    for record_id in planted:
        path = root / relative_path(record_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(encode({**document, "id": record_id, "title": f"Uncommitted {record_id}"}))
    Register.open(root).documents("issue")  # refreshed from the files on disk
    (root / STATE_DIR / LISTING_FILE).unlink()
    listed = {d["id"] for d in Register.open(root).search("", "issue", whole=False)}
    assert listed == {kept.id, *planted}
    for record_id in planted:
        (root / relative_path(record_id)).unlink()
    listed = {d["id"] for d in Register.open(root).search("", "issue", whole=False)}
    assert listed == {kept.id}
    assert {d["id"] for d in Register.open(root).search("", "issue", whole=True)} == {kept.id}
