"""The scgraph command: exit codes and output a person or a script relies on."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import rdflib
from typer.testing import CliRunner

from scgraph.cli import app, graph_lines
from scgraph.settings import Settings

DATA = Path(__file__).parent / "data"
runner = CliRunner()


def scgraph(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """The real command in a real process, as a maintainer runs it."""
    return subprocess.run(
        [sys.executable, "-m", "scgraph.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        check=False,
    )


def test_validate_reports_each_problem_as_path_line_column(tmp_path: Path) -> None:
    shutil.copytree(DATA / "mini", tmp_path / "mappings")
    shutil.copytree(Path(__file__).parent.parent / "ontology", tmp_path / "ontology")
    for suffix in (".yaml", ".txt"):
        shutil.copy(DATA / "bad" / f"malformed_date{suffix}", tmp_path / "mappings" / "articles")
    result = scgraph("validate", cwd=tmp_path)
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if line.startswith("mappings/")]
    assert lines == [
        "mappings/articles/malformed_date.yaml:10:27: malformed date '22/10/2020' for"
        " 'startDate': write YYYY-MM-DD",
        "mappings/articles/malformed_date.yaml:11:25: malformed date '2020-13-45' for"
        " 'endDate': write YYYY-MM-DD",
        "mappings/articles/malformed_date.yaml:12:22: malformed year '20x0' for 'year':"
        " write four digits",
    ]
    assert "Traceback" not in result.stderr
    assert "3 problem(s); nothing was written." in result.stderr


def test_validate_runs_the_builds_checks_in_a_scratch_store_it_removes(tmp_path: Path) -> None:
    """`scgraph validate` checks as a full build does (each article as it is built, the shapes
    on a store), in a scratch store under TMPDIR, removed whether the mappings pass or not."""
    shutil.copytree(DATA / "mini", tmp_path / "mappings")
    shutil.copytree(Path(__file__).parent.parent / "ontology", tmp_path / "ontology")
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = {**os.environ, "TMPDIR": str(scratch)}
    run = [sys.executable, "-m", "scgraph.cli", "validate"]
    passed = subprocess.run(run, capture_output=True, text=True, cwd=tmp_path, env=env, check=False)
    assert passed.returncode == 0, passed.stderr
    assert "checked and stored" in passed.stderr and "SHACL: 0 violation(s)" in passed.stderr
    assert list(scratch.iterdir()) == [] and not (tmp_path / "var").exists()
    for suffix in (".yaml", ".txt"):
        shutil.copy(DATA / "bad" / f"shacl_statistic{suffix}", tmp_path / "mappings" / "articles")
    failed = subprocess.run(run, capture_output=True, text=True, cwd=tmp_path, env=env, check=False)
    assert failed.returncode == 1
    assert "mappings/articles/shacl_statistic.yaml:5:" in failed.stderr
    assert list(scratch.iterdir()) == [] and not (tmp_path / "var").exists()


def test_validate_passes_on_the_real_mappings() -> None:
    result = scgraph("validate")
    assert result.returncode == 0, result.stderr
    assert "All mappings are valid" in result.stdout


def test_query_formats(built: Settings) -> None:
    store = ["--store", str(built.data_dir)]
    query = (
        "SELECT ?label WHERE { <https://scgraph.org/id/city/da-nang> "
        "<http://www.w3.org/2000/01/rdf-schema#label> ?label } ORDER BY ?label"
    )
    as_csv = runner.invoke(app, ["query", query, "--format", "csv", *store])
    assert as_csv.exit_code == 0
    assert list(csv.reader(io.StringIO(as_csv.stdout))) == [["label"], ["Da Nang"], ["Đà Nẵng"]]
    as_json = runner.invoke(app, ["query", query, "--format", "json", *store])
    bindings = json.loads(as_json.stdout)["results"]["bindings"]
    assert [b["label"] for b in bindings] == [
        {"type": "literal", "value": "Da Nang", "xml:lang": "en"},
        {"type": "literal", "value": "Đà Nẵng", "xml:lang": "vi"},
    ]
    table = runner.invoke(app, ["query", query, *store])
    assert "Đà Nẵng@vi" in table.stdout and "(2 rows)" in table.stdout


def test_query_syntax_error_exits_1_with_the_parser_message(built: Settings) -> None:
    result = runner.invoke(app, ["query", "SELECT WHERE {", "--store", str(built.data_dir)])
    assert result.exit_code == 1
    assert "SPARQL syntax error" in result.stderr


def test_query_without_a_build_says_so(tmp_path: Path) -> None:
    result = runner.invoke(app, ["query", "ASK {}", "--store", str(tmp_path)])
    assert result.exit_code == 1
    assert "run `scgraph build` first" in result.stderr


def test_export_turtle_parses(built: Settings, tmp_path: Path) -> None:
    out = tmp_path / "dump.ttl"
    result = runner.invoke(
        app, ["export", "--format", "turtle", "-o", str(out), "--store", str(built.data_dir)]
    )
    assert result.exit_code == 0
    graph = rdflib.Graph().parse(data=out.read_text(encoding="utf-8"), format="turtle")
    assert (
        rdflib.URIRef("https://scgraph.org/id/city/da-nang"),
        rdflib.RDFS.label,
        rdflib.Literal("Đà Nẵng", lang="vi"),
    ) in graph


def test_export_nquads_keeps_every_named_graph(built: Settings, tmp_path: Path) -> None:
    out = tmp_path / "dump.nq"
    runner.invoke(app, ["export", "-o", str(out), "--store", str(built.data_dir)])
    quads = list(ox.parse(path=str(out), format=ox.RdfFormat.N_QUADS))
    names = {q.graph_name.value for q in quads if isinstance(q.graph_name, ox.NamedNode)}
    assert "https://scgraph.org/graph/registry" in names
    assert sum(1 for n in names if "/graph/article/" in n) >= 5


def test_schema_is_json_schema_of_the_mapping_format() -> None:
    result = runner.invoke(app, ["schema"])
    schema = json.loads(result.stdout)
    assert schema["title"] == "ArticleMapping"
    assert set(schema["properties"]) == {"article", "entities", "facts"}
    assert schema["$defs"]["Entity"]["additionalProperties"] is False


def test_build_lists_every_graph_of_a_small_archive_and_sums_the_articles_of_a_large_one() -> None:
    base = "https://scgraph.org/graph/"
    shared = {base + "metadata": 900, base + "ontology": 1200, base + "registry": 300}
    few = {**shared, **{f"{base}article/a{n}": 10 + n for n in range(5)}}
    assert graph_lines(few) == [f"  {count:7d}  {graph}" for graph, count in few.items()]
    many = {**shared, **{f"{base}article/a{n}": 10 + n for n in range(30)}}
    assert graph_lines(many) == [
        *(f"  {count:7d}  {graph}" for graph, count in shared.items()),
        f"  {sum(10 + n for n in range(30)):7d}  in 30 article graphs (each is in build.json)",
    ]
