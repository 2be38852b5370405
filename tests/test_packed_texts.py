"""The packed text index finds exactly what a search record by record finds,
follows writes, and a damaged file of it is rebuilt, never believed."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from data.listing import LISTING_FILES, _read, load_listing
from data.load import STATE_DIR
from data.packed_texts import SEPARATOR, PackedTexts
from data.query import parse

ALPHABET = st.sampled_from(["a", "b", "é", "ß", "中", "\0", SEPARATOR, " ", "x", "\U0001f600"])
TEXTS = st.dictionaries(
    st.from_regex(r"ISS-[A-Z0-9]{6}", fullmatch=True), st.text(ALPHABET, max_size=12), max_size=12
)
NEEDLES = st.text(ALPHABET, max_size=4)


def by_record(texts: dict[str, str], needle: str) -> set[str]:
    return {record_id for record_id, text in texts.items() if needle in text}


@settings(max_examples=300, deadline=None)
@given(TEXTS, NEEDLES)
def test_a_word_is_found_in_exactly_the_records_whose_text_holds_it(
    texts: dict[str, str], needle: str
) -> None:
    packed = PackedTexts.of(texts.items())
    assert packed.holding(needle) == by_record(texts, needle)
    assert dict(packed) == texts


@settings(max_examples=200, deadline=None)
@given(TEXTS, TEXTS, st.lists(st.from_regex(r"ISS-[A-Z0-9]{6}", fullmatch=True), max_size=4), NEEDLES)
def test_written_and_removed_records_are_searched_as_they_now_are(
    first: dict[str, str], written: dict[str, str], removed: list[str], needle: str
) -> None:
    packed = PackedTexts.of(first.items())
    expected = dict(first)
    for record_id, text in written.items():
        packed[record_id] = text
        expected[record_id] = text
    for record_id in removed:
        if record_id in expected:
            del packed[record_id]
            del expected[record_id]
    assert packed.holding(needle) == by_record(expected, needle)
    assert dict(packed) == expected and len(packed) == len(expected)
    ids, offsets, block = packed.packed()
    again = PackedTexts.unpacked(b"header" + block, 6, ids, offsets)
    assert dict(again) == expected
    assert again.holding(needle) == by_record(expected, needle)


def test_free_words_in_a_query_match_the_full_register(demo_register) -> None:
    load_listing(demo_register.root, demo_register.git, "texts")  # written, if it was not
    texts = load_listing(demo_register.root, demo_register.git, "texts")  # read from its file
    assert isinstance(texts.rows["issues"], PackedTexts)
    for words in ("supplier", "-supplier", "payroll interface", '"not allocated"', "zzznothing"):
        query = parse(words, "issue")
        documents = demo_register.db.records("issues").all()
        expected = {document["id"] for document in documents if query(document)}
        chosen = query.matching_words(texts.rows["issues"])
        assert {document["id"] for document in documents if chosen(document["id"])} == expected


def test_a_damaged_text_index_is_rebuilt_not_believed(demo_register) -> None:
    root, git = demo_register.root, demo_register.git
    load_listing(root, git, "texts")
    path = root / STATE_DIR / LISTING_FILES["texts"]
    whole = path.read_bytes()
    assert isinstance(_read(path, "texts").rows["issues"], PackedTexts)
    for damaged in (whole[:-1], whole + b"x", whole[: len(whole) // 2]):
        path.write_bytes(damaged)
        assert _read(path, "texts") is None
        rebuilt = load_listing(root, git, "texts")
        assert rebuilt.source == "rebuilt"
        assert set(rebuilt.rows["issues"]) == {
            document["id"] for document in demo_register.db.records("issues").all()
        }
