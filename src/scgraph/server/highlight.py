"""Split an article's text into runs, each with the quotes (by index) that cover it.

>>> [(text, ids) for text, ids in segments("abcdef", [(1, 3, 0), (2, 5, 1)])]
[('a', ()), ('b', (0,)), ('c', (0, 1)), ('de', (1,)), ('f', ())]
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import pairwise


def segments(text: str, spans: Iterable[tuple[int, int, int]]) -> list[tuple[str, tuple[int, ...]]]:
    """`text` cut at every span boundary; spans are (start, end, id) in characters, end exclusive.

    Quotes overlap (one sentence supports several statements), so a run may carry several ids;
    spans outside the text are clipped, empty ones ignored.
    """
    kept = [
        (max(0, start), min(len(text), end), ident)
        for start, end, ident in spans
        if max(0, start) < min(len(text), end)
    ]
    cuts = sorted({0, len(text), *(s for s, _, _ in kept), *(e for _, e, _ in kept)})
    runs = []
    for left, right in pairwise(cuts):
        covering = tuple(sorted(i for s, e, i in kept if s <= left and right <= e))
        runs.append((text[left:right], covering))
    return runs
