"""The `scgraph` command: thin typer commands over the library functions."""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import pyoxigraph as ox
import typer

from scgraph.doctor import check_build
from scgraph.errors import BuildFailed, ExampleQueryError, QuerySyntaxError, ScgraphError
from scgraph.graph_store import GraphStore
from scgraph.incremental import rebuild
from scgraph.mapping.models import ArticleMapping, Registry
from scgraph.pipeline import is_current, validate_in_scratch
from scgraph.queries import canonical, load_examples, read_expected
from scgraph.settings import Settings, get_settings, is_url
from scgraph.store import open_store, read_summary, resolve_build, run_query

app = typer.Typer(
    help="scgraph: build, check, query and serve the smart-city news knowledge graph.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

MappingsOption = Annotated[
    Path | None, typer.Option("--mappings", help="Mappings directory [default: mappings].")
]
StoreOption = Annotated[
    str | None,
    typer.Option(
        "--store",
        help="Data directory or build directory [default: var], or the URL of a SPARQL 1.1 "
        "server holding the graph.",
    ),
]


def _settings(mappings: Path | None = None, store: str | None = None) -> Settings:
    settings = get_settings()
    updates: dict[str, Path | str] = {}
    if mappings is not None:
        updates["mappings_dir"] = mappings
    if store is not None and is_url(store):
        updates["store"] = store  # the local build still goes to data_dir
    elif store is not None:
        updates["data_dir"] = Path(store)
    return settings.model_copy(update=updates)


@contextmanager
def _opened(settings: Settings) -> Iterator[GraphStore]:
    """The store to read: the remote server with a URL store, else the local build."""
    if settings.store_url is None:
        yield open_store(settings.data_dir)
        return
    from scgraph.remote_store import RemoteStore  # httpx: only for a remote store

    remote = RemoteStore(settings.store_url, settings.base_iri, timeout=settings.query_timeout_s)
    try:
        yield remote
    finally:
        remote.close()


def _progress(message: str) -> None:
    typer.echo(f"· {message}", err=True)


def _fail(error: ScgraphError) -> typer.Exit:
    if isinstance(error, BuildFailed):
        for problem in error.problems:
            typer.echo(str(problem), err=True)
        typer.echo(f"{len(error.problems)} problem(s); nothing was written.", err=True)
    else:
        typer.echo(f"error: {error}", err=True)
    return typer.Exit(code=1)


@app.command()
def build(
    mappings: MappingsOption = None,
    store: StoreOption = None,
    if_changed: Annotated[
        bool, typer.Option("--if-changed", help="Do nothing when the served build is current.")
    ] = False,
    full: Annotated[
        bool,
        typer.Option(
            "--full",
            help="Rebuild everything, even when only some articles changed since the served "
            "build (otherwise those alone are rebuilt, in a copy of its store).",
        ),
    ] = False,
) -> None:
    """Check every mapping, build a fresh store with dumps, and switch to it when all passed.
    When only article mappings or texts changed since the served build, only those are
    checked and rebuilt (an incremental build); the output says which kind ran and why."""
    settings = _settings(mappings, store)
    if if_changed and is_current(settings):
        typer.echo("The served build is current: nothing to do.")
        return
    try:
        result = rebuild(settings, _progress, full=full)
    except ScgraphError as error:
        raise _fail(error) from error
    if settings.store_url is not None:
        from scgraph.remote_load import load_build  # httpx: only for a remote store

        try:
            load_build(
                result.build_dir,
                settings.store_url,
                settings.base_iri,
                graph_store=settings.store_graph_store,
                progress=_progress,
            )
        except ScgraphError as error:
            raise _fail(error) from error
    summary = result.summary
    typer.echo(f"Built {summary['build_id']}: {summary['triples']} triples in the merged graph.")
    typer.echo("Triples per named graph:")
    for line in graph_lines(summary["triples_per_graph"]):
        typer.echo(line)
    typer.echo("Entities per class:")
    for name, count in summary["entities_per_class"].items():
        typer.echo(f"  {count:7d}  {name}")


LISTED_GRAPHS = 20


def graph_lines(triples_per_graph: dict[str, int], listed: int = LISTED_GRAPHS) -> list[str]:
    """One line per named graph, or, past `listed` graphs, one per graph that is not an
    article's and one for all the article graphs (an archive has thousands; build.json lists
    each)."""
    if len(triples_per_graph) <= listed:
        return [f"  {count:7d}  {graph}" for graph, count in triples_per_graph.items()]
    articles = {g: n for g, n in triples_per_graph.items() if "/graph/article/" in g}
    lines = [f"  {n:7d}  {g}" for g, n in triples_per_graph.items() if g not in articles]
    total = sum(articles.values())
    lines.append(f"  {total:7d}  in {len(articles)} article graphs (each is in build.json)")
    return lines


@app.command()
def validate(mappings: MappingsOption = None) -> None:
    """Run every check of a build (format, references, terms, quotes, SHACL), publishing nothing.

    As a full build runs them, in a scratch store under the temporary directory, then removed."""
    try:
        quads = validate_in_scratch(_settings(mappings), _progress)
    except ScgraphError as error:
        raise _fail(error) from error
    typer.echo(f"All mappings are valid ({quads} quads).")


@app.command()
def check(mappings: MappingsOption = None, store: StoreOption = None) -> None:
    """Verify the built store against its mappings, dump checksums, search index and summary."""
    try:
        differences = check_build(_settings(mappings, store))
    except ScgraphError as error:
        raise _fail(error) from error
    for line in differences:
        typer.echo(line)
    if differences:
        typer.echo(f"{len(differences)} difference(s) found.", err=True)
        raise typer.Exit(code=1)
    typer.echo("The build matches its mappings, dumps, search index and summary.")


class OutputFormat(StrEnum):
    table = "table"
    csv = "csv"
    tsv = "tsv"
    json = "json"


@app.command()
def query(
    sparql: Annotated[str, typer.Argument(help="A SPARQL query, or @FILE to read one.")],
    output_format: Annotated[
        OutputFormat, typer.Option("--format", help="table, csv, tsv or json.")
    ] = OutputFormat.table,
    store: StoreOption = None,
) -> None:
    """Run a SPARQL query against the built store and print the results."""
    text = Path(sparql[1:]).read_text(encoding="utf-8") if sparql.startswith("@") else sparql
    try:
        with _opened(_settings(store=store)) as opened:
            result = run_query(opened, text)
    except QuerySyntaxError as error:
        typer.echo(f"SPARQL syntax error: {error}", err=True)
        raise typer.Exit(code=1) from error
    except ScgraphError as error:
        raise _fail(error) from error
    if isinstance(result, ox.QueryTriples):
        sys.stdout.buffer.write(ox.serialize(list(result), format=ox.RdfFormat.TURTLE) or b"")
        return
    if output_format is not OutputFormat.table:
        fmt = {
            OutputFormat.csv: ox.QueryResultsFormat.CSV,
            OutputFormat.tsv: ox.QueryResultsFormat.TSV,
            OutputFormat.json: ox.QueryResultsFormat.JSON,
        }[output_format]
        sys.stdout.buffer.write(result.serialize(format=fmt) or b"")
        return
    if isinstance(result, ox.QueryBoolean):
        typer.echo("true" if result else "false")
        return
    _print_table(result)


def _print_table(result: ox.QuerySolutions) -> None:
    names = [v.value for v in result.variables]
    rows = [[_cell(row[name]) for name in names] for row in result]
    width = max(40, shutil.get_terminal_size().columns)
    widths = [
        min(max([len(n), *(len(r[i]) for r in rows)]), width // max(1, len(names)))
        for i, n in enumerate(names)
    ]
    typer.echo("  ".join(n.ljust(w) for n, w in zip(names, widths, strict=True)))
    typer.echo("  ".join("-" * w for w in widths))
    for row in rows:
        typer.echo("  ".join(c[:w].ljust(w) for c, w in zip(row, widths, strict=True)))
    typer.echo(f"({len(rows)} rows)")


def _cell(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple | None) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.Literal):
        return term.value + (f"@{term.language}" if term.language else "")
    return str(term.value) if isinstance(term, ox.NamedNode | ox.BlankNode) else str(term)


class ExportFormat(StrEnum):
    nquads = "nquads"
    trig = "trig"
    turtle = "turtle"


@app.command()
def export(
    output: Annotated[Path, typer.Option("--output", "-o", help="File to write.")],
    export_format: Annotated[
        ExportFormat, typer.Option("--format", help="nquads, trig or turtle.")
    ] = ExportFormat.nquads,
    store: StoreOption = None,
) -> None:
    """Write a dump: N-Quads or TriG (every named graph) or Turtle (the merged graph)."""
    try:
        opened = open_store(_settings(store=store).data_dir)
    except ScgraphError as error:
        raise _fail(error) from error
    if export_format is ExportFormat.turtle:
        opened.dump(str(output), format=ox.RdfFormat.TURTLE, from_graph=ox.DefaultGraph())
    else:
        fmt = ox.RdfFormat.N_QUADS if export_format is ExportFormat.nquads else ox.RdfFormat.TRIG
        opened.dump(str(output), format=fmt, from_graph=None)
    typer.echo(f"Wrote {output}")


class SchemaKind(StrEnum):
    article = "article"
    registry = "registry"


@app.command()
def schema(
    kind: Annotated[
        SchemaKind, typer.Argument(help="article (an article mapping) or registry.")
    ] = SchemaKind.article,
) -> None:
    """Print the JSON Schema of a mapping file (for editor autocompletion)."""
    model = ArticleMapping if kind is SchemaKind.article else Registry
    typer.echo(json.dumps(model.model_json_schema(), indent=2, ensure_ascii=False))


@app.command()
def info(store: StoreOption = None) -> None:
    """Show the summary of the build being served."""
    try:
        summary = read_summary(resolve_build(_settings(store=store).data_dir))
    except ScgraphError as error:
        raise _fail(error) from error
    typer.echo(json.dumps(summary, indent=2, ensure_ascii=False))


@app.command()
def examples(store: StoreOption = None) -> None:
    """Run every example query in queries/ and compare each answer with its expected results."""
    settings = _settings(store=store)
    try:
        with _opened(settings) as opened:
            failures, found = _run_examples(opened, settings), load_examples(settings.queries_dir)
    except ScgraphError as error:
        raise _fail(error) from error
    typer.echo(
        f"{len(found) - failures} of {len(found)} example queries give their expected answer."
    )
    if failures:
        raise typer.Exit(code=1)


def _run_examples(opened: GraphStore, settings: Settings) -> int:
    found = load_examples(settings.queries_dir)
    failures = 0
    for example in found:
        try:
            same = canonical(run_query(opened, example.text), example.is_ordered) == read_expected(
                example
            )
        except (ExampleQueryError, QuerySyntaxError) as error:
            typer.echo(f"ERROR {example.name}: {error}")
            failures += 1
            continue
        failures += not same
        typer.echo(f"{'ok   ' if same else 'DIFF '} {example.name}: {example.title}")
    return failures


PROTOCOLS = {
    "httptools": "protocol_lane:LaneHttpToolsProtocol",
    "h11": "slow_clients:GuardedH11Protocol",
}


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to bind [default: 127.0.0.1].")] = None,
    port: Annotated[int | None, typer.Option(help="Port [default: 8000].")] = None,
    store: StoreOption = None,
    workers: Annotated[int, typer.Option(help="Worker processes serving the same store.")] = 1,
) -> None:
    """Serve the built graph: SPARQL endpoint, linked-data pages and JSON API."""
    import os

    import uvicorn

    settings = _settings(store=store)
    if store is not None:
        # Workers build their own app from the environment (uvicorn's factory mode).
        os.environ["SCGRAPH_STORE" if is_url(store) else "SCGRAPH_DATA_DIR"] = store
    uvicorn.run(
        "scgraph.server.app:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers,
        proxy_headers=False,
        timeout_keep_alive=settings.keep_alive_timeout_s,
        access_log=settings.access_log,
        # uvicorn's protocols with time limits on slow clients (request_read_timeout_s and
        # friends); the httptools one hands requests its parser refuses over to h11.
        http=f"scgraph.server.{PROTOCOLS[settings.http_parser]}",
    )


if __name__ == "__main__":
    app()
