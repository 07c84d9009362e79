"""Check mapping files against the format, each other, the ontology and the article texts.

Every problem in every file is collected (never only the first), each at its line and column.
The result of a clean check is a `CheckedProject`: entities and facts with their terms resolved,
literals typed and quotes located, ready for `scgraph.build`.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

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
)
from scgraph.mapping.loader import DataPath, LoadedYaml, load_yaml
from scgraph.mapping.models import (
    ArticleHeader,
    ArticleMapping,
    Entity,
    EntityBase,
    Fact,
    Registry,
    RegistryEntity,
    SubjectFact,
    TwoLanguageText,
)
from scgraph.ontology import (
    GENERATED_CLASSES,
    GENERATED_PROPERTIES,
    LANG_STRING,
    OWL,
    XSD,
    Ontology,
    PropertyTerm,
)
from scgraph.text import find_quote

REGISTRY_FILE = "registry.yaml"
ARTICLES_DIR = "articles"
PARSE_WORKERS = min(2, os.cpu_count() or 1)  # the target machine has 2 cores


@dataclass(frozen=True)
class Location:
    """A place in a mapping file, 1-based."""

    path: Path
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}"


@dataclass(frozen=True)
class QuoteSpan:
    """A quote found in the article text, with its offsets into that text."""

    text: str
    start: int
    end: int
    location: Location


@dataclass(frozen=True)
class TypedLiteral:
    lexical: str
    datatype: str
    lang: str | None = None


@dataclass(frozen=True)
class Declaration:
    """An entity's identity as its mapping declares it: what the cross-file checks need."""

    id: str
    types: list[str]
    types_ok: bool
    """Whether every type is a class of the ontology that mappings may use."""
    location: Location


@dataclass
class ResolvedEntity:
    id: str
    types: list[str]
    model: EntityBase
    article_id: str | None
    location: Location
    quotes: list[QuoteSpan] = field(default_factory=list)


@dataclass
class ResolvedFact:
    subject: str
    """An entity id, or the article id for facts about the article itself."""
    prop: PropertyTerm
    objects: list[str | TypedLiteral]
    """Entity ids / individual names (str) or literals; several for a two-language text."""
    quotes: list[QuoteSpan]
    inferred: str | None
    location: Location


@dataclass
class CheckedArticle:
    id: str
    mapping_path: Path
    text_path: Path
    text: str
    header: ArticleHeader
    entities: list[ResolvedEntity]
    facts: list[ResolvedFact]
    location: Location


@dataclass
class CheckedProject:
    registry_path: Path
    registry: list[ResolvedEntity]
    articles: list[CheckedArticle]
    individuals: dict[str, str]
    """Ontology individual name → IRI, for refs like `Speaker`."""

    def entity_article(self) -> dict[str, str | None]:
        owners: dict[str, str | None] = {e.id: None for e in self.registry}
        for article in self.articles:
            owners.update({e.id: article.id for e in article.entities})
        return owners


@dataclass
class ParsedArticle:
    id: str
    loaded: LoadedYaml
    header: ArticleHeader | None
    entities: list[tuple[DataPath, Entity]]
    facts: list[tuple[DataPath, Fact, str | None]]
    """(path, fact, subject id or None for the header's facts)"""
    text: str | None
    quotes: dict[DataPath, tuple[list[QuoteSpan], list[MappingError]]] = field(default_factory=dict)
    """Each entity's and fact's quotes found in the text, and the problems finding them, by
    the quote's path; the cross-file checks report the problems of the quotes they use."""


def check_project(
    mappings_dir: Path,
    ontology: Ontology,
    only: Iterable[Path] | None = None,
    workers: int = PARSE_WORKERS,
) -> CheckedProject:
    """Check the registry and every article mapping; raise `BuildFailed` listing all problems.
    `only` checks the registry and just those article mappings (an incremental build's).
    Each article is read (YAML, format, quotes) in one of `workers` forked processes.

    >>> from scgraph.ontology import load_ontology
    >>> project = check_project(Path("mappings"), load_ontology(Path("ontology/scgraph.ttl")))
    >>> len(project.articles) >= 5
    True
    """
    problems: list[MappingError] = []
    registry_path = mappings_dir / REGISTRY_FILE
    registry_loaded, registry_entities = parse_registry(registry_path, problems)
    paths = sorted((mappings_dir / ARTICLES_DIR).glob("*.yaml") if only is None else only)
    parsed = []
    for article, article_problems in _parse_articles(paths, workers):
        parsed.append(article)
        problems.extend(article_problems)
    checker = Checker(ontology, problems)
    project = checker.check(registry_path, registry_loaded, registry_entities, parsed)
    if problems:
        raise BuildFailed(problems)
    return project


def check_mapping(path: Path, mappings_dir: Path, ontology: Ontology) -> list[MappingError]:
    """Every problem in one article mapping, checked against the registry of `mappings_dir`."""
    problems: list[MappingError] = []
    registry_loaded, registry_entities = parse_registry(mappings_dir / REGISTRY_FILE, [])
    parsed = [parse_article(path, problems)]
    Checker(ontology, problems).check(
        mappings_dir / REGISTRY_FILE, registry_loaded, registry_entities, parsed
    )
    return sorted(problems, key=MappingError.sort_key)


def _parse_articles(
    paths: list[Path], workers: int
) -> Iterator[tuple[ParsedArticle, list[MappingError]]]:
    """`_parse_alone` of each path, in order, in `workers` forked processes when there are
    several articles. An article needs nothing but its two files, so a worker shares no state."""
    if workers < 2 or len(paths) < 2:
        yield from map(_parse_alone, paths)
        return
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        yield from pool.imap(_parse_alone, paths, chunksize=8)


def _parse_alone(path: Path) -> tuple[ParsedArticle, list[MappingError]]:
    problems: list[MappingError] = []
    article = parse_article(path, problems)
    article.loaded.data = None  # parsed into models: only the positions are needed from here
    return article, problems


# Parsing: YAML, then the format, part by part so one bad entity does not hide the others.


def _validate(
    model: type[BaseModel],
    data: Any,
    at: DataPath,
    loaded: LoadedYaml,
    problems: list[MappingError],
) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        for item in error.errors():
            loc = (*at, *item["loc"])
            problems.append(loaded.error(SchemaViolation, loc, _describe(item, loc)))
        return None


def _describe(item: Any, loc: DataPath) -> str:
    field_name = ".".join(str(part) for part in loc)
    if item["type"] == "extra_forbidden":
        return f"unknown field '{loc[-1]}' (at {field_name})"
    if item["type"] == "missing":
        return f"missing field '{loc[-1]}' (at {field_name})"
    if item["type"] == "string_pattern_mismatch" and loc and loc[-1] == "id":
        return f"invalid id {item['input']!r}: use lowercase ASCII words joined by hyphens"
    return f"{field_name}: {item['msg']}"


def _expect_mapping(
    data: Any, at: DataPath, allowed: set[str], loaded: LoadedYaml, problems: list[MappingError]
) -> dict[str, Any]:
    if not isinstance(data, dict):
        problems.append(loaded.error(SchemaViolation, at, "expected a mapping of keys to values"))
        return {}
    for key in data:
        if key not in allowed:
            known = ", ".join(sorted(allowed))
            problems.append(
                loaded.error(SchemaViolation, (*at, key), f"unknown field '{key}' (known: {known})")
            )
    return data


def _expect_list(
    data: Any, at: DataPath, loaded: LoadedYaml, problems: list[MappingError]
) -> list[Any]:
    if data is None:
        return []
    if not isinstance(data, list):
        problems.append(loaded.error(SchemaViolation, at, "expected a list"))
        return []
    return data


def parse_registry(
    path: Path, problems: list[MappingError]
) -> tuple[LoadedYaml | None, list[tuple[DataPath, RegistryEntity]]]:
    loaded, errors = load_yaml(path)
    problems.extend(errors)
    if loaded is None:
        return None, []
    top = _expect_mapping(loaded.data, (), set(Registry.model_fields), loaded, problems)
    entities: list[tuple[DataPath, RegistryEntity]] = []
    for index, item in enumerate(
        _expect_list(top.get("entities"), ("entities",), loaded, problems)
    ):
        at: DataPath = ("entities", index)
        entity = _validate(RegistryEntity, item, at, loaded, problems)
        if entity is not None:
            entities.append((at, entity))
    return loaded, entities


def parse_article(
    path: Path, problems: list[MappingError], with_quotes: bool = True
) -> ParsedArticle:
    """An article's mapping read into models and, `with_quotes`, its text and the quotes
    located in it; problems are added to `problems`."""
    article_id = path.stem
    loaded, errors = load_yaml(path)
    problems.extend(errors)
    if loaded is None:
        return ParsedArticle(article_id, LoadedYaml(path, None), None, [], [], None)
    top = _expect_mapping(loaded.data, (), set(ArticleMapping.model_fields), loaded, problems)
    header_data = top.get("article")
    header: ArticleHeader | None = None
    facts: list[tuple[DataPath, Fact, str | None]] = []
    if header_data is None:
        problems.append(loaded.error(SchemaViolation, (), "missing field 'article'"))
    elif isinstance(header_data, dict):
        # Validate the header's facts one by one, then the header without them.
        for index, item in enumerate(
            _expect_list(header_data.get("facts"), ("article", "facts"), loaded, problems)
        ):
            fact = _validate(Fact, item, ("article", "facts", index), loaded, problems)
            if fact is not None:
                facts.append((("article", "facts", index), fact, None))
        rest = {k: v for k, v in header_data.items() if k != "facts"}
        header = _validate(ArticleHeader, rest, ("article",), loaded, problems)
    else:
        problems.append(loaded.error(SchemaViolation, ("article",), "expected a mapping"))

    entities: list[tuple[DataPath, Entity]] = []
    for index, item in enumerate(
        _expect_list(top.get("entities"), ("entities",), loaded, problems)
    ):
        at: DataPath = ("entities", index)
        if not isinstance(item, dict):
            problems.append(loaded.error(SchemaViolation, at, "expected a mapping"))
            continue
        entity_facts: list[tuple[DataPath, Fact]] = []
        for fact_index, fact_item in enumerate(
            _expect_list(item.get("facts"), (*at, "facts"), loaded, problems)
        ):
            fact = _validate(Fact, fact_item, (*at, "facts", fact_index), loaded, problems)
            if fact is not None:
                entity_facts.append(((*at, "facts", fact_index), fact))
        entity = _validate(
            Entity, {k: v for k, v in item.items() if k != "facts"}, at, loaded, problems
        )
        if entity is not None:
            entities.append((at, entity))
            facts.extend((fact_at, fact, entity.id) for fact_at, fact in entity_facts)

    for index, item in enumerate(_expect_list(top.get("facts"), ("facts",), loaded, problems)):
        subject_fact = _validate(SubjectFact, item, ("facts", index), loaded, problems)
        if subject_fact is not None:
            facts.append((("facts", index), subject_fact, subject_fact.subject))

    if not with_quotes:
        return ParsedArticle(article_id, loaded, header, entities, facts, None)
    text_path = path.with_suffix(".txt")
    text: str | None = None
    try:
        text = text_path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        problems.append(
            MissingArticleText(path, 1, 1, f"cannot read the article text {text_path}: {error}")
        )
    if text is not None and not unicodedata.is_normalized("NFC", text):
        problems.append(InvalidValue(text_path, 1, 1, "article text is not in Unicode NFC form"))
    quoted: list[tuple[DataPath, Entity | Fact]] = [*entities, *((at, f) for at, f, _ in facts)]
    quotes = {
        (*at, "quote"): _find_quotes(model.quote, (*at, "quote"), loaded, text)
        for at, model in quoted
    }
    return ParsedArticle(article_id, loaded, header, entities, facts, text, quotes)


# Cross-file checks: ids, references, terms, literals, quotes.


class Checker:
    def __init__(self, ontology: Ontology, problems: list[MappingError]) -> None:
        self.onto = ontology
        self.problems = problems
        self.owner: dict[str, str | None] = {}
        self.declared_at: dict[str, Location] = {}
        self.types: dict[str, list[str]] = {}

    def check(
        self,
        registry_path: Path,
        registry_loaded: LoadedYaml | None,
        registry_entities: list[tuple[DataPath, RegistryEntity]],
        parsed: list[ParsedArticle],
    ) -> CheckedProject:
        registry = self.declare_registry(registry_loaded, registry_entities)
        for article in parsed:
            for at, model in article.entities:
                self.register(self.declaration(model, article.loaded, at), article.id)
        articles = [
            checked
            for article in parsed
            if (checked := self.check_registered_article(article)) is not None
        ]
        individuals = {name: term.iri for name, term in self.onto.individuals.items()}
        return CheckedProject(registry_path, registry, articles, individuals)

    def sharing_identities(self, problems: list[MappingError]) -> Checker:
        """A checker of the entities registered here that notes its problems in `problems`."""
        other = Checker(self.onto, problems)
        other.owner, other.declared_at, other.types = self.owner, self.declared_at, self.types
        return other

    def declare_registry(
        self,
        loaded: LoadedYaml | None,
        entities: list[tuple[DataPath, RegistryEntity]],
    ) -> list[ResolvedEntity]:
        """The registry's entities, registered (the registry comes before every article)."""
        if loaded is None:
            return []
        declared = (self.declare(shared, None, loaded, at) for at, shared in entities)
        return [entity for entity in declared if entity is not None]

    def declare(
        self, model: EntityBase, article_id: str | None, loaded: LoadedYaml, at: DataPath
    ) -> ResolvedEntity | None:
        declaration = self.declaration(model, loaded, at)
        if not self.register(declaration, article_id):
            return None
        return ResolvedEntity(model.id, model.types, model, article_id, declaration.location)

    def declaration(self, model: EntityBase, loaded: LoadedYaml, at: DataPath) -> Declaration:
        """The entity's identity, its types checked against the ontology (problems noted)."""
        line, column = loaded.where((*at, "id"))
        types_ok = True
        for index, name in enumerate(model.types):
            type_at = (*at, "type", index) if isinstance(model.type, list) else (*at, "type")
            if name not in self.onto.classes:
                self.problems.append(loaded.error(UnknownTerm, type_at, self._unknown_class(name)))
                types_ok = False
            elif name in GENERATED_CLASSES:
                self.problems.append(
                    loaded.error(TermMisuse, type_at, f"class '{name}' is written by the build")
                )
                types_ok = False
        return Declaration(model.id, model.types, types_ok, Location(loaded.path, line, column))

    def register(self, declaration: Declaration, article_id: str | None) -> bool:
        """Record a declared entity for the cross-file checks; False (a problem noted) if its
        id was declared before."""
        here = declaration.location
        if declaration.id in self.declared_at:
            first = self.declared_at[declaration.id]
            reason = f"duplicate id '{declaration.id}' (first declared at {first})"
            self.problems.append(DuplicateId(here.path, here.line, here.column, reason))
            return False
        self.declared_at[declaration.id] = here
        self.owner[declaration.id] = article_id
        self.types[declaration.id] = declaration.types if declaration.types_ok else []
        return True

    def check_registered_article(self, article: ParsedArticle) -> CheckedArticle | None:
        """`article` checked against the entities registered so far, its own included (every
        article's, in `check`; a streamed check registers them in a first pass of its own)."""
        entities = []
        for at, model in article.entities:
            quotes = self._quotes(article, (*at, "quote"))
            line, column = article.loaded.where((*at, "id"))
            here = Location(article.loaded.path, line, column)
            if self.declared_at.get(model.id) == here:  # not a duplicate of an earlier one
                entities.append(
                    ResolvedEntity(model.id, model.types, model, article.id, here, quotes)
                )
        return self._check_article(article, entities)

    def _unknown_class(self, name: str) -> str:
        return f"unknown class '{name}'{_suggest(name, self.onto.classes)}"

    def _check_article(
        self, article: ParsedArticle, entities: list[ResolvedEntity]
    ) -> CheckedArticle | None:
        loaded = article.loaded
        text = article.text
        facts = [
            fact
            for at, model, subject in article.facts
            if (fact := self._check_fact(article, at, model, subject)) is not None
        ]
        if article.header is None or text is None:
            return None
        line, column = loaded.where(("article",))
        return CheckedArticle(
            id=article.id,
            mapping_path=loaded.path,
            text_path=loaded.path.with_suffix(".txt"),
            text=text,
            header=article.header,
            entities=entities,
            facts=facts,
            location=Location(loaded.path, line, column),
        )

    def _check_fact(
        self,
        article: ParsedArticle,
        at: DataPath,
        fact: Fact,
        subject: str | None,
    ) -> ResolvedFact | None:
        loaded = article.loaded
        ok = True
        subject_types: list[str] | None
        if subject is None:
            subject_types = ["Article"]
        else:
            subject_types = self._entity_types(subject, article.id, loaded, (*at, "subject"))
            ok = subject_types is not None
        prop = self.onto.properties.get(fact.prop)
        if prop is None:
            reason = f"unknown property '{fact.prop}'{_suggest(fact.prop, self.onto.properties)}"
            self.problems.append(loaded.error(UnknownTerm, (*at, "prop"), reason))
            return None
        if fact.prop in GENERATED_PROPERTIES:
            reason = f"property '{fact.prop}' is written by the build"
            self.problems.append(loaded.error(TermMisuse, (*at, "prop"), reason))
            return None
        if subject_types and prop.domain and not self._has_class(subject_types, prop.domain):
            self.problems.append(
                loaded.error(
                    TermMisuse,
                    (*at, "prop"),
                    f"property '{fact.prop}' applies to {self._name(prop.domain)}, "
                    f"not to {'/'.join(subject_types)} '{subject or article.id}'",
                )
            )
            ok = False
        objects = self._objects(article, at, fact, prop)
        quotes = self._quotes(article, (*at, "quote"))
        if not ok or objects is None:
            return None
        line, column = loaded.where(at)
        return ResolvedFact(
            subject=subject if subject is not None else article.id,
            prop=prop,
            objects=objects,
            quotes=quotes,
            inferred=fact.inferred,
            location=Location(loaded.path, line, column),
        )

    def _objects(
        self, article: ParsedArticle, at: DataPath, fact: Fact, prop: PropertyTerm
    ) -> list[str | TypedLiteral] | None:
        loaded = article.loaded
        if prop.is_object:
            if fact.ref is None:
                reason = f"property '{prop.name}' links to an entity: use 'ref', not 'value'"
                self.problems.append(loaded.error(TermMisuse, (*at, "value"), reason))
                return None
            ref_types = self._ref_types(fact.ref, article.id, loaded, (*at, "ref"))
            if ref_types is None:
                return None
            if prop.range and ref_types and not self._has_class(ref_types, prop.range):
                self.problems.append(
                    loaded.error(
                        TermMisuse,
                        (*at, "ref"),
                        f"property '{prop.name}' links to {self._name(prop.range)}, "
                        f"not to {'/'.join(ref_types)} '{fact.ref}'",
                    )
                )
                return None
            return [fact.ref]
        if fact.value is None:
            reason = f"property '{prop.name}' takes a literal: use 'value', not 'ref'"
            self.problems.append(loaded.error(TermMisuse, (*at, "ref"), reason))
            return None
        try:
            return _literals(fact.value, fact.lang, prop)
        except InvalidValueReason as reason:
            kind = MalformedDate if reason.is_date else InvalidValue
            self.problems.append(loaded.error(kind, (*at, "value"), str(reason)))
            return None

    def _entity_types(
        self, entity_id: str, article_id: str, loaded: LoadedYaml, at: DataPath
    ) -> list[str] | None:
        if entity_id not in self.owner:
            self.problems.append(
                loaded.error(
                    UnknownEntity,
                    at,
                    f"unknown entity '{entity_id}'{_suggest(entity_id, self.owner)}",
                )
            )
            return None
        owner = self.owner[entity_id]
        if owner is not None and owner != article_id:
            self.problems.append(
                loaded.error(
                    ForeignEntity,
                    at,
                    f"entity '{entity_id}' is local to article {owner}; "
                    "move it to the registry to share it",
                )
            )
            return None
        return self.types[entity_id]

    def _ref_types(
        self, ref: str, article_id: str, loaded: LoadedYaml, at: DataPath
    ) -> list[str] | None:
        individual = self.onto.individuals.get(ref)
        if individual is not None:
            return [
                name
                for iri in individual.types
                if (name := self.onto.local_name(iri)) in self.onto.classes
            ]
        if ref[:1].isupper():
            reason = f"unknown ontology individual '{ref}'{_suggest(ref, self.onto.individuals)}"
            self.problems.append(loaded.error(UnknownTerm, at, reason))
            return None
        return self._entity_types(ref, article_id, loaded, at)

    def _has_class(self, names: list[str], wanted_iri: str) -> bool:
        if wanted_iri == OWL + "Thing":
            return True
        return wanted_iri in self.onto.class_iris_with_ancestors(names)

    def _name(self, iri: str) -> str:
        return self.onto.local_name(iri) or iri

    def _quotes(self, article: ParsedArticle, at: DataPath) -> list[QuoteSpan]:
        """The quotes at `at`, found while parsing; their problems are reported now."""
        spans, problems = article.quotes[at]
        self.problems.extend(problems)
        return spans


def _find_quotes(
    quote: str | list[str], at: DataPath, loaded: LoadedYaml, text: str | None
) -> tuple[list[QuoteSpan], list[MappingError]]:
    """Where each piece of `quote` is in the article text, and the pieces that are not."""
    if text is None:
        return [], []
    items = (
        [(at, quote)]
        if isinstance(quote, str)
        else [((*at, index), item) for index, item in enumerate(quote)]
    )
    spans = []
    problems: list[MappingError] = []
    for item_at, item in items:
        found = find_quote(text, item)
        line, column = loaded.where(item_at)
        if found is None:
            problems.append(
                QuoteNotFound(
                    loaded.path,
                    line,
                    column,
                    f"quote not found in {loaded.path.with_suffix('.txt').name}: "
                    f"{_shorten(item)!r}{_near_miss(text, item)}",
                )
            )
        else:
            start, end = found
            location = Location(loaded.path, line, column)
            spans.append(QuoteSpan(text[start:end], start, end, location))
    if isinstance(quote, list) and not quote:
        problems.append(loaded.error(SchemaViolation, at, "quote list is empty"))
    return spans, problems


class InvalidValueReason(ValueError):
    def __init__(self, reason: str, is_date: bool = False) -> None:
        super().__init__(reason)
        self.is_date = is_date


_YEAR = re.compile(r"^[0-9]{4}$")


def _literals(
    value: bool | int | float | dt.date | str | TwoLanguageText, lang: str, prop: PropertyTerm
) -> list[str | TypedLiteral]:
    datatype = prop.range or LANG_STRING
    if isinstance(value, TwoLanguageText):
        if datatype != LANG_STRING:
            raise InvalidValueReason(f"property '{prop.name}' takes one {_short(datatype)} value")
        pair: list[str | TypedLiteral] = [TypedLiteral(_nfc(value.vi), LANG_STRING, "vi")]
        if value.en:
            pair.append(TypedLiteral(_nfc(value.en), LANG_STRING, "en"))
        return pair
    return [_literal(value, lang, prop.name, datatype)]


def _literal(
    value: bool | int | float | dt.date | str, lang: str, name: str, datatype: str
) -> TypedLiteral:
    if datatype == LANG_STRING:
        if not isinstance(value, str):
            raise InvalidValueReason(f"property '{name}' takes text, got {value!r}")
        return TypedLiteral(_nfc(value), LANG_STRING, lang)
    if datatype == XSD + "string":
        if not isinstance(value, str):
            raise InvalidValueReason(f"property '{name}' takes text, got {value!r}")
        return TypedLiteral(_nfc(value), datatype)
    if datatype == XSD + "date":
        if isinstance(value, dt.date):
            return TypedLiteral(value.isoformat(), datatype)
        try:
            parsed = dt.date.fromisoformat(str(value)) if isinstance(value, str) else None
        except ValueError:
            parsed = None
        if parsed is None or not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", str(value)):
            raise InvalidValueReason(
                f"malformed date {value!r} for '{name}': write YYYY-MM-DD", is_date=True
            )
        return TypedLiteral(parsed.isoformat(), datatype)
    if datatype == XSD + "gYear":
        text = str(value) if isinstance(value, int | str) and not isinstance(value, bool) else ""
        if not _YEAR.match(text):
            raise InvalidValueReason(
                f"malformed year {value!r} for '{name}': write four digits", is_date=True
            )
        return TypedLiteral(text, datatype)
    if datatype == XSD + "boolean":
        if not isinstance(value, bool):
            raise InvalidValueReason(f"property '{name}' takes true or false, got {value!r}")
        return TypedLiteral("true" if value else "false", datatype)
    if datatype == XSD + "integer":
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidValueReason(f"property '{name}' takes a whole number, got {value!r}")
        return TypedLiteral(str(value), datatype)
    if datatype == XSD + "decimal":
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise InvalidValueReason(f"property '{name}' takes a number, got {value!r}")
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            raise InvalidValueReason(f"property '{name}' takes a number, got {value!r}") from None
        if not number.is_finite():
            raise InvalidValueReason(f"property '{name}' takes a finite number, got {value!r}")
        return TypedLiteral(_decimal_lexical(number), datatype)
    raise InvalidValueReason(f"property '{name}' has a datatype the build does not write")


def _decimal_lexical(number: Decimal) -> str:
    """xsd:decimal canonical-ish form: no exponent, no trailing zeros after the point."""
    text = format(number, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _short(iri: str) -> str:
    return iri.rsplit("#", 1)[-1]


def _shorten(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _near_miss(text: str, quote: str) -> str:
    """A hint: how much of the quote's start does occur, so the typo is easy to spot."""
    low, high = 0, len(quote)
    while low < high:
        middle = (low + high + 1) // 2
        if find_quote(text, quote[:middle]) is not None:
            low = middle
        else:
            high = middle - 1
    if low < 8:
        return ""
    return f" (the text matches up to {_shorten(quote[:low], 60)!r}, then differs)"


def _suggest(name: str, known: dict[str, Any]) -> str:
    from difflib import get_close_matches

    close = get_close_matches(name, list(known), n=3, cutoff=0.75)
    return f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""
