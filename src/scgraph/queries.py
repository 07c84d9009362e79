"""The example queries in queries/: their titles and descriptions, and their expected answers.

Each `NN-name.rq` starts with a comment header:

    # title: Who spoke at which event
    # title@vi: Ai phát biểu tại sự kiện nào
    # description: …
    # description@vi: …

and has its expected results beside it: `NN-name.tsv` (SELECT, SPARQL TSV results), `NN-name.srj`
(ASK, SPARQL JSON results) or `NN-name.nt` (CONSTRUCT, N-Triples).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from scgraph.errors import ExampleQueryError
from scgraph.graph_store import QueryResult

_HEADER = re.compile(r"^#\s*(title|description)(@vi)?\s*:\s*(.+?)\s*$")
_ORDERED = re.compile(r"\bORDER\s+BY\b", re.IGNORECASE)
EXPECTED_SUFFIXES = (".tsv", ".srj", ".nt")


@dataclass(frozen=True)
class ExampleQuery:
    name: str
    path: Path
    title: str
    title_vi: str
    description: str
    description_vi: str
    text: str

    @property
    def expected_path(self) -> Path:
        for suffix in EXPECTED_SUFFIXES:
            candidate = self.path.with_suffix(suffix)
            if candidate.exists():
                return candidate
        raise ExampleQueryError(self.path, "no expected results file (.tsv, .srj or .nt) beside it")

    @property
    def is_ordered(self) -> bool:
        return bool(_ORDERED.search(self.text))


def load_example(path: Path) -> ExampleQuery:
    text = path.read_text(encoding="utf-8")
    fields: dict[str, str] = {}
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        match = _HEADER.match(line)
        if match:
            key = match.group(1) + (match.group(2) or "")
            fields[key] = (fields.get(key, "") + " " + match.group(3)).strip()
    missing = [k for k in ("title", "title@vi", "description", "description@vi") if k not in fields]
    if missing:
        raise ExampleQueryError(path, f"header lacks {', '.join(missing)}")
    return ExampleQuery(
        name=path.stem,
        path=path,
        title=fields["title"],
        title_vi=fields["title@vi"],
        description=fields["description"],
        description_vi=fields["description@vi"],
        text=text,
    )


def load_examples(directory: Path) -> list[ExampleQuery]:
    """Every example query in `directory`, sorted by file name.

    >>> examples = load_examples(Path("queries"))
    >>> len(examples) >= 20
    True
    """
    return [load_example(path) for path in sorted(directory.glob("*.rq"))]


def canonical(
    result: QueryResult, ordered: bool
) -> list[tuple[str, ...]] | Counter[tuple[str, ...]] | bool:
    """Results in a comparable form: ordered rows, a multiset of rows, or a boolean."""
    if isinstance(result, ox.QueryBoolean):
        return bool(result)
    if isinstance(result, ox.QueryTriples):
        return Counter((str(t.subject), str(t.predicate), str(t.object)) for t in result)
    names = [v.value for v in result.variables]
    rows = [
        tuple(str(row[name]) if row[name] is not None else "" for name in names) for row in result
    ]
    return rows if ordered else Counter(rows)


def read_expected(example: ExampleQuery) -> list[tuple[str, ...]] | Counter[tuple[str, ...]] | bool:
    """The expected answer of `example`, in the form `canonical` gives."""
    path = example.expected_path
    if path.suffix == ".nt":
        triples = ox.parse(path=str(path), format=ox.RdfFormat.N_TRIPLES)
        return Counter((str(t.subject), str(t.predicate), str(t.object)) for t in triples)
    fmt = ox.QueryResultsFormat.TSV if path.suffix == ".tsv" else ox.QueryResultsFormat.JSON
    parsed = ox.parse_query_results(path=str(path), format=fmt)
    return canonical(parsed, example.is_ordered)


def write_expected(example: ExampleQuery, result: QueryResult, directory: Path) -> Path:
    """Record `result` as the expected answer (for a maintainer who has checked it by hand)."""
    stem = directory / example.name
    if isinstance(result, ox.QueryBoolean):
        path = stem.with_suffix(".srj")
        path.write_bytes(result.serialize(format=ox.QueryResultsFormat.JSON) or b"")
    elif isinstance(result, ox.QueryTriples):
        path = stem.with_suffix(".nt")
        triples = sorted(result, key=str)
        path.write_bytes(ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"")
    else:
        path = stem.with_suffix(".tsv")
        path.write_bytes(result.serialize(format=ox.QueryResultsFormat.TSV) or b"")
    return path
