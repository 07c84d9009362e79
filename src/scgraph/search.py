"""The entity search index: labels folded for Vietnamese, written by the build, queried in memory.

The build collects every entity under `{base}id/` with its `rdfs:label`s and `skos:altLabel`s
(acronyms are alt labels too) in every language, and its types (parents included: the build
writes them), into `search-index.json` beside the store. Serving reads that file once and keeps
four small indexes in memory, so a request never scans the labels:

- exact:   the label with case, diacritics (`đ` → `d`), punctuation and spaces removed;
- prefix:  the same keys, sorted, for a binary search ("da na" finds "Đà Nẵng");
- words:   the query's words are words of the label, the last one possibly unfinished
           ("pham ha" → "Phạm Hồng Hà", "pham h" too);
- fuzzy:   letter trigrams propose candidates, edit distance ranks them ("vinassa" → VINASA).

Results rank exact > prefix > words > fuzzy; within a tier a closer match wins, then places over
organisations over everything else (a city named like a person comes first), then the preferred
label over an alt label. For places, a leading or trailing designation ("TP", "tỉnh", "City",
"Province") is optional, so "ho chi minh" is an exact match of "TP Hồ Chí Minh".

>>> city = IndexedEntity("https://scgraph.org/id/city/da-nang", (SC + "City", SC + "Place"),
...     (IndexedLabel("Đà Nẵng", "vi", "label"), IndexedLabel("Da Nang", "en", "label")))
>>> person = IndexedEntity("https://scgraph.org/id/person/pham-hong-ha", (SC + "Person",),
...     (IndexedLabel("Phạm Hồng Hà", "vi", "label"),))
>>> index = SearchIndex([city, person])
>>> [hit.label for hit in index.search("danang")]
['Đà Nẵng']
>>> index.search("pham hong ha")[0].iri
'https://scgraph.org/id/person/pham-hong-ha'
>>> index.search("da nag")[0].match
'fuzzy'
>>> index.search("Da Nang", type="Person")
[]
"""

from __future__ import annotations

import bisect
import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pyoxigraph as ox

from scgraph.errors import StoreError
from scgraph.graph_store import GraphStore
from scgraph.iris import SC
from scgraph.ontology import RDF_TYPE, RDFS_LABEL, SKOS
from scgraph.store import open_store
from scgraph.text import fold

INDEX_FILE = "search-index.json"
INDEX_FORMAT = 1

LabelKind = Literal["label", "altLabel"]
MatchKind = Literal["exact", "prefix", "words", "fuzzy"]

_TIERS: dict[MatchKind, int] = {"exact": 4, "prefix": 3, "words": 2, "fuzzy": 1}
# Provenance machinery: thousands of "Quote: …" nodes would drown the entities people look for.
EXCLUDED_CLASSES = frozenset({SC + "Evidence", SC + "Build", SC + "MappingFile"})
# Nodes that describe a statement rather than name a thing rank below named things.
_DESCRIPTIVE_CLASSES = frozenset(
    SC + name for name in ("Article", "Participation", "Quotation", "Statistic", "Recognition")
)
_DESIGNATIONS = (
    "thanh pho",
    "tp",
    "tinh",
    "quan",
    "huyen",
    "thi xa",
    "xa",
    "phuong",
    "city of",
    "city",
    "province",
    "district",
)
_NOT_WORD = re.compile(r"[\W_]+")
_FUZZY_CANDIDATES = 40
_FUZZY_POSTINGS = 20_000  # trigram postings read per query, rarest trigrams first
_FUZZY_MIN_SIMILARITY = 0.6
_SCAN_CAP = 2000
_PREFIX_WORDS = 64


@dataclass(frozen=True)
class IndexedLabel:
    text: str
    lang: str | None
    kind: LabelKind


@dataclass(frozen=True)
class IndexedEntity:
    iri: str
    types: tuple[str, ...]
    labels: tuple[IndexedLabel, ...]

    def label(self, lang: str | None = "vi") -> str:
        """The rdfs:label in `lang`, else in Vietnamese, English or any; else an alt label."""
        order = [lang, "vi", "en", None]
        for wanted_kind in ("label", "altLabel"):
            for wanted in order:
                for item in self.labels:
                    if item.kind == wanted_kind and (wanted is None or item.lang == wanted):
                        return item.text
        return self.iri


@dataclass(frozen=True)
class Hit:
    """One search result: the entity, the label shown, the label that matched and how.

    `score` is the tier (4 exact, 3 prefix, 2 words, 1 fuzzy) plus half the closeness of the
    match (0–1): higher is better, and only the order is meant to be relied on.
    """

    iri: str
    label: str
    matched: str
    match: MatchKind
    score: float
    types: tuple[str, ...]


def normalize(text: str) -> str:
    """The form labels are compared in: folded, punctuation as spaces.

    >>> normalize("TP.HCM – Đà Nẵng")
    'tp hcm da nang'
    """
    return " ".join(_NOT_WORD.sub(" ", fold(text)).split())


def _strip_designation(norm: str) -> str | None:
    for word in _DESIGNATIONS:
        if norm.startswith(word + " ") and len(norm) > len(word) + 1:
            return norm[len(word) + 1 :]
        if norm.endswith(" " + word) and len(norm) > len(word) + 1:
            return norm[: -len(word) - 1]
    return None


def _trigrams(compact: str) -> set[str]:
    padded = f"^{compact}$"
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


def _edit_distance(a: str, b: str, limit: int | None = None) -> int:
    """Levenshtein distance; past `limit`, any value above it (the rest is not computed).

    >>> _edit_distance("vinassa", "vinasa"), _edit_distance("participation", "tp", limit=3) > 3
    (1, True)
    """
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        # A row's least value never decreases further down: once it is past the limit, so is
        # the distance.
        if limit is not None and min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


def _type_preference(types: Iterable[str]) -> int:
    present = set(types)
    if SC + "Place" in present:
        return 3
    if SC + "Organisation" in present:
        return 2
    if present & _DESCRIPTIVE_CLASSES:
        return 0
    return 1


@dataclass(frozen=True)
class _Key:
    entity: int
    label: int
    norm: str
    compact: str


class SearchIndex:
    """Labels of every entity, indexed for exact, prefix, word and fuzzy look-ups.

    Built once and only read afterwards, so one index can serve many threads.
    """

    def __init__(self, entities: Iterable[IndexedEntity]) -> None:
        self.entities: list[IndexedEntity] = list(entities)
        self._by_iri = {entity.iri: n for n, entity in enumerate(self.entities)}
        self._preference = [_type_preference(e.types) for e in self.entities]
        self._keys: list[_Key] = []
        self._exact: dict[str, list[int]] = {}
        words: dict[str, set[int]] = {}
        grams: dict[str, list[int]] = {}
        for n, entity in enumerate(self.entities):
            is_place = SC + "Place" in entity.types
            for m, item in enumerate(entity.labels):
                norm = normalize(item.text)
                forms = [norm]
                stripped = _strip_designation(norm) if is_place else None
                if stripped:
                    forms.append(stripped)
                for form in forms:
                    compact = form.replace(" ", "")
                    if not compact:
                        continue
                    k = len(self._keys)
                    self._keys.append(_Key(n, m, form, compact))
                    self._exact.setdefault(compact, []).append(k)
                    for word in set(form.split()):
                        words.setdefault(word, set()).add(k)
                    for gram in _trigrams(compact):
                        grams.setdefault(gram, []).append(k)
        self._sorted = sorted((key.compact, k) for k, key in enumerate(self._keys))
        self._words = {word: frozenset(keys) for word, keys in words.items()}
        self._word_list = sorted(words)
        self._grams = grams

    def __len__(self) -> int:
        return len(self.entities)

    def entity(self, iri: str) -> IndexedEntity | None:
        """The indexed entity with this IRI, if any."""
        n = self._by_iri.get(iri)
        return None if n is None else self.entities[n]

    def search(
        self,
        text: str,
        type: str | None = None,
        limit: int = 10,
        lang: str | None = "vi",
        offset: int = 0,
    ) -> list[Hit]:
        """The best `limit` entities for `text`, best first; [] when nothing matches.

        `type` is a class of our ontology by local name (`"Province"`) or any class IRI; an
        entity qualifies if it has that type or a subclass of it. `lang` picks the label shown.
        """
        query = normalize(text)
        compact = query.replace(" ", "")
        if not compact or limit <= 0:
            return []
        wanted_type = _type_iri(type)
        best: dict[int, tuple[tuple[float, ...], int, MatchKind]] = {}

        def consider(k: int, match: MatchKind, quality: float) -> None:
            key = self._keys[k]
            entity = self.entities[key.entity]
            if wanted_type is not None and wanted_type not in entity.types:
                return
            kind = entity.labels[key.label].kind
            rank = (
                _TIERS[match],
                round(quality, 2),
                self._preference[key.entity],
                1 if kind == "label" else 0,
                -len(key.compact),
            )
            current = best.get(key.entity)
            if current is None or rank > current[0]:
                best[key.entity] = (rank, k, match)

        # Tiers never mix: once a tier has filled the page, the lower ones cannot enter it.
        wanted = offset + limit
        for k in self._exact.get(compact, ()):
            consider(k, "exact", 1.0)
        if len(best) < wanted:
            for k in self._prefixed(compact):
                consider(k, "prefix", len(compact) / len(self._keys[k].compact))
        if len(best) < wanted:
            for k in self._word_matches(query.split()):
                consider(k, "words", len(compact) / len(self._keys[k].compact))
        # Typos are looked for only when nothing matched as typed: fuzzy ranks last anyway.
        if not best:
            for k, similarity in self._fuzzy(compact):
                consider(k, "fuzzy", similarity)
        ranked = sorted(
            best.items(),
            key=lambda item: (tuple(-x for x in item[1][0]), self.entities[item[0]].iri),
        )
        hits = []
        for n, (rank, k, match) in ranked[offset : offset + limit]:
            entity = self.entities[n]
            hits.append(
                Hit(
                    iri=entity.iri,
                    label=entity.label(lang),
                    matched=entity.labels[self._keys[k].label].text,
                    match=match,
                    score=rank[0] + rank[1] / 2,
                    types=entity.types,
                )
            )
        return hits

    def _prefixed(self, compact: str) -> Iterator[int]:
        start = bisect.bisect_left(self._sorted, (compact, -1))
        for found, k in self._sorted[start : start + _SCAN_CAP]:
            if not found.startswith(compact):
                break
            if found != compact:
                yield k

    def _word_matches(self, words: list[str]) -> list[int]:
        # Every word but the last is complete; the last may still be being typed (a prefix).
        if len(words) < 2:
            return []
        complete = []
        for word in words[:-1]:
            postings = self._words.get(word)
            if postings is None:
                return []
            complete.append(postings)
        complete.sort(key=len)
        candidates = complete[0]
        for postings in complete[1:]:
            candidates = candidates & postings
            if not candidates:
                return []
        last = words[-1]
        start = bisect.bisect_left(self._word_list, last)
        found: set[int] = set()
        for word in self._word_list[start : start + _PREFIX_WORDS]:
            if not word.startswith(last):
                break
            found |= candidates & self._words[word]
        return sorted(found)[:_SCAN_CAP]

    def _fuzzy(self, compact: str) -> list[tuple[int, float]]:
        grams = sorted(_trigrams(compact), key=lambda g: len(self._grams.get(g, ())))
        # The rarest trigrams carry the signal; very common ones only cost time.
        counts: Counter[int] = Counter()
        total = 0
        for used, gram in enumerate(grams):
            postings = self._grams.get(gram, ())
            if used >= 3 and total + len(postings) > _FUZZY_POSTINGS:
                break
            total += len(postings)
            counts.update(postings)
        scored = []
        for k, _ in counts.most_common(_FUZZY_CANDIDATES):
            candidate = self._keys[k].compact
            longest = max(len(compact), len(candidate))
            # The distance is at least the difference in length: when that alone keeps the whole
            # label under the threshold, the start decides, and the costly comparison with a long
            # label (a title: ~100 letters) is skipped, with the same outcome.
            if 1 - abs(len(compact) - len(candidate)) / longest < _FUZZY_MIN_SIMILARITY:
                whole = 0.0
            else:
                distance = _edit_distance(compact, candidate, _allowed(longest, 1.0))
                whole = 1 - distance / longest
            # A typo in the first words of a longer label: compare with its start.
            head = candidate[: len(compact)]
            start = 0.0
            if head != candidate:
                distance = _edit_distance(compact, head, _allowed(len(compact), 0.9))
                start = 1 - distance / len(compact)
            similarity = max(whole, start * 0.9)
            if similarity >= _FUZZY_MIN_SIMILARITY:
                scored.append((k, similarity))
        return scored


def _allowed(length: int, weight: float) -> int:
    """The largest edit distance over `length` letters that can still reach the fuzzy threshold
    once the similarity is multiplied by `weight`: a distance past it is not needed exactly."""
    return int(length * (1 - _FUZZY_MIN_SIMILARITY / weight)) + 1


def _type_iri(name: str | None) -> str | None:
    if not name:
        return None
    if name.startswith(("http://", "https://")):
        return name
    return SC + name.removeprefix("sc:")


# The build's own nodes (an evidence node per quote: most labelled nodes) are left out here, not
# in Python: kept until the end, they took ~1 GB per million at 10,000 generated articles.
_LABELS = f"""
SELECT ?s ?p ?l ?prefix WHERE {{
  VALUES ?p {{ <{RDFS_LABEL}> <{SKOS}altLabel> }}
  ?s ?p ?l .
  FILTER(isIRI(?s) && isLiteral(?l) && STRSTARTS(STR(?s), STR(?prefix)))
  FILTER NOT EXISTS {{ VALUES ?excluded {{ {" ".join(f"<{c}>" for c in sorted(EXCLUDED_CLASSES))} }}
                       ?s <{RDF_TYPE}> ?excluded }}
}}"""
# The types of the labelled nodes only, asked in batches: reading every typed node instead (the
# evidence's targets and selectors) took 12 s at 1,000 generated articles, these lookups 1.5 s.
_TYPES_OF = f"SELECT ?s ?t WHERE {{ VALUES ?s {{ %s }} ?s <{RDF_TYPE}> ?t FILTER(isIRI(?t)) }}"
_TYPES_BATCH = 500  # IRIs per query: ~40 KB of query text for an external store


Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple


def _solutions(result: ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples) -> ox.QuerySolutions:
    assert isinstance(result, ox.QuerySolutions)
    return result


def collect_entities(store: GraphStore, base_iri: str) -> list[IndexedEntity]:
    """Every labelled entity under `{base_iri}id/` in the store's default graph, sorted by IRI."""
    prefix: dict[ox.Variable, Term] = {ox.Variable("prefix"): ox.Literal(base_iri + "id/")}
    labels: dict[str, set[IndexedLabel]] = {}
    types: dict[str, set[str]] = {}
    try:
        for row in _solutions(store.query(_LABELS, substitutions=prefix)):
            subject, predicate, literal = row["s"], row["p"], row["l"]
            assert isinstance(literal, ox.Literal)
            kind: LabelKind = "label" if predicate.value == RDFS_LABEL else "altLabel"
            labels.setdefault(subject.value, set()).add(
                IndexedLabel(literal.value, literal.language, kind)
            )
        subjects = sorted(labels)
        for start in range(0, len(subjects), _TYPES_BATCH):
            batch = " ".join(f"<{iri}>" for iri in subjects[start : start + _TYPES_BATCH])
            for row in _solutions(store.query(_TYPES_OF % batch)):
                types.setdefault(row["s"].value, set()).add(row["t"].value)
    except OSError as error:
        raise StoreError(f"cannot read labels for the search index: {error}") from error
    return [
        IndexedEntity(
            iri,
            tuple(sorted(types.get(iri, ()))),
            tuple(sorted(found, key=lambda x: (x.kind != "label", x.lang or "", x.text))),
        )
        for iri, found in sorted(labels.items())
        if not EXCLUDED_CLASSES & types.get(iri, set())
    ]


def write_index(entities: list[IndexedEntity], path: Path) -> None:
    """Write the entities to index as JSON (sorted, so equal builds give equal files).

    Entity by entity: the whole document as one string took ~700 MB at 10,000 generated
    articles (a 110 MB file), the largest peak of the build. The bytes are `json.dumps` of the
    whole document (tested)."""
    with path.open("w", encoding="utf-8") as out:
        out.write(f'{{"format":{compact_json(INDEX_FORMAT)},"entities":[')
        for number, e in enumerate(entities):
            item = {
                "iri": e.iri,
                "types": list(e.types),
                "labels": [[x.text, x.lang, x.kind] for x in e.labels],
            }
            out.write(("," if number else "") + compact_json(item))
        out.write("]}\n")


def compact_json(value: object) -> str:
    """JSON as the index file writes it: no spaces, characters as they are."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def build_index_file(store_dir: Path, base_iri: str, path: Path) -> int:
    """Index the store at `store_dir` into `path` (the build's hook); returns the entity count."""
    entities = collect_entities(open_store(store_dir), base_iri)
    write_index(entities, path)
    return len(entities)


def read_index_document(path: Path) -> dict[str, Any]:
    """The JSON document `write_index` wrote, its format checked."""
    try:
        document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise StoreError(f"cannot read the search index {path}: {error}") from error
    if document.get("format") != INDEX_FORMAT:
        raise StoreError(f"{path}: unknown search index format {document.get('format')!r}")
    return document


def read_index(path: Path) -> SearchIndex:
    """The search index written by `write_index`."""
    document = read_index_document(path)
    return SearchIndex(
        IndexedEntity(
            item["iri"],
            tuple(item["types"]),
            tuple(IndexedLabel(text, lang, kind) for text, lang, kind in item["labels"]),
        )
        for item in document["entities"]
    )


def load_index(build: Path, store: GraphStore, base_iri: str) -> SearchIndex:
    """The index of a build directory; built from its store if the build predates the index."""
    path = build / INDEX_FILE
    if path.is_file():
        return read_index(path)
    return SearchIndex(collect_entities(store, base_iri))
