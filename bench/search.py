"""Search latency over a synthetic index of 120,000 entities: p50 and p99 per kind of query.

The reference measured in the same run is one dict look-up of the folded query (the cheapest
possible exact match), so the ratios say how much the ranking adds on this machine.
"""

from __future__ import annotations

import random
import time
import unicodedata

from scgraph.iris import SC
from scgraph.search import IndexedEntity, IndexedLabel, SearchIndex, normalize

ENTITIES = 120_000
QUERIES = 200

_INITIALS = [
    "b",
    "c",
    "ch",
    "d",
    "đ",
    "g",
    "gi",
    "h",
    "k",
    "kh",
    "l",
    "m",
    "n",
    "ng",
    "nh",
    "ph",
    "qu",
    "s",
    "t",
    "th",
    "tr",
    "v",
    "x",
]
_RHYMES = (
    "a ai am an ang anh ao at ay e em en eo i ien inh o oi om on ong u ui um un ung uong uyen y"
)
_TONES = ("", "\u0301", "\u0300", "\u0309", "\u0303", "\u0323")
_CLASSES = (("Person",), ("City", "Place"), ("Company", "Organisation"), ("Event",))
_PREFIXES = ("", "Công ty ", "Hội nghị ", "Thành phố ")


def _syllable(rng: random.Random) -> str:
    rhyme = rng.choice(_RHYMES.split(" "))
    toned = rhyme[0] + rng.choice(_TONES) + rhyme[1:]
    return unicodedata.normalize("NFC", rng.choice(_INITIALS) + toned)


def _name(rng: random.Random, words: int) -> str:
    return " ".join(_syllable(rng).capitalize() for _ in range(words))


def synthetic_index(rng: random.Random) -> SearchIndex:
    entities = []
    for n in range(ENTITIES):
        kind = n % len(_CLASSES)
        name = _PREFIXES[kind] + _name(rng, rng.randint(2, 5))
        labels = [IndexedLabel(name, "vi", "label"), IndexedLabel(name + " EN", "en", "label")]
        if n % 7 == 0:
            labels.append(IndexedLabel("".join(w[0] for w in name.split()).upper(), "", "altLabel"))
        types = tuple(SC + c for c in _CLASSES[kind])
        entities.append(IndexedEntity(f"https://scgraph.org/id/x/{n}", types, tuple(labels)))
    return SearchIndex(entities)


def _typo(text: str, rng: random.Random) -> str:
    at = rng.randrange(1, len(text) - 1)
    return text[:at] + text[at + 1] + text[at] + text[at + 2 :]


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return ordered[len(ordered) // 2], ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def main() -> None:
    rng = random.Random(20261122)
    started = time.perf_counter()
    index = synthetic_index(rng)
    print(
        f"search: built a synthetic index of {len(index):,} entities "
        f"in {time.perf_counter() - started:.1f} s"
    )
    sources = [rng.choice(index.entities) for _ in range(QUERIES)]
    labels = [entity.labels[0].text for entity in sources]
    kinds = {
        "exact": labels,
        "no diacritics, no spaces": [normalize(x).replace(" ", "") for x in labels],
        "prefix": [normalize(x)[: max(4, len(x) // 2)] for x in labels],
        "typo": [_typo(normalize(x), rng) for x in labels],
        "no match": ["zqxj " + str(n) for n in range(QUERIES)],
    }
    exact_keys = {normalize(x).replace(" ", ""): x for x in labels}
    reference: list[float] = []
    for text in labels:
        begin = time.perf_counter()
        exact_keys.get(normalize(text).replace(" ", ""))
        reference.append(time.perf_counter() - begin)
    ref_p50, _ = _percentiles(reference)
    print(f"  reference (fold + dict look-up): p50 {ref_p50 * 1e6:.1f} µs")
    for kind, queries in kinds.items():
        times = []
        found = 0
        for text, source in zip(queries, sources, strict=True):
            begin = time.perf_counter()
            hits = index.search(text, limit=10)
            times.append(time.perf_counter() - begin)
            found += source.iri in {hit.iri for hit in hits}
        p50, p99 = _percentiles(times)
        recall = "" if kind == "no match" else f"  source in top 10: {found / len(queries):.0%}"
        print(
            f"  {kind:26s} p50 {p50 * 1e3:7.2f} ms  p99 {p99 * 1e3:7.2f} ms  "
            f"(p50 = {p50 / ref_p50:,.0f}x reference){recall}"
        )


if __name__ == "__main__":
    main()
