"""Turn checked mappings into quads: one named graph per article, plus registry, metadata, ontology.

Oxigraph does no inference, so every parent class, super-property and inverse the ontology implies
is written out here, in the same graph as the statement that implies it.

Quads leave the builder as N-Quads text, the form `Store.bulk_load` reads: each term is written
once by pyoxigraph's own term syntax (`str(ox.NamedNode(...))`, `str(ox.Literal(...))`, which also
checks IRIs and language tags), and a quad is four such strings. Making `ox.Quad` objects cost
more than the rest of the builder; `build_quads` parses the text back for those who need them.
Articles can be built in worker processes (`scgraph.build_pool`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from scgraph import __version__
from scgraph.build_inputs import BuildInputs
from scgraph.errors import BuildFailed
from scgraph.iris import ONTOLOGY_IRI, IriMinter
from scgraph.mapping.checks import (
    CheckedArticle,
    CheckedProject,
    Location,
    QuoteSpan,
    ResolvedEntity,
    ResolvedFact,
    TypedLiteral,
)
from scgraph.mapping.stream_check import DeclaredProject, check_article
from scgraph.ontology import (
    FOAF,
    OA,
    OWL,
    PROV,
    RDF,
    RDF_TYPE,
    RDFS_LABEL,
    SKOS,
    XSD,
    Ontology,
)
from scgraph.origins import ArticleOrigins
from scgraph.text import nfc

SC = ONTOLOGY_IRI + "#"
_CONTEXT_CHARS = 32  # prefix/suffix length of text quote selectors
_TERMS_KEPT = 50_000  # IRI terms remembered between parts


@dataclass
class Part:
    """One graph's worth of the dataset (registry, an article, ontology and provenance) as
    N-Quads: `named` holds each quad in its named graph, `merged` the same statements without a
    graph name, for the default graph (the merge)."""

    named: bytes
    merged: bytes
    count: int
    key: str = ""
    """Which dump part these quads are (`scgraph.dump_parts`): "registry", "ontology",
    "article-<id>", "build-<id>" (a build's activity) or "provenance" (the metadata graph's
    link to the latest build)."""
    rendered: dict[str, bytes] | None = None
    """The part's bytes in each dump, when a worker process made them (`dump_parts.render`)."""


Sink = Callable[[Part], None]
Quad = tuple[str, str, str, str]  # subject, predicate, object, graph in N-Triples term syntax


REGISTRY_PART, ONTOLOGY_PART, PROVENANCE_PART = "registry", "ontology", "provenance"
BUILD_PART_PREFIX = "build-"


def article_part_key(article_id: str) -> str:
    return f"article-{article_id}"


def build_part_key(build_id: str) -> str:
    return BUILD_PART_PREFIX + build_id


def _graph_first(quad: Quad) -> Quad:
    s, p, o, g = quad
    return g, s, p, o


@dataclass
class BuildOutput:
    """The quads of one build and, for every minted node, the mapping place it came from.

    A streamed build (`stream_quads`) hands its quads to a sink and keeps `quads` empty."""

    build_id: str
    quads: list[ox.Quad]
    origins: Mapping[str, Location] = field(default_factory=dict)
    graphs: list[str] = field(default_factory=list)
    quad_count: int = 0


def build_id_for(inputs: BuildInputs, started: dt.datetime) -> str:
    """A sortable, unique build id: UTC time plus a hash of the inputs' digests (which cover the
    scgraph version and the dataset base too: either changes every IRI or statement of the
    build, and caches of pages and answers are keyed by this id)."""
    return f"{started:%Y%m%dT%H%M%SZ}-{inputs.sha256[:8]}"


def build_started_at() -> dt.datetime:
    """Now, or SOURCE_DATE_EPOCH when set, so that builds can be reproduced."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC)
    return dt.datetime.now(tz=dt.UTC).replace(microsecond=0)


def build_quads(
    project: CheckedProject,
    ontology: Ontology,
    minter: IriMinter,
    started: dt.datetime,
    relative_to: Path,
    build_id: str,
) -> BuildOutput:
    """All quads of the dataset, deduplicated, in one list."""
    quads: list[ox.Quad] = []

    def parse(part: Part) -> None:
        quads.extend(ox.parse(part.named, format=ox.RdfFormat.N_QUADS))

    output = stream_quads(project, ontology, minter, started, relative_to, parse, build_id=build_id)
    output.quads = list(dict.fromkeys(quads))  # parts could repeat a quad of a shared graph
    return output


def stream_quads(
    project: CheckedProject,
    ontology: Ontology,
    minter: IriMinter,
    started: dt.datetime,
    relative_to: Path,
    sink: Sink,
    workers: int = 1,
    *,
    build_id: str,
    render_dumps: bool = False,
) -> BuildOutput:
    """The quads of the dataset handed to `sink` one graph's worth at a time (registry, each
    article, ontology, provenance), so memory holds a few articles' quads, not the dataset's.
    Quads are deduplicated within each part; a store, being a set, removes the rest. With
    `workers` > 1, articles are built in that many forked processes (same parts, same order).
    `build_id` is made from the inputs' digests before they were read (`build_id_for`). With
    `render_dumps`, the workers also render each article's dump part (`Part.rendered`)."""
    from scgraph.build_pool import article_parts  # the pool module imports this one

    builder = QuadBuilder(Identities.of(project), ontology, minter, relative_to, sink, build_id)
    # Fork before the first part reaches the sink: the sink may open a store, which a forked
    # process must not inherit.
    for built in article_parts(builder, project.articles, workers, render_dumps):
        builder.absorb(built)
    _shared_parts(builder, project.registry, project.registry_path, started)
    return BuildOutput(build_id, [], builder.origins, sorted(builder.graph_names), builder.emitted)


def stream_checked_quads(
    project: DeclaredProject,
    minter: IriMinter,
    started: dt.datetime,
    relative_to: Path,
    sink: Sink,
    workers: int = 1,
    *,
    build_id: str,
    render_dumps: bool = False,
) -> BuildOutput:
    """`stream_quads` for a project whose articles are checked as they are built, in the
    workers (mapping/stream_check.py), so that no process holds them all. Raises `BuildFailed`
    with every problem of the project; `sink` gets no part after the first problem. The
    articles' origins are not kept: they are made again when asked for (origins.py)."""
    from scgraph.build_pool import checked_article_parts  # the pool module imports this one

    identities = Identities.declared(project)
    builder = QuadBuilder(identities, project.checker.onto, minter, relative_to, sink, build_id)
    problems = list(project.problems)
    for built, found in checked_article_parts(builder, project, workers, render_dumps):
        problems.extend(found)
        if built is not None and not problems:
            builder.absorb(built, keep_origins=False)
    if problems:
        raise BuildFailed(problems)
    _shared_parts(builder, project.registry, project.registry_path, started)
    articles = {a.id: a for a in project.articles}

    def origins_of(article_id: str) -> dict[str, Location]:
        article, _ = check_article(project.checker, articles[article_id])
        return builder.article_part(article).origins if article is not None else {}

    origins = ArticleOrigins(
        builder.origins, minter, project.checker.owner, list(articles), origins_of
    )
    return BuildOutput(build_id, [], origins, sorted(builder.graph_names), builder.emitted)


def _shared_parts(
    builder: QuadBuilder, registry: list[ResolvedEntity], registry_path: Path, started: dt.datetime
) -> None:
    """The parts after the articles': registry, ontology, this build's activity, provenance."""
    minter = builder.minter
    builder.registry(registry)
    builder.generated(minter.registry_graph, [registry_path])
    builder.flush(REGISTRY_PART)
    builder.ontology_graph()
    builder.generated(minter.ontology_graph, [builder.onto.path])
    builder.flush(ONTOLOGY_PART)
    builder.activity(started, build_started_at())
    builder.flush(build_part_key(builder.build_id))
    builder.metadata_generated()
    builder.flush(PROVENANCE_PART)


def stream_article_update(
    project: CheckedProject,
    ontology: Ontology,
    minter: IriMinter,
    relative_to: Path,
    sink: Sink,
    build: tuple[str, dt.datetime],
) -> BuildOutput:
    """An incremental build's quads: those of `project.articles` (their graphs, metadata and
    generation by this build), this build's activity and the metadata graph's link to it, `build`
    being the build's id and start. The other graphs keep the builds that generated them."""
    build_id, started = build
    builder = QuadBuilder(Identities.of(project), ontology, minter, relative_to, sink, build_id)
    # The shapes run on registry entities the articles describe: trace them as a full build does.
    for entity in project.registry:
        builder.origins[builder.entity_iris[entity.id]] = entity.location
    for article in project.articles:
        builder.article(article)
        builder.flush(article_part_key(article.id))
    builder.activity(started, build_started_at())
    builder.flush(build_part_key(build_id))
    builder.metadata_generated()
    builder.flush(PROVENANCE_PART)
    return BuildOutput(build_id, [], builder.origins, sorted(builder.graph_names), builder.emitted)


# Literals as N-Triples terms, written by pyoxigraph (escapes, datatype and language syntax).


def _literal(value: TypedLiteral) -> str:
    if value.lang is not None:
        return _text(value.lexical, value.lang)
    return str(ox.Literal(value.lexical, datatype=ox.NamedNode(value.datatype)))


def _text(text: str, language: str | None = None) -> str:
    return str(ox.Literal(text, language=language))


def _typed(lexical: str, datatype: str) -> str:
    return str(ox.Literal(lexical, datatype=ox.NamedNode(XSD + datatype)))


@dataclass(frozen=True)
class Identities:
    """What the builder must know of the whole project to make any article's quads: the IRI of
    every entity an article may name."""

    entities: Iterable[tuple[str, list[str]]]
    """(id, types) of the registry's entities and of every article's."""
    article_ids: Iterable[str]
    individuals: dict[str, str]
    """Ontology individual name → IRI."""

    @classmethod
    def of(cls, project: CheckedProject) -> Identities:
        entities = [*project.registry, *(e for a in project.articles for e in a.entities)]
        return cls(
            [(e.id, e.types) for e in entities],
            [a.id for a in project.articles],
            project.individuals,
        )

    @classmethod
    def declared(cls, project: DeclaredProject) -> Identities:
        return cls(
            [*((e.id, e.types) for e in project.registry), *project.entities()],
            [a.id for a in project.articles],
            project.individuals,
        )


@dataclass
class ArticlePart:
    """One article's part, with what the builder learnt making it (see `QuadBuilder.absorb`)."""

    part: Part
    graph: str
    origins: dict[str, Location]
    mapping_files: dict[Path, str]


class QuadBuilder:
    def __init__(
        self,
        identities: Identities,
        ontology: Ontology,
        minter: IriMinter,
        relative_to: Path,
        sink: Sink,
        build_id: str,
    ) -> None:
        self.sink = sink
        self.build_id = build_id
        self.build_iri = minter.build(build_id)
        self.emitted = 0
        self.onto = ontology
        self.minter = minter
        self.relative_to = relative_to
        self.individuals = identities.individuals
        self.terms: dict[str, str] = {}  # IRI → its N-Triples term, checked once
        self.quads: set[Quad] = set()
        self.origins: dict[str, Location] = {}
        self.graph_names: set[str] = set()
        self.entity_iris: dict[str, str] = {}
        for entity_id, types in identities.entities:
            self.entity_iris[entity_id] = minter.entity(types[0], entity_id)
        for article_id in identities.article_ids:
            self.entity_iris[article_id] = minter.article(article_id)
        self.mapping_files: dict[Path, str] = {}

    # Low-level writers

    def flush(self, key: str) -> None:
        if self.quads:
            part = self.take_part(key)
            self.emitted += part.count
            self.sink(part)

    def take_part(self, key: str) -> Part:
        """The quads added since the last part, as N-Quads, graph by graph in a fixed order (a
        dump part's bytes must not depend on the order of a set)."""
        quads, self.quads = self.quads, set()
        if len(self.terms) > _TERMS_KEPT:  # evidence IRIs are new in every article
            self.terms.clear()
        ordered = sorted(quads, key=_graph_first)
        named = "".join(f"{s} {p} {o} {g} .\n" for s, p, o, g in ordered)
        triples = dict.fromkeys(f"{s} {p} {o} .\n" for s, p, o, _ in sorted(quads))
        return Part(named.encode(), "".join(triples).encode(), len(quads), key)

    def article_part(self, article: CheckedArticle) -> ArticlePart:
        """One article's quads and the origins, graph and mapping file they add."""
        origins, self.origins = self.origins, {}
        known_files = set(self.mapping_files)
        try:
            self.article(article)
            part = self.take_part(article_part_key(article.id))
            new_files = {p: i for p, i in self.mapping_files.items() if p not in known_files}
            graph = self.minter.article_graph(article.id)
            return ArticlePart(part, graph, self.origins, new_files)
        finally:
            self.origins = origins

    def absorb(self, built: ArticlePart, keep_origins: bool = True) -> None:
        """Take in an article part made here or in a worker process: hand it to the sink and
        remember its graph, mapping file (provenance lists them once) and, `keep_origins`, its
        origins."""
        self.emitted += built.part.count
        self.sink(built.part)
        if keep_origins:
            self.origins.update(built.origins)
        self.graph_names.add(built.graph)
        self.mapping_files.update(built.mapping_files)

    def iri(self, value: str) -> str:
        term = self.terms.get(value)
        if term is None:
            term = self.terms[value] = str(ox.NamedNode(value))
        return term

    def add(self, s: str, p: str, o: str, graph: str) -> None:
        """A quad; `o` is an N-Triples term (`self.iri(...)` or a literal from `_text`...)."""
        self.quads.add((self.iri(s), self.iri(p), o, self.iri(graph)))

    def link(self, s: str, p: str, o: str, graph: str) -> None:
        """A quad whose object is the IRI `o`."""
        self.add(s, p, self.iri(o), graph)

    def add_types(self, s: str, class_names: list[str], graph: str) -> None:
        for iri in self.onto.class_iris_with_ancestors(class_names):
            self.link(s, RDF_TYPE, iri, graph)

    def add_statement(self, s: str, prop: str, o: str, graph: str) -> None:
        """A statement (`o` an N-Triples term), its super-properties and, for links, its
        inverse."""
        term = self.onto.properties[prop]
        for p in (term.iri, *sorted(term.ancestors)):
            self.add(s, p, o, graph)
        if term.inverse and o.startswith("<"):
            inverse = self.onto.local_name(term.inverse)
            inverse_term = self.onto.properties.get(inverse or "")
            ancestors = sorted(inverse_term.ancestors) if inverse_term else []
            for p in (term.inverse, *ancestors):
                self.link(o[1:-1], p, s, graph)

    def relative(self, path: Path) -> str:
        try:
            return path.resolve().relative_to(self.relative_to.resolve()).as_posix()
        except ValueError:
            return path.name

    # Entities

    def entity(self, entity: ResolvedEntity, graph: str) -> str:
        iri = self.entity_iris[entity.id]
        self.origins[iri] = entity.location
        self.add_types(iri, entity.types, graph)
        model = entity.model
        is_concept = SKOS + "Concept" in self.onto.class_iris_with_ancestors(entity.types)
        labels = [("vi", model.label.vi), ("en", model.label.en)]
        for lang, text in labels:
            if text:
                self.add(iri, RDFS_LABEL, _text(nfc(text), lang), graph)
                if is_concept:
                    self.add(iri, SKOS + "prefLabel", _text(nfc(text), lang), graph)
        if model.alt is not None:
            for lang, names in (("vi", model.alt.vi), ("en", model.alt.en)):
                for name in names:
                    self.add(iri, SKOS + "altLabel", _text(nfc(name), lang), graph)
        for same in model.same_as:
            target = (
                "http://www.wikidata.org/entity/" + same.split(":", 1)[1]
                if same.startswith("wikidata:")
                else same
            )
            self.link(iri, SKOS + "exactMatch" if is_concept else OWL + "sameAs", target, graph)
        return iri

    def registry(self, entities: list[ResolvedEntity]) -> None:
        graph = self.minter.registry_graph
        self.graph_names.add(graph)
        for entity in entities:
            self.entity(entity, graph)

    # Articles

    def article(self, article: CheckedArticle) -> None:
        graph = self.minter.article_graph(article.id)
        self.graph_names.add(graph)
        iri = self.entity_iris[article.id]
        self.origins[iri] = article.location
        self.add_types(iri, ["Article"], graph)
        for lang, text in (("vi", article.header.label.vi), ("en", article.header.label.en)):
            if text:
                self.add(iri, RDFS_LABEL, _text(nfc(text), lang), graph)
        self.add_statement(iri, "inLanguage", _text(article.header.language), graph)
        self.add_statement(iri, "articleText", _text(article.text), graph)
        mapping_iri = self.mapping_file(article.mapping_path)
        self.generated(graph, [article.mapping_path, article.text_path])
        self.link(iri, PROV + "wasDerivedFrom", mapping_iri, self.minter.metadata_graph)
        self.link(graph, PROV + "wasDerivedFrom", mapping_iri, self.minter.metadata_graph)
        self.link(graph, FOAF + "primaryTopic", iri, self.minter.metadata_graph)

        mentioned: dict[str, list[QuoteSpan]] = {}
        for entity in article.entities:
            entity_iri = self.entity(entity, graph)
            first_type = self.onto.classes[entity.types[0]].iri
            self.evidence(
                article,
                (entity_iri, RDF_TYPE, self.iri(first_type)),
                entity.quotes,
                None,
                entity.location,
            )
            mentioned.setdefault(entity.id, entity.quotes)
        for fact in article.facts:
            self.fact(article, fact, graph, mentioned)
        for entity_id, quotes in sorted(mentioned.items()):
            target = self.iri(self.entity_iris[entity_id])
            self.add_statement(iri, "mentions", target, graph)
            self.evidence(
                article, (iri, SC + "mentions", target), quotes[:1], None, article.location
            )

    def fact(
        self,
        article: CheckedArticle,
        fact: ResolvedFact,
        graph: str,
        mentioned: dict[str, list[QuoteSpan]],
    ) -> None:
        subject = self.entity_iris[fact.subject]
        if fact.subject != article.id:
            mentioned.setdefault(fact.subject, fact.quotes)
        for value in fact.objects:
            if isinstance(value, TypedLiteral):
                obj = _literal(value)
            elif value in self.entity_iris:
                obj = self.iri(self.entity_iris[value])
                mentioned.setdefault(value, fact.quotes)
            else:
                obj = self.iri(self.individuals[value])
            self.add_statement(subject, fact.prop.name, obj, graph)
            self.evidence(
                article, (subject, fact.prop.iri, obj), fact.quotes, fact.inferred, fact.location
            )

    def evidence(
        self,
        article: CheckedArticle,
        statement: tuple[str, str, str],
        quotes: list[QuoteSpan],
        inferred: str | None,
        location: Location,
    ) -> None:
        """Web Annotation evidence in the metadata graph: which text supports which statement."""
        graph = self.minter.metadata_graph
        article_iri = self.entity_iris[article.id]
        s, p, o = statement  # subject and predicate IRIs, the object as an N-Triples term
        for quote in quotes:
            iri = self.minter.evidence(article.id, s, p, o, str(quote.start), str(quote.end))
            target, selector = iri + "-target", iri + "-selector"
            self.origins[iri] = quote.location
            self.add_types(iri, ["Evidence"], graph)
            short = quote.text if len(quote.text) <= 60 else quote.text[:59] + "…"
            self.add(iri, RDFS_LABEL, _text(f"Trích dẫn: “{short}”", "vi"), graph)
            self.add(iri, RDFS_LABEL, _text(f"Quote: “{short}”", "en"), graph)
            self.link(iri, RDF + "type", RDF + "Statement", graph)
            self.link(iri, RDF + "subject", s, graph)
            self.link(iri, RDF + "predicate", p, graph)
            self.add(iri, RDF + "object", o, graph)
            self.add(iri, SC + "quote", _text(quote.text), graph)
            self.add(
                iri,
                SC + "mappingLocation",
                _text(
                    f"{self.relative(quote.location.path)}:{quote.location.line}:{quote.location.column}"
                ),
                graph,
            )
            if inferred:
                self.add(iri, SC + "inferred", _typed("true", "boolean"), graph)
                self.add(iri, SC + "inferenceNote", _text(inferred), graph)
            self.link(iri, OA + "motivatedBy", OA + "describing", graph)
            self.link(iri, OA + "hasTarget", target, graph)
            self.link(target, RDF_TYPE, OA + "SpecificResource", graph)
            self.link(target, OA + "hasSource", article_iri, graph)
            self.link(target, OA + "hasSelector", selector, graph)
            self.link(selector, RDF_TYPE, OA + "TextQuoteSelector", graph)
            self.link(selector, RDF_TYPE, OA + "TextPositionSelector", graph)
            self.add(selector, OA + "exact", _text(quote.text), graph)
            before = article.text[max(0, quote.start - _CONTEXT_CHARS) : quote.start]
            after = article.text[quote.end : quote.end + _CONTEXT_CHARS]
            if before:
                self.add(selector, OA + "prefix", _text(before), graph)
            if after:
                self.add(selector, OA + "suffix", _text(after), graph)
            self.add(selector, OA + "start", _typed(str(quote.start), "nonNegativeInteger"), graph)
            self.add(selector, OA + "end", _typed(str(quote.end), "nonNegativeInteger"), graph)

    # Ontology and provenance

    def ontology_graph(self) -> None:
        graph = self.minter.ontology_graph
        self.graph_names.add(graph)
        for triple in ox.parse(path=str(self.onto.path), format=ox.RdfFormat.TURTLE):
            subject, predicate, obj = map(str, (triple.subject, triple.predicate, triple.object))
            self.quads.add((subject, predicate, obj, self.iri(graph)))

    def mapping_file(self, path: Path) -> str:
        if path not in self.mapping_files:
            relative = self.relative(path)
            iri = self.minter.mapping_file(relative)
            graph = self.minter.metadata_graph
            self.add_types(iri, ["MappingFile"], graph)
            self.add(iri, RDFS_LABEL, _text(relative, "en"), graph)
            self.add(iri, RDFS_LABEL, _text(relative, "vi"), graph)
            self.add(iri, SC + "path", _text(relative), graph)
            self.add(
                iri, SC + "sha256", _text(hashlib.sha256(path.read_bytes()).hexdigest()), graph
            )
            self.mapping_files[path] = iri
        return self.mapping_files[path]

    def generated(self, graph: str, inputs: list[Path]) -> None:
        """This build generated `graph` from `inputs` (their records are written here too, so
        that they belong to the same part). The link lives with the graph's quads: a graph an
        incremental build keeps keeps the build that generated it."""
        metadata = self.minter.metadata_graph
        self.link(graph, PROV + "wasGeneratedBy", self.build_iri, metadata)
        for path in inputs:
            self.link(self.build_iri, PROV + "used", self.mapping_file(path), metadata)

    def activity(self, started: dt.datetime, ended: dt.datetime) -> None:
        """This build's activity: the same quads whichever graphs it generated."""
        graph = self.minter.metadata_graph
        self.graph_names.add(graph)
        iri = self.build_iri
        self.add_types(iri, ["Build"], graph)
        self.add(iri, RDFS_LABEL, _text(f"Lần xây dựng {self.build_id}", "vi"), graph)
        self.add(iri, RDFS_LABEL, _text(f"Build {self.build_id}", "en"), graph)
        for prop, moment in (("startedAtTime", started), ("endedAtTime", ended)):
            stamp = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
            self.add(iri, PROV + prop, _typed(stamp, "dateTime"), graph)
        self.add(iri, SC + "softwareVersion", _text(f"scgraph {__version__}"), graph)

    def metadata_generated(self) -> None:
        """Every build writes into the metadata graph: it was generated by the latest."""
        metadata = self.minter.metadata_graph
        self.link(metadata, PROV + "wasGeneratedBy", self.build_iri, metadata)
