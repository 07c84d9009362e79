"""Articles built in worker processes as N-Quads text give the very quads of the in-Python path.

`build_quads` (used by `scgraph check` and the tests) and `run_build` (worker processes, N-Quads
bytes bulk-loaded into the store) share the builder but not the way quads travel: these tests
compare the two on the seed project and on generated articles, quad for quad.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from project_settings import seed_or_generated
from scgraph.build import BuildOutput, Part, stream_quads
from scgraph.iris import IriMinter
from scgraph.pipeline import _check, make_quads, run_build
from scgraph.settings import Settings
from scgraph.store import open_store


@pytest.fixture(params=["seed", "generated"])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    return seed_or_generated(request.param, tmp_path, seed=3)


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    # The provenance graph records when a build ended: the same moment for both paths.
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")


def in_workers(settings: Settings, workers: int) -> tuple[BuildOutput, list[ox.Quad]]:
    parts: list[Part] = []
    checked = _check(settings, lambda _: None)
    output = stream_quads(
        checked.project,
        checked.ontology,
        IriMinter(settings.base_iri),
        checked.started,
        checked.root,
        parts.append,
        workers=workers,
        build_id=checked.build_id,
    )
    quads = [q for part in parts for q in ox.parse(part.named, format=ox.RdfFormat.N_QUADS)]
    merged = [q for part in parts for q in ox.parse(part.merged, format=ox.RdfFormat.N_QUADS)]
    # Each part's default-graph text states the same triples as its named-graph text.
    assert {q.triple for q in merged} == {q.triple for q in quads}
    assert all(q.graph_name == ox.DefaultGraph() for q in merged)
    return output, quads


def test_worker_processes_give_the_in_python_quads(settings: Settings) -> None:
    expected = make_quads(settings)
    output, quads = in_workers(settings, workers=2)
    assert len(expected.quads) > 1000
    assert set(quads) == set(expected.quads)
    assert output.quad_count == len(quads)
    assert output.origins == expected.origins
    assert output.graphs == expected.graphs
    assert output.build_id == expected.build_id


def test_the_built_store_holds_the_in_python_quads_and_their_merge(settings: Settings) -> None:
    expected = make_quads(settings)
    # The same quads loaded one by one into a store of the same engine: Oxigraph normalises some
    # literals (xsd:nonNegativeInteger is stored as xsd:integer), identically for both.
    reference = ox.Store()
    reference.extend(expected.quads)
    reference.extend(
        ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph()) for q in expected.quads
    )
    built = open_store(run_build(settings).build_dir)
    assert set(built.quads_for_pattern(None, None, None, None)) == set(
        reference.quads_for_pattern(None, None, None, None)
    )
