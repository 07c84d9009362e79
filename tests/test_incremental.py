"""Incremental builds: after an article is edited, added or removed, the build made from the
current one holds the data a full build of the same inputs holds, with provenance of its own
(each graph names the build that generated it), and fails like a full one."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import os
import re
import shutil
import subprocess
import sys
import time
import warnings
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import httpx
import pyoxigraph as ox
import pytest
import rdflib

from page_heading import page_heading
from scgraph import build as build_module
from scgraph import build_inputs, pipeline
from scgraph.build_inputs import INPUTS_FILE, read_inputs, recorded_inputs
from scgraph.doctor import check_build
from scgraph.dump_parts import (
    NQUADS_GZ,
    TRIG,
    TURTLE,
    parts_folder,
    read_dump,
    read_manifest,
)
from scgraph.errors import BuildFailed, DuplicateId, StoreError, UnknownTerm
from scgraph.incremental import focus_nodes, plan_rebuild, rebuild, run_incremental
from scgraph.ontology import RDF_TYPE
from scgraph.pipeline import is_current, run_build
from scgraph.search import INDEX_FILE, IndexedEntity, read_index
from scgraph.settings import Settings
from scgraph.shapes import find_violations, load_shapes
from scgraph.store import CURRENT_LINK, DUMPS_DIR, open_store, read_summary, resolve_build
from scgraph.store_delta import StoreChange

ROOT = Path(__file__).resolve().parent.parent
PERSON = "https://scgraph.org/id/person/nguyen-van-an"
ARTICLE = "https://scgraph.org/id/article/a9"
INTEGER = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def _relabel_person(settings: Settings, label: str) -> None:
    mapping = settings.mappings_dir / "articles" / "a1.yaml"
    text = mapping.read_text(encoding="utf-8")
    start = text.index('en: "Nguyen Van An')
    end = text.index('"', start + 5)
    mapping.write_text(text[:start] + f'en: "{label}' + text[end:], encoding="utf-8")


def _rebuild(settings: Settings, **kwargs: bool) -> tuple[Path, list[str]]:
    lines: list[str] = []
    result = rebuild(settings, lines.append, **kwargs)
    return result.build_dir, lines


def _full_build_of(settings: Settings, data_dir: Path) -> Path:
    """A full build of the same mappings into another data directory."""
    return run_build(settings.model_copy(update={"data_dir": data_dir})).build_dir


BUILD_IRIS = "https://scgraph.org/id/build/"
GENERATED = "<http://www.w3.org/ns/prov#wasGeneratedBy>"
USED = "<http://www.w3.org/ns/prov#used>"
METADATA = "<https://scgraph.org/graph/metadata>"


def _as_built(terms: set[tuple[str, ...]]) -> set[tuple[str, ...]]:
    """Quads or triples (terms in N-Triples syntax) with the builds left out: every build IRI
    becomes "<build>" and the activities' own descriptions are dropped. An incremental build
    keeps the build that generated each kept graph; a full build generated them all."""
    activities = {t[0] for t in terms if t[0].startswith("<" + BUILD_IRIS) and t[1] != USED}
    kept = set()
    for term in terms:
        if term[0] in activities:
            continue
        kept.add(tuple("<build>" if t.startswith("<" + BUILD_IRIS) else t for t in term))
    return kept


def _terms(quads: Iterable[ox.Quad]) -> set[tuple[str, ...]]:
    return {(str(q.subject), str(q.predicate), str(q.object), str(q.graph_name)) for q in quads}


def _dump_sets(build: Path) -> dict[str, set[tuple[str, ...]]]:
    from_nquads = _terms(
        ox.parse(gzip.decompress(read_dump(build, NQUADS_GZ)), format=ox.RdfFormat.N_QUADS)
    )
    trig = rdflib.Dataset()
    with warnings.catch_warnings():  # rdflib 7's TriG parser calls its own deprecated API
        warnings.simplefilter("ignore", DeprecationWarning)
        trig.parse(data=read_dump(build, TRIG), format="trig")
    turtle = rdflib.Graph()
    turtle.parse(data=read_dump(build, TURTLE), format="turtle")
    from_trig = ox.parse(read_dump(build, TRIG), format=ox.RdfFormat.TRIG)
    sets = {
        "nquads": from_nquads,
        "trig (oxigraph)": _terms(from_trig),
        "trig (rdflib)": {(s.n3(), p.n3(), o.n3(), g.n3()) for s, p, o, g in trig.quads()},
        "turtle (rdflib)": {(s.n3(), p.n3(), o.n3()) for s, p, o in turtle},
    }
    return {name: _as_built(terms) for name, terms in sets.items()}


def _recorded_digests(build: Path) -> dict[str, object]:
    """inputs.json without the files' stats: those are a cache of when the files were read."""
    document = json.loads((build / INPUTS_FILE).read_text(encoding="utf-8"))
    for item in document["articles"].values():
        del item["stat"]
    return dict(document)


def _index_entries(build: Path) -> list[IndexedEntity]:
    return [e for e in read_index(build / INDEX_FILE).entities if BUILD_IRIS not in e.iri]


def _counted(summary: dict[str, Any]) -> dict[str, Any]:
    """A summary without what counts the builds' activities (check_build compares the counts
    with the store) and the dumps' digests (parts name their build)."""
    left_out = {"quads", "triples", "triples_per_graph", "entities_per_class", "dumps"}
    kept = {key: value for key, value in summary.items() if key not in left_out}
    kept["entities_per_class"] = {
        name: count for name, count in summary["entities_per_class"].items() if name != "Build"
    }
    per_graph = summary["triples_per_graph"]
    kept["triples_per_graph"] = {g: n for g, n in per_graph.items() if f"<{g}>" != METADATA}
    return kept


def _assert_same_build(incremental: Path, full: Path) -> None:
    """The incremental build holds the full build's data; only which build generated each
    graph differs. SOURCE_DATE_EPOCH fixes the build time, so the two latest build ids match."""
    assert _as_built(_terms(open_store(incremental))) == _as_built(_terms(open_store(full)))
    assert _counted(read_summary(incremental)) == _counted(read_summary(full))
    assert _index_entries(incremental) == _index_entries(full)
    assert _recorded_digests(incremental) == _recorded_digests(full)
    assert _dump_sets(incremental) == _dump_sets(full)
    # The latest build's parts are the full build's, byte for byte (their names are their
    # SHA-256): that build generated both.
    manifests = [read_manifest(build / DUMPS_DIR) for build in (incremental, full)]
    assert manifests[0] is not None and manifests[1] is not None
    latest = read_summary(incremental)["build_id"]
    for key, files in manifests[1].items():
        if key.startswith("article-") and _generator(incremental, key) == latest:
            assert manifests[0][key] == files, key
    assert {k for k in manifests[0] if not k.startswith("build-")} == {
        k for k in manifests[1] if not k.startswith("build-")
    }


def _generator(build: Path, part_key: str) -> str:
    """The id of the build that generated the graph of an article part ("article-<id>")."""
    graph = ox.NamedNode("https://scgraph.org/graph/article/" + part_key.removeprefix("article-"))
    generated = ox.NamedNode(GENERATED[1:-1])
    metadata = ox.NamedNode(METADATA[1:-1])
    (link,) = open_store(build).quads_for_pattern(graph, generated, None, metadata)
    return str(link.object.value).removeprefix(BUILD_IRIS)


@pytest.fixture
def fixed_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")


@pytest.mark.usefixtures("fixed_time")
def test_an_edited_article_gives_the_full_build(mini_project: Settings, tmp_path: Path) -> None:
    _relabel_person(mini_project, "Nguyen Van An (edited)")
    text = mini_project.mappings_dir / "articles" / "a1.txt"
    text.write_text(text.read_text(encoding="utf-8") + "\nThêm một dòng.\n", encoding="utf-8")
    build, lines = _rebuild(mini_project)
    assert lines[0].startswith("incremental build: 1 edited, 0 added, 0 removed")
    assert check_build(mini_project) == []  # `scgraph check`: store, summary, dumps, index
    store = open_store(build)
    labels = {q.object.value for q in store.quads_for_pattern(ox.NamedNode(PERSON), None, None)}
    assert "Nguyen Van An (edited)" in labels and "Nguyen Van An" not in labels
    _assert_same_build(build, _full_build_of(mini_project, tmp_path / "full"))


@pytest.mark.usefixtures("fixed_time")
def test_a_removed_then_added_article_gives_the_full_build(
    mini_project: Settings, tmp_path: Path
) -> None:
    articles = mini_project.mappings_dir / "articles"
    aside = tmp_path / "aside"
    aside.mkdir()
    for name in ("a2.yaml", "a2.txt"):
        shutil.move(articles / name, aside / name)
    build, lines = _rebuild(mini_project)
    assert lines[0].startswith("incremental build: 0 edited, 0 added, 1 removed")
    graphs = {str(g.value) for g in open_store(build).named_graphs()}
    assert not any(g.endswith("/article/a2") for g in graphs)
    assert check_build(mini_project) == []  # every graph's build is there, and no idle one
    _assert_same_build(build, _full_build_of(mini_project, tmp_path / "full-without"))

    for name in ("a2.yaml", "a2.txt"):
        shutil.move(aside / name, articles / name)
    build, lines = _rebuild(mini_project)
    assert lines[0].startswith("incremental build: 0 edited, 1 added, 0 removed")
    assert check_build(mini_project) == []
    _assert_same_build(build, _full_build_of(mini_project, tmp_path / "full-with"))


def _provenance(build: Path) -> tuple[dict[str, str], dict[str, set[str]], set[str]]:
    """Which build generated each graph, which files each build used (by path), and the builds
    whose activity is described, read from the store with SPARQL."""
    store = open_store(build)
    prefix = "PREFIX prov: <http://www.w3.org/ns/prov#> PREFIX sc: <https://scgraph.org/ontology#>"
    rows = store.query(f"{prefix} SELECT ?g ?b {{ ?g prov:wasGeneratedBy ?b }}")
    generated = {r["g"].value: r["b"].value.removeprefix(BUILD_IRIS) for r in rows}
    used: dict[str, set[str]] = {}
    rows = store.query(f"{prefix} SELECT ?b ?path {{ ?b prov:used ?f . ?f sc:path ?path }}")
    for row in rows:
        used.setdefault(row["b"].value.removeprefix(BUILD_IRIS), set()).add(row["path"].value)
    rows = store.query(f"{prefix} SELECT ?b {{ ?b a sc:Build ; prov:startedAtTime ?t }}")
    described = {row["b"].value.removeprefix(BUILD_IRIS) for row in rows}
    return generated, used, described


def _changed_nodes(build: Path, before: str) -> set[str]:
    """Subjects whose statements differ between `build` and the build `before` (a sibling)."""
    old, new = (_terms(open_store(b)) for b in (build.parent / before, build))
    return {term[0][1:-1] for term in old ^ new}


def test_each_graph_keeps_the_build_that_generated_it(mini_project: Settings) -> None:
    """A rebuild generates the edited article's graph only: the other graphs keep their build,
    which keeps its activity; a build that no longer generated any graph leaves, with its part."""
    graph = "https://scgraph.org/graph/"
    first = resolve_build(mini_project.data_dir).resolve().name
    a1_files = {"mappings/articles/a1.yaml", "mappings/articles/a1.txt"}

    _relabel_person(mini_project, "Nguyen Van An (edited)")
    second, lines = _rebuild(mini_project)
    # A label edit changes the statements of the person and of the graph's and build's records;
    # the shapes written in SPARQL still see every node of the article.
    (shacl,) = [line for line in lines if line.startswith("SHACL on ")]
    changed, touched = map(int, re.findall(r"(\d+) (?:changed|touched)", shacl))
    assert PERSON in _changed_nodes(second, first) and changed < 10 < touched
    generated, used, described = _provenance(second)
    assert generated[graph + "article/a1"] == second.name
    assert generated[graph + "metadata"] == second.name
    for name in ("article/a2", "registry", "ontology"):
        assert generated[graph + name] == first
    assert used[second.name] == a1_files
    assert a1_files.isdisjoint(used[first])
    assert "mappings/registry.yaml" in used[first]
    assert any(path.endswith("scgraph.ttl") for path in used[first])  # the ontology
    assert described == {first, second.name}

    _relabel_person(mini_project, "Nguyen Van An (edited twice)")
    third, _ = _rebuild(mini_project)
    generated, used, described = _provenance(third)
    assert generated[graph + "article/a1"] == third.name
    assert described == {first, third.name}  # the second build generated nothing left
    assert set(used) == {first, third.name}
    manifest = read_manifest(third / DUMPS_DIR)
    assert manifest is not None
    assert {k for k in manifest if k.startswith("build-")} == {
        f"build-{first}",
        f"build-{third.name}",
    }
    assert check_build(mini_project) == []


def test_an_incremental_build_records_the_files_stats_for_the_next(
    mini_project: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The stats let the next build keep the digests of the files it need not read."""
    monkeypatch.setattr(build_inputs, "_SETTLED_NS", 0)  # the copied files count as settled
    _relabel_person(mini_project, "Nguyen Van An (edited)")
    build, lines = _rebuild(mini_project)
    assert lines[0].startswith("incremental build: 1 edited")
    recorded = recorded_inputs(build)
    assert recorded is not None and set(recorded.stats) == {"a1", "a2"}
    reads: list[Path] = []
    real_read = build_inputs._read
    monkeypatch.setattr(build_inputs, "_read", lambda path: reads.append(path) or real_read(path))
    read_inputs(mini_project, recorded)
    assert not [path for path in reads if path.parent.name == "articles"]


def test_a_rebuild_with_the_served_builds_id_replaces_its_activity(
    mini_project: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Same inputs in the same second give the same build id, so the same activity: its new
    description replaces the old one (two end times broke the Build shape), and the served
    build, having the same inputs, stays served."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    served, _ = _rebuild(mini_project, full=True)
    ended_later = dt.datetime.fromtimestamp(1700000005, tz=dt.UTC)
    monkeypatch.setattr(build_module, "build_started_at", lambda: ended_later)
    build, lines = _rebuild(mini_project)
    assert lines[0].startswith("incremental build: 0 edited, 0 added, 0 removed")
    assert build.name == served.name and resolve_build(mini_project.data_dir).resolve() == served
    assert check_build(mini_project) == []


def test_a_broken_edit_fails_at_its_line_and_leaves_current(mini_project: Settings) -> None:
    current = (mini_project.data_dir / CURRENT_LINK).resolve()
    mapping = mini_project.mappings_dir / "articles" / "a1.yaml"
    _edit(mapping, "prop: isOnline", "prop: isOnlyOnline")
    with pytest.raises(BuildFailed) as failure:
        _rebuild(mini_project)
    [problem] = failure.value.problems
    assert isinstance(problem, UnknownTerm)
    assert (problem.path, problem.line) == (mapping, 13)
    assert (mini_project.data_dir / CURRENT_LINK).resolve() == current
    assert not list((mini_project.data_dir / "builds").glob(".staging-*"))


def test_an_id_another_article_declares_is_a_duplicate(mini_project: Settings) -> None:
    mapping = mini_project.mappings_dir / "articles" / "a2.yaml"
    _edit(mapping, "id: da-nang-dich-vu-cong-truc-tuyen", "id: nguyen-van-an")
    with pytest.raises(BuildFailed) as failure:
        _rebuild(mini_project)
    assert [(type(p), p.path, p.line) for p in failure.value.problems] == [
        (DuplicateId, mapping, 21)
    ]
    # Where the other article declares it, as a full build says "first declared at".
    other = mapping.with_name("a1.yaml")
    assert f"also declared at {other}:15:5" in str(failure.value.problems[0])


def test_a_shape_violated_at_a_registry_entity_is_reported_at_its_registry_line(
    mini_project: Settings,
) -> None:
    """An edited article can make a registry entity break a shape (here a place contained in
    the place it contains): the violation is reported where a full build reports it, at the
    entity's line in registry.yaml, not at the top of shapes.ttl."""
    mapping = mini_project.mappings_dir / "articles" / "a1.yaml"
    fact = '  - {subject: da-nang, prop: containedIn, ref: viet-nam, quote: "Đà Nẵng, Việt Nam"}'
    cycle = '  - {subject: viet-nam, prop: containedIn, ref: da-nang, quote: "Đà Nẵng, Việt Nam"}'
    _edit(mapping, fact, f"{fact}\n{cycle}")
    registry = mini_project.mappings_dir / "registry.yaml"
    reported = {}
    for full in (False, True):
        with pytest.raises(BuildFailed) as failure:
            _rebuild(mini_project, full=full)
        reported[full] = sorted((p.path, p.line, p.focus_node) for p in failure.value.problems)
    assert reported[False] == reported[True]
    assert {(path, line) for path, line, _ in reported[False]} == {(registry, 3), (registry, 6)}


def test_shapes_restricted_to_focus_nodes_report_only_those() -> None:
    """The restriction an incremental build puts on the shapes, on a class target and on the
    SPARQL target of the selector shape: a broken node outside the focus is not reported."""
    sc, oa = "https://scgraph.org/ontology#", "http://www.w3.org/ns/oa#"
    node = ox.NamedNode
    store = ox.Store()
    for n in (1, 2):
        build, selector = node(f"https://x.org/build/{n}"), node(f"https://x.org/selector/{n}")
        store.add(ox.Quad(build, node(RDF_TYPE), node(sc + "Build")))  # no start, no end
        store.add(ox.Quad(node(f"https://x.org/t/{n}"), node(oa + "hasSelector"), selector))
        store.add(ox.Quad(node(f"https://x.org/t/{n}"), node(oa + "hasSource"), node(ARTICLE)))
        store.add(ox.Quad(selector, node(oa + "exact"), ox.Literal("wrong")))
        store.add(ox.Quad(selector, node(oa + "start"), ox.Literal("0", datatype=INTEGER)))
        store.add(ox.Quad(selector, node(oa + "end"), ox.Literal("5", datatype=INTEGER)))
    store.add(ox.Quad(node(ARTICLE), node(sc + "articleText"), ox.Literal("Hello world")))
    shapes_path = ROOT / "ontology" / "shapes.ttl"
    shapes = load_shapes(shapes_path)

    def focus_of(nodes: set[str] | None, sparql_nodes: set[str] | None = None) -> set[str]:
        focus = sparql_focus = None
        if nodes is not None:
            focus = focus_nodes(store, StoreChange(), nodes)
        if sparql_nodes is not None:
            sparql_focus = focus_nodes(store, StoreChange(), sparql_nodes)
        found = find_violations(store, shapes, {}, shapes_path, None, focus, sparql_focus)
        return {violation.focus_node for violation in found}

    everything = focus_of(None)
    assert {"https://x.org/build/1", "https://x.org/selector/1"} < everything
    assert {"https://x.org/build/2", "https://x.org/selector/2"} < everything
    only = {"https://x.org/build/1", "https://x.org/selector/1"}
    assert focus_of(only) == only
    assert focus_of(set()) == set()
    # The selector's text check is a SPARQL target: it takes the second focus when there is one.
    assert focus_of({"https://x.org/build/1"}, only) == only
    assert focus_of(only, {"https://x.org/build/2"}) == {"https://x.org/build/1"}
    assert focus_of(set(), {"https://x.org/selector/2"}) == {"https://x.org/selector/2"}


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ("ontology", "full build: changed since the current build: ontology"),
        ("registry", "full build: changed since the current build: registry"),
        ("no record", "full build: the current build did not record its inputs"),
        ("--full", "full build: asked for (--full)"),
    ],
)
def test_a_change_beyond_the_articles_makes_a_full_build(
    mini_project: Settings, tmp_path: Path, change: str, reason: str
) -> None:
    ontology = tmp_path / "ontology"
    shutil.copytree(ROOT / "ontology", ontology)
    settings = mini_project.model_copy(update={"ontology_dir": ontology})
    if change == "ontology":
        with (ontology / "scgraph.ttl").open("a", encoding="utf-8") as turtle:
            turtle.write("\n# an edit\n")
    elif change == "registry":
        _edit(settings.mappings_dir / "registry.yaml", "Da Nang", "Da Nang City")
    elif change == "no record":
        (resolve_build(settings.data_dir) / INPUTS_FILE).unlink()
    _relabel_person(settings, "Nguyen Van An (edited)")
    _, lines = _rebuild(settings, full=change == "--full")
    assert lines[0] == reason
    assert any(line.startswith("SHACL: ") for line in lines)  # the full build's shape stage
    # Unchanged inputs again: the next build is incremental.
    _, lines = _rebuild(settings)
    assert lines[0].startswith("incremental build: 0 edited")


def test_an_incremental_build_writes_only_the_edited_article_and_its_own_provenance_parts(
    mini_project: Settings,
) -> None:
    current = resolve_build(mini_project.data_dir)
    before = read_manifest(current / DUMPS_DIR)
    assert before is not None
    folder = parts_folder(current)
    files_before = {path.name: path.stat().st_mtime_ns for path in folder.iterdir()}
    _relabel_person(mini_project, "Nguyen Van An (edited)")
    build, _ = _rebuild(mini_project)
    after = read_manifest(build / DUMPS_DIR)
    new_build = f"build-{build.name}"
    # The first build's activity stays: it generated the graphs that were kept.
    assert after is not None and after.keys() == {*before.keys(), new_build}
    changed = {key for key in after if after[key] != before.get(key)}
    assert changed == {"article-a1", "provenance", new_build}
    written = {p.name for p in folder.iterdir() if files_before.get(p.name) != p.stat().st_mtime_ns}
    assert written == {f.name for key in changed for f in after[key].values()}
    assert check_build(mini_project) == []


def test_a_current_build_without_dump_parts_makes_a_full_build(mini_project: Settings) -> None:
    """A build made before dumps had parts: its dumps cannot be kept part by part."""
    (resolve_build(mini_project.data_dir) / DUMPS_DIR / "parts.json").unlink()
    _relabel_person(mini_project, "Nguyen Van An (edited)")
    build, lines = _rebuild(mini_project)
    assert lines[0] == "full build: the current build's dumps have no parts"
    assert read_manifest(build / DUMPS_DIR) is not None
    assert check_build(mini_project) == []


def test_the_server_serves_the_edited_label_after_an_incremental_build(
    mini_project: Settings,
    start_scgraph: Callable[[list[str], Settings], tuple[str, Path]],
) -> None:
    settings = mini_project.model_copy(update={"reload_check_s": 0.2, "query_workers": 1})
    base, _ = start_scgraph([], settings)
    page = "/page/person/nguyen-van-an"
    assert page_heading(httpx.get(base + page, params={"lang": "en"}).text) == ("Nguyen Van An")
    _relabel_person(settings, "Nguyen Van An Renamed")
    build, lines = _rebuild(settings)
    assert lines[0].startswith("incremental build: 1 edited")
    deadline = time.monotonic() + 30  # a bound on the wait, not a speed assertion
    while httpx.get(base + "/health").json()["build"] != build.name:
        assert time.monotonic() < deadline, "the server did not switch to the new build"
        time.sleep(0.1)
    heading = page_heading(httpx.get(base + page, params={"lang": "en"}).text)
    assert heading == "Nguyen Van An Renamed"
    hits = httpx.get(base + "/api/search", params={"q": "van an renamed", "lang": "en"}).json()
    assert [hit["id"] for hit in hits["results"]] == ["person/nguyen-van-an"]


def test_scgraph_build_says_which_kind_ran_and_reports_a_broken_edit(
    mini_project: Settings,
) -> None:
    def build(*extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "scgraph.cli", "build", *extra],
            capture_output=True,
            text=True,
            check=False,
            env={
                **os.environ,
                "SCGRAPH_MAPPINGS_DIR": str(mini_project.mappings_dir),
                "SCGRAPH_ONTOLOGY_DIR": str(mini_project.ontology_dir),
                "SCGRAPH_DATA_DIR": str(mini_project.data_dir),
            },
        )

    _relabel_person(mini_project, "Nguyen Van An (CLI)")
    done = build()
    assert done.returncode == 0, done.stderr
    assert "· incremental build: 1 edited, 0 added, 0 removed" in done.stderr
    assert "Built " in done.stdout
    done = build("--full")
    assert done.returncode == 0, done.stderr
    assert "· full build: asked for (--full)" in done.stderr

    current = (mini_project.data_dir / CURRENT_LINK).resolve()
    mapping = mini_project.mappings_dir / "articles" / "a1.yaml"
    _edit(mapping, "prop: isOnline", "prop: isOnlyOnline")
    done = build()
    assert done.returncode == 1
    assert f"{mapping}:13:" in done.stderr and "isOnlyOnline" in done.stderr
    assert "Traceback" not in done.stderr
    assert (mini_project.data_dir / CURRENT_LINK).resolve() == current


def test_a_plan_made_before_another_build_was_published_is_refused(
    mini_project: Settings,
) -> None:
    _relabel_person(mini_project, "Nguyen Van An (planned)")
    plan, _ = plan_rebuild(mini_project)
    assert plan is not None
    published = run_build(mini_project).build_dir
    with pytest.raises(StoreError, match="another build was published"):
        run_incremental(mini_project, plan)
    assert (mini_project.data_dir / CURRENT_LINK).resolve() == published.resolve()


@pytest.mark.usefixtures("fixed_time")
@pytest.mark.parametrize("full", [False, True])
def test_a_build_identical_to_the_served_one_leaves_its_directory_alone(
    mini_project: Settings, full: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Same inputs at the same SOURCE_DATE_EPOCH: the same build id, so the same directory as the
    one `current` points at. That directory is being served and is never rewritten in place (a
    server would not notice, keeping its deleted files open). Other shapes, another base IRI (or
    scgraph version) make another id; a build of the same id from other inputs (a collision of
    the id's 8 hex digits, made here by hand) is refused rather than served under the old id."""
    served = _rebuild(mini_project, full=True)[0]  # made at the fixed time
    marker = (served / "build.json").stat().st_ino
    build, _ = _rebuild(mini_project, full=full)
    assert build == served
    assert (served / "build.json").stat().st_ino == marker
    assert not list((mini_project.data_dir / "builds").glob(".staging-*"))
    ontology = tmp_path / "ontology"
    shutil.copytree(mini_project.ontology_dir, ontology)
    with (ontology / "shapes.ttl").open("a", encoding="utf-8") as shapes:
        shapes.write("\n# edited\n")
    other_shapes = mini_project.model_copy(update={"ontology_dir": ontology})
    with monkeypatch.context() as patched:
        patched.setattr(pipeline, "build_id_for", lambda inputs, started: served.name)
        with pytest.raises(StoreError, match="being served and was made from other inputs"):
            _rebuild(other_shapes, full=True)
    assert (served / "build.json").stat().st_ino == marker
    assert _rebuild(other_shapes, full=True)[0].name != served.name
    other_base = mini_project.model_copy(update={"base_iri": "https://example.org/"})
    assert _rebuild(other_base, full=True)[0].name != served.name


@pytest.mark.parametrize("kind", ["full", "incremental"])
def test_an_edit_made_during_a_build_is_not_taken_for_built(
    mini_project: Settings, kind: str
) -> None:
    """`scgraph build --if-changed` skips a build only when the served one was made from the
    present inputs: a mapping edited while a build runs, after the build read it, makes the next
    `--if-changed` build again."""
    mapping = mini_project.mappings_dir / "articles" / "a2.yaml"
    if kind == "incremental":
        _relabel_person(mini_project, "Nguyen Van An (edited)")
    edited: list[str] = []

    def edit_after_checking(message: str) -> None:
        if message.startswith("checked ") and not edited:
            mapping.write_text(mapping.read_text(encoding="utf-8") + "# edited\n", "utf-8")
            edited.append(message)

    lines: list[str] = []
    full = kind == "full"
    rebuild(mini_project, lambda m: (lines.append(m), edit_after_checking(m)), full=full)
    assert lines[0].startswith(f"{kind} build")
    assert edited
    assert not is_current(mini_project)
    rebuild(mini_project)
    assert is_current(mini_project)
