"""The text index packed: every record's searchable text in one block of bytes.

At 50,000 issues the searchable texts (`data.query.haystack_of`) are 72 MB.
Kept as 55,000 Python strings they took a quarter of a second to unpickle on
every free-text `tracker list`, and as long again in the TUI the first time a
free word was typed. Packed, they are one UTF-8 block read as it is from
`.tracker/texts.pickle` (after a small pickled header: the IDs and where each
record's text starts), and a free word is one `bytes.find` pass over the block
in C, jumping to the next record after each hit.

UTF-8 makes a byte search exact: an encoded word is found in an encoded text
exactly when the word is in the text, and never across two characters. Each
record's text ends with `SEPARATOR`, a control character that record text never
holds (`data.text.UNSAFE`), so a word cannot match across two records either;
a word that holds it is looked for record by record instead.

A `PackedTexts` is a mutable mapping of ID → text, so a listing follows a
write as before: a changed or new record's text is kept beside the block, and
a removed one hidden, until the index is written again.
"""

from __future__ import annotations

import mmap
from array import array
from bisect import bisect_right
from collections.abc import Iterable, Iterator, MutableMapping
from itertools import pairwise

Block = bytes | mmap.mmap
"""The packed text: bytes, or the index file mapped into memory."""
SEPARATOR = "\x01"
_SEPARATOR_BYTE = SEPARATOR.encode()


class PackedTexts(MutableMapping[str, str]):
    """Record ID → searchable text, over a packed block (see the module)."""

    def __init__(
        self, block: Block = b"", start: int = 0, ids: list[str] | None = None, offsets: array | None = None
    ):
        """`block[offsets[i]:offsets[i + 1] - 1]` is the text of `ids[i]`;
        `start` is where this table's part of `block` begins."""
        self._block = block
        self._ids = ids or []
        self._offsets = offsets if offsets is not None else array("q", [start])
        self._positions: dict[str, int] | None = None
        self._changed: dict[str, str] = {}
        self._hidden: set[str] = set()

    @classmethod
    def of(cls, texts: Iterable[tuple[str, str]]) -> PackedTexts:
        """Texts packed anew from (ID, text) pairs."""
        ids, parts, offsets, position = [], [], array("q", [0]), 0
        for record_id, text in texts:
            encoded = text.encode("utf-8", "surrogatepass") + _SEPARATOR_BYTE
            ids.append(record_id)
            parts.append(encoded)
            position += len(encoded)
            offsets.append(position)
        return cls(b"".join(parts), 0, ids, offsets)

    def packed(self) -> tuple[list[str], bytes, bytes]:
        """What is written: the IDs, the offsets (relative to the text) and the text."""
        if not self._changed and not self._hidden:
            start, end = self._offsets[0], self._offsets[-1]
            relative = array("q", (offset - start for offset in self._offsets))
            return list(self._ids), relative.tobytes(), bytes(self._block[start:end])
        again = PackedTexts.of(self.pairs())
        return again._ids, again._offsets.tobytes(), bytes(again._block)

    @classmethod
    def unpacked(cls, block: Block, start: int, ids: list[str], offsets: bytes) -> PackedTexts:
        """The texts as `packed` gave them, their text at `start` in `block`
        (not copied). Raises ValueError when the parts do not fit together."""
        relative = array("q")
        relative.frombytes(offsets)
        if len(relative) != len(ids) + 1 or relative[0] != 0 or start + relative[-1] > len(block):
            raise ValueError("the packed texts do not fit their offsets")
        if any(later < earlier for earlier, later in pairwise(relative)):
            raise ValueError("the packed texts' offsets go backwards")
        if not all(type(record_id) is str for record_id in ids):
            raise ValueError("a packed text's ID is not text")
        return cls(block, start, ids, array("q", (start + offset for offset in relative)))

    # --- searching -------------------------------------------------------------------

    def holding(self, needle: str) -> set[str]:
        """The IDs whose text holds `needle`: exactly `{i for i, t in self.items() if needle in t}`."""
        if not needle:
            return set(self)
        if SEPARATOR in needle:
            return {record_id for record_id, text in self.pairs() if needle in text}
        pattern = needle.encode("utf-8", "surrogatepass")
        block, ids, offsets, end = self._block, self._ids, self._offsets, self._offsets[-1]
        found: set[str] = set()
        position = block.find(pattern, offsets[0], end)
        while position >= 0:
            index = bisect_right(offsets, position) - 1
            found.add(ids[index])
            position = block.find(pattern, offsets[index + 1], end)
        if self._hidden or self._changed:
            found -= self._hidden
            found -= self._changed.keys()
            found.update(record_id for record_id, text in self._changed.items() if needle in text)
        return found

    # --- the mapping -----------------------------------------------------------------

    def _position(self, record_id: str) -> int | None:
        if self._positions is None:
            self._positions = {known: index for index, known in enumerate(self._ids)}
        return self._positions.get(record_id)

    def _packed_text(self, index: int) -> str:
        start, end = self._offsets[index], self._offsets[index + 1] - 1
        return self._block[start:end].decode("utf-8", "surrogatepass")

    def __getitem__(self, record_id: str) -> str:
        if record_id in self._changed:
            return self._changed[record_id]
        index = self._position(record_id)
        if index is None or record_id in self._hidden:
            raise KeyError(record_id)
        return self._packed_text(index)

    def __setitem__(self, record_id: str, text: str) -> None:
        self._changed[record_id] = text
        if self._position(record_id) is not None:
            self._hidden.add(record_id)

    def __delitem__(self, record_id: str) -> None:
        packed = self._position(record_id) is not None and record_id not in self._hidden
        if record_id not in self._changed and not packed:
            raise KeyError(record_id)
        self._changed.pop(record_id, None)
        if self._position(record_id) is not None:
            self._hidden.add(record_id)

    def __iter__(self) -> Iterator[str]:
        hidden = self._hidden
        yield from (record_id for record_id in self._ids if record_id not in hidden)
        yield from self._changed

    def __len__(self) -> int:
        return len(self._ids) - len(self._hidden) + len(self._changed)

    def __contains__(self, record_id: object) -> bool:
        if record_id in self._changed:
            return True
        return (
            isinstance(record_id, str)
            and self._position(record_id) is not None
            and record_id not in self._hidden
        )

    def pairs(self) -> Iterator[tuple[str, str]]:
        """Every (ID, text), packed ones in order then changed ones: `items()`
        without a lookup for each."""
        hidden = self._hidden
        for index, record_id in enumerate(self._ids):
            if record_id not in hidden:
                yield record_id, self._packed_text(index)
        yield from self._changed.items()
