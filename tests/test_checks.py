"""Every kind of mapping mistake is reported at its file, line and column, all in one run."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from scgraph.errors import (
    BuildFailed,
    DuplicateId,
    ForeignEntity,
    InvalidValue,
    MalformedDate,
    MappingError,
    MissingArticleText,
    QuoteNotFound,
    SchemaViolation,
    TermMisuse,
    UnknownEntity,
    UnknownTerm,
    YamlSyntaxError,
)
from scgraph.mapping.checks import check_mapping, check_project
from scgraph.ontology import Ontology, load_ontology

DATA = Path(__file__).parent / "data"
BAD = DATA / "bad"
MINI = DATA / "mini"


@pytest.fixture(scope="module")
def ontology() -> Ontology:
    return load_ontology(Path(__file__).parent.parent / "ontology" / "scgraph.ttl")


def problems_in(name: str, ontology: Ontology) -> list[tuple[int, int, type[MappingError], str]]:
    found = check_mapping(BAD / name, MINI, ontology)
    for problem in found:
        # Every message starts with the place, as editors and CI logs expect.
        assert str(problem).startswith(f"{BAD / name}:{problem.line}:{problem.column}: ")
    return [(p.line, p.column, type(p), p.reason) for p in found]


def test_the_miniature_project_is_clean(ontology: Ontology) -> None:
    project = check_project(MINI, ontology)
    assert [a.id for a in project.articles] == ["a1", "a2"]


def test_yaml_syntax_error(ontology: Ontology) -> None:
    [(line, _, kind, reason)] = problems_in("yaml_syntax.yaml", ontology)
    assert (line, kind) == (7, YamlSyntaxError)
    assert "expected ',' or '}'" in reason


def test_unknown_and_missing_fields(ontology: Ontology) -> None:
    assert problems_in("unknown_field.yaml", ontology) == [
        (5, 5, SchemaViolation, "missing field 'label' (at entities.0.label)"),
        (7, 5, SchemaViolation, "unknown field 'lable' (at entities.0.lable)"),
        (14, 62, SchemaViolation, "unknown field 'source' (at entities.1.facts.0.source)"),
    ]


def test_duplicate_ids_within_a_file_and_with_the_registry(ontology: Ontology) -> None:
    assert problems_in("duplicate_id.yaml", ontology) == [
        (
            9,
            5,
            DuplicateId,
            f"duplicate id 'nguyen-van-an' (first declared at {BAD / 'duplicate_id.yaml'}:5:5)",
        ),
        (
            13,
            5,
            DuplicateId,
            f"duplicate id 'da-nang' (first declared at {MINI / 'registry.yaml'}:6:5)",
        ),
    ]


def test_unknown_entities(ontology: Ontology) -> None:
    assert problems_in("unknown_entity.yaml", ontology) == [
        (15, 25, UnknownEntity, "unknown entity 'hoi-nghi-2020'"),
        (17, 6, UnknownEntity, "unknown entity 'ha-noi'"),
    ]


def test_terms_not_in_the_ontology(ontology: Ontology) -> None:
    assert problems_in("unknown_term.yaml", ontology) == [
        (6, 5, UnknownTerm, "unknown class 'Persn' (did you mean 'Person'?)"),
        (14, 10, UnknownTerm, "unknown property 'holdPost' (did you mean 'holdsPost'?)"),
        (20, 22, UnknownTerm, "unknown ontology individual 'Speeker' (did you mean 'Speaker'?)"),
    ]


def test_terms_used_against_domain_range_or_kind(ontology: Ontology) -> None:
    assert problems_in("term_misuse.yaml", ontology) == [
        (
            10,
            10,
            TermMisuse,
            "property 'startDate' applies to Event, not to Person 'nguyen-van-an'",
        ),
        (16, 26, TermMisuse, "property 'location' links to Place, not to Person 'nguyen-van-an'"),
        (17, 27, TermMisuse, "property 'startDate' takes a literal: use 'value', not 'ref'"),
        (18, 26, TermMisuse, "property 'location' links to an entity: use 'ref', not 'value'"),
    ]


def test_malformed_dates(ontology: Ontology) -> None:
    assert problems_in("malformed_date.yaml", ontology) == [
        (10, 27, MalformedDate, "malformed date '22/10/2020' for 'startDate': write YYYY-MM-DD"),
        (11, 25, MalformedDate, "malformed date '2020-13-45' for 'endDate': write YYYY-MM-DD"),
        (12, 22, MalformedDate, "malformed year '20x0' for 'year': write four digits"),
    ]


def test_invalid_values(ontology: Ontology) -> None:
    found = problems_in("invalid_value.yaml", ontology)
    assert found == [
        (10, 31, InvalidValue, "property 'editionNumber' takes a whole number, got 'ba'"),
        (11, 26, InvalidValue, "property 'isOnline' takes true or false, got 'không'"),
    ]


def test_quotes_not_in_the_text(ontology: Ontology) -> None:
    assert problems_in("quote_not_found.yaml", ontology) == [
        (
            8,
            5,
            QuoteNotFound,
            "quote not found in quote_not_found.txt: 'Ông Nguyễn Văn Ân' "
            "(the text matches up to 'Ông Nguyễn Văn ', then differs)",
        ),
        (
            12,
            25,
            QuoteNotFound,
            "quote not found in quote_not_found.txt: 'lần thứ tư' "
            "(the text matches up to 'lần thứ ', then differs)",
        ),
    ]


def test_missing_article_text(ontology: Ontology) -> None:
    [(line, column, kind, reason)] = problems_in("missing_text.yaml", ontology)
    assert (line, column, kind) == (1, 1, MissingArticleText)
    assert reason.startswith(f"cannot read the article text {BAD / 'missing_text.txt'}")


def test_reference_to_another_articles_entity(tmp_path: Path, ontology: Ontology) -> None:
    shutil.copytree(MINI, tmp_path / "m")
    a2 = tmp_path / "m" / "articles" / "a2.yaml"
    a2.write_text(
        a2.read_text(encoding="utf-8")
        + "  - {subject: nguyen-van-an, prop: memberOf, ref: cong-ty-minh-tam,"
        ' quote: "Đà Nẵng"}\n',
        encoding="utf-8",
    )
    with pytest.raises(BuildFailed) as failed:
        check_project(tmp_path / "m", ontology)
    assert [(type(p), p.path, p.line, p.column, p.reason) for p in failed.value.problems] == [
        (
            ForeignEntity,
            a2,
            35,
            6,
            "entity 'nguyen-van-an' is local to article a1; move it to the registry to share it",
        ),
        (
            ForeignEntity,
            a2,
            35,
            46,
            "entity 'cong-ty-minh-tam' is local to article a1; move it to the registry to share it",
        ),
    ]


def test_every_problem_in_every_file_is_reported_in_one_run(
    tmp_path: Path, ontology: Ontology
) -> None:
    shutil.copytree(MINI, tmp_path / "m")
    for name in ("unknown_term", "malformed_date", "quote_not_found"):
        for suffix in (".yaml", ".txt"):
            shutil.copy(BAD / (name + suffix), tmp_path / "m" / "articles" / (name + suffix))
    with pytest.raises(BuildFailed) as failed:
        check_project(tmp_path / "m", ontology)
    reported = {(p.path.name, p.line, p.column, type(p)) for p in failed.value.problems}
    for name in ("unknown_term", "malformed_date", "quote_not_found"):
        alone = check_mapping(BAD / (name + ".yaml"), MINI, ontology)
        assert alone
        assert {(p.path.name, p.line, p.column, type(p)) for p in alone} <= reported
    # The three files also reuse each other's ids: reported too, at the later declarations.
    assert any(isinstance(p, DuplicateId) for p in failed.value.problems)


def test_articles_checked_in_worker_processes_report_the_same(
    tmp_path: Path, ontology: Ontology
) -> None:
    """Articles are read in forked processes and their problems sent back: same problems, same
    places, same order as when read here, for every bad mapping at once."""
    shutil.copytree(MINI, tmp_path / "m")
    for path in BAD.iterdir():
        shutil.copy(path, tmp_path / "m" / "articles" / path.name)
    outcomes = []
    for workers in (1, 2):
        with pytest.raises(BuildFailed) as failed:
            check_project(tmp_path / "m", ontology, workers=workers)
        outcomes.append(
            [(type(p), p.path, p.line, p.column, p.reason, str(p)) for p in failed.value.problems]
        )
    assert len(outcomes[0]) > 10
    assert {kind for kind, *_ in outcomes[0]} >= {QuoteNotFound, YamlSyntaxError, UnknownTerm}
    assert outcomes[0] == outcomes[1]


def test_a_clean_project_checked_in_worker_processes_is_the_same(ontology: Ontology) -> None:
    here, forked = (check_project(MINI, ontology, workers=workers) for workers in (1, 2))
    assert here == forked
    assert [len(a.facts) for a in forked.articles] == [len(a.facts) for a in here.articles] != []
