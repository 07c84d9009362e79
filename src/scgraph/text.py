"""Text normalisation: NFC, whitespace folding for quotes, and accent folding for search.

>>> fold("Đà Nẵng")
'da nang'
>>> collapse_whitespace("a \\n  b")
'a b'
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_WHITESPACE = re.compile(r"\s+")


def nfc(text: str) -> str:
    """The NFC form of `text`, the only form stored in the graph."""
    return unicodedata.normalize("NFC", text)


def collapse_whitespace(text: str) -> str:
    """`text` with every run of white space turned into one space, ends stripped."""
    return _WHITESPACE.sub(" ", text).strip()


def fold(text: str) -> str:
    """Lower case, no diacritics, `đ` as `d`, white space collapsed: the form search compares."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    bare = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return collapse_whitespace(bare.casefold())


def find_quote(text: str, quote: str) -> tuple[int, int] | None:
    """Where `quote` occurs in `text` (NFC, as article texts are checked to be), with the quote
    in NFC and white space folded on both sides.

    Returns character offsets (start, end) into `text` itself, or None. Each text is folded once
    and remembered, since a mapping checks many quotes against the same article.

    >>> find_quote("Sáng  17-7,\\nViệt Nam", "17-7, Việt Nam")
    (6, 20)
    """
    wanted = collapse_whitespace(nfc(quote))
    if not wanted:
        return None
    folded, origin = _fold_whitespace_with_offsets(text)
    at = folded.find(wanted)
    if at < 0:
        return None
    return origin[at], origin[at + len(wanted) - 1] + 1


@lru_cache(maxsize=16)
def _fold_whitespace_with_offsets(text: str) -> tuple[str, tuple[int, ...]]:
    """Text with white space runs as one space, and each kept character's offset in `text`."""
    chars: list[str] = []
    origin: list[int] = []
    in_space = True  # drops leading white space
    for offset, ch in enumerate(text):
        if ch.isspace():
            if not in_space:
                chars.append(" ")
                origin.append(offset)
            in_space = True
        else:
            chars.append(ch)
            origin.append(offset)
            in_space = False
    return "".join(chars), tuple(origin)
