"""A full build checks each article as it builds it (mapping/stream_check.py), so that no process
holds the whole project: the same problems as `check_project`, nothing written when there is one,
and the same mapping places for the shapes' messages, made again on demand."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest

from project_settings import seed_or_generated
from scgraph import pipeline
from scgraph.build import Part, stream_checked_quads
from scgraph.errors import (
    BuildFailed,
    ChangedDuringBuild,
    DuplicateId,
    MappingError,
    QuoteNotFound,
)
from scgraph.iris import IriMinter
from scgraph.mapping.checks import check_project
from scgraph.mapping.stream_check import check_article, declare_project
from scgraph.ontology import Ontology, load_ontology
from scgraph.origins import ArticleOrigins
from scgraph.pipeline import _declare, make_quads, run_build
from scgraph.settings import Settings
from scgraph.store import BUILDS_DIR
from test_pipeline import fingerprint

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).parent / "data"
BAD, MINI = DATA / "bad", DATA / "mini"

Reported = list[tuple[type[MappingError], Path, int, int, str]]


@pytest.fixture(scope="module")
def ontology() -> Ontology:
    return load_ontology(ROOT / "ontology" / "scgraph.ttl")


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")


def reported(problems: list[MappingError]) -> Reported:
    ordered = sorted(problems, key=MappingError.sort_key)
    return [(type(p), p.path, p.line, p.column, p.reason) for p in ordered]


def checked_whole(mappings: Path, ontology: Ontology) -> Reported:
    with pytest.raises(BuildFailed) as failed:
        check_project(mappings, ontology)
    return reported(failed.value.problems)


def checked_streamed(mappings: Path, ontology: Ontology, workers: int) -> Reported:
    project = declare_project(mappings, ontology, workers)
    problems = list(project.problems)
    for article in project.articles:
        problems.extend(check_article(project.checker, article)[1])
    return reported(problems)


def with_every_bad_mapping(tmp_path: Path) -> Path:
    shutil.copytree(MINI, tmp_path / "m")
    for path in BAD.iterdir():
        shutil.copy(path, tmp_path / "m" / "articles" / path.name)
    return tmp_path / "m"


@pytest.mark.parametrize("workers", [1, 2])
def test_the_two_passes_report_what_check_project_reports(
    tmp_path: Path, ontology: Ontology, workers: int
) -> None:
    mappings = with_every_bad_mapping(tmp_path)
    expected = checked_whole(mappings, ontology)
    assert len(expected) > 10
    # Both passes contribute: duplicates and types in the first, quotes and facts in the second.
    first = reported(declare_project(mappings, ontology, workers).problems)
    assert DuplicateId in {kind for kind, *_ in first}
    assert QuoteNotFound not in {kind for kind, *_ in first}
    assert checked_streamed(mappings, ontology, workers) == expected


def test_a_clean_article_checked_in_the_second_pass_is_check_projects(
    ontology: Ontology,
) -> None:
    whole = check_project(MINI, ontology)
    project = declare_project(MINI, ontology, workers=2)
    assert project.problems == []
    assert project.registry == whole.registry
    assert project.individuals == whole.individuals
    streamed = [check_article(project.checker, a) for a in project.articles]
    assert [problems for _, problems in streamed] == [[], []]
    assert [article for article, _ in streamed] == whole.articles
    assert project.entity_ids() == {a.id: [e.id for e in a.entities] for a in whole.articles}
    assert list(project.entities()) == [(e.id, e.types) for a in whole.articles for e in a.entities]


@pytest.fixture(params=["seed", "generated"])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    return seed_or_generated(request.param, tmp_path, seed=4)


@pytest.mark.parametrize("workers", [1, 2])
def test_a_streamed_build_makes_the_quads_and_origins_of_the_whole_check(
    settings: Settings, workers: int
) -> None:
    expected = make_quads(settings)
    declared = _declare(settings, lambda _: None)
    parts: list[Part] = []
    output = stream_checked_quads(
        declared.project,
        IriMinter(settings.base_iri),
        declared.started,
        declared.root,
        parts.append,
        workers=workers,
        build_id=declared.build_id,
    )
    quads = {q for part in parts for q in ox.parse(part.named, format=ox.RdfFormat.N_QUADS)}
    assert quads == set(expected.quads)
    assert (output.graphs, output.quad_count) == (expected.graphs, len(quads))
    # The parent kept only the registry's places; every article's are made again, the same.
    origins = output.origins
    assert isinstance(origins, ArticleOrigins)
    assert len(origins.kept) == len(declared.project.registry) > 0
    assert dict(origins) == dict(expected.origins)
    assert len(expected.origins) > 100
    for iri, place in list(expected.origins.items())[::7]:
        assert origins[iri] == place
        for suffix in ("-target", "-selector", "x"):
            assert iri + suffix not in origins
    assert "https://example.org/elsewhere" not in origins
    assert settings.base_iri + "id/evidence/nowhere-0123456789ab" not in origins


def test_problems_found_while_building_write_nothing(mini_project: Settings) -> None:
    """The store takes the first articles before a later one shows a problem: that build is
    discarded whole (staging directory and dump parts), with every problem reported."""
    before = fingerprint(mini_project.data_dir)
    parts_before = sorted((mini_project.data_dir / "var").rglob("*"))
    articles = mini_project.mappings_dir / "articles"
    # Sorts after a1 and a2; its ids are its own, so its problems are the second pass's.
    mapping = (BAD / "quote_not_found.yaml").read_text(encoding="utf-8")
    (articles / "zz-late.yaml").write_text(
        mapping.replace("id: nguyen-van-an", "id: late-an").replace("id: hoi-nghi", "id: late-hn"),
        encoding="utf-8",
    )
    shutil.copy(BAD / "quote_not_found.txt", articles / "zz-late.txt")
    ontology = load_ontology(mini_project.ontology_dir / "scgraph.ttl")
    expected = checked_whole(mini_project.mappings_dir, ontology)
    assert {kind for kind, *_ in expected} == {QuoteNotFound}
    with pytest.raises(BuildFailed) as failed:
        run_build(mini_project)
    assert reported(failed.value.problems) == expected
    assert fingerprint(mini_project.data_dir) == before
    assert sorted((mini_project.data_dir / "var").rglob("*")) == parts_before
    assert [p.name for p in (mini_project.data_dir / BUILDS_DIR).iterdir()] == [
        Path(before["current"]).name
    ]


def test_problems_of_the_first_pass_stop_the_build_before_it_writes(
    mini_project: Settings, tmp_path: Path
) -> None:
    articles = mini_project.mappings_dir / "articles"
    for name in ("a1", "quote_not_found"):  # a1 again: its ids are duplicates
        source = MINI / "articles" if name == "a1" else BAD
        for suffix in (".yaml", ".txt"):
            shutil.copy(source / f"{name}{suffix}", articles / f"zz-{name}{suffix}")
    ontology = load_ontology(mini_project.ontology_dir / "scgraph.ttl")
    expected = checked_whole(mini_project.mappings_dir, ontology)
    assert {DuplicateId, QuoteNotFound} <= {kind for kind, *_ in expected}
    builds = sorted((mini_project.data_dir / BUILDS_DIR).iterdir())
    with pytest.raises(BuildFailed) as failed:
        run_build(mini_project)
    assert reported(failed.value.problems) == expected
    assert sorted((mini_project.data_dir / BUILDS_DIR).iterdir()) == builds


def test_a_mapping_edited_between_the_passes_is_reported_not_misread(
    tmp_path: Path, ontology: Ontology
) -> None:
    """The second pass checks against the identities the first one read: an article edited in
    between (an editor saving during a long build) would lose or mistake its entities."""
    shutil.copytree(MINI, tmp_path / "m")
    project = declare_project(tmp_path / "m", ontology, workers=1)
    edited, untouched = project.articles
    edited.path.write_text(
        edited.path.read_text(encoding="utf-8").replace("nguyen-van-an", "nguyen-van-binh"),
        encoding="utf-8",
    )
    article, problems = check_article(project.checker, edited)
    assert article is None
    assert [(type(p), p.path, p.line) for p in problems] == [(ChangedDuringBuild, edited.path, 1)]
    assert "run the build again" in problems[0].reason
    article, problems = check_article(project.checker, untouched)
    assert problems == [] and article is not None
    assert (article.id, len(article.entities)) == ("a2", 3)


def test_a_build_during_which_a_mapping_is_edited_fails_and_publishes_nothing(
    mini_project: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = fingerprint(mini_project.data_dir)
    a2 = mini_project.mappings_dir / "articles" / "a2.yaml"
    declare = pipeline.declare_project

    def declare_then_edit(mappings: Path, ontology: Ontology) -> object:
        declared = declare(mappings, ontology)
        a2.write_text(a2.read_text(encoding="utf-8") + "# edited\n", encoding="utf-8")
        return declared

    monkeypatch.setattr(pipeline, "declare_project", declare_then_edit)
    with pytest.raises(BuildFailed) as failed:
        run_build(mini_project)
    assert [(type(p), p.path) for p in failed.value.problems] == [(ChangedDuringBuild, a2)]
    assert fingerprint(mini_project.data_dir) == before
    monkeypatch.undo()
    run_build(mini_project)  # run again, as the message says: the edit is built
    assert fingerprint(mini_project.data_dir) != before
