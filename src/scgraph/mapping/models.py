"""The shape of a mapping file, as pydantic models; `scgraph schema` prints their JSON Schema.

Field descriptions are written for the person editing a mapping: they show up in editors that read
the schema.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

EntityId = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$"),
    Field(description="Lowercase ASCII words joined by hyphens; the last segment of the IRI."),
]
Quote = Annotated[
    str | list[str],
    Field(
        description="Text copied exactly from the article (white space may differ); "
        "a list when the statement rests on separate pieces of text."
    ),
]
TermName = Annotated[str, Field(description="Local name of an ontology term, e.g. 'Summit'.")]
SameAs = Annotated[
    str,
    StringConstraints(pattern=r"^(wikidata:Q[1-9][0-9]*|https?://\S+)$"),
    Field(description="'wikidata:Q…' or a full IRI; only when certain."),
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Labels(_Strict):
    """A name in Vietnamese (required, with diacritics) and English."""

    vi: Annotated[str, StringConstraints(min_length=1)]
    en: Annotated[str, StringConstraints(min_length=1)] | None = None


class AltLabels(_Strict):
    """Other names an entity goes by, per language."""

    vi: list[str] = []
    en: list[str] = []


class TwoLanguageText(_Strict):
    """A text value given in Vietnamese and English at once."""

    vi: str
    en: str | None = None


Scalar = bool | int | float | dt.date | str


class Fact(_Strict):
    """One statement about the enclosing entity, with the quote that supports it."""

    prop: TermName
    ref: str | None = Field(None, description="An entity id or an ontology individual.")
    value: Scalar | TwoLanguageText | None = Field(None, description="A literal value.")
    lang: Literal["vi", "en"] = "vi"
    quote: Quote
    inferred: str | None = Field(None, description="Why the value is inferred, not read.")
    note: str | None = None

    @model_validator(mode="after")
    def _ref_or_value(self) -> Fact:
        if (self.ref is None) == (self.value is None):
            raise ValueError("a fact needs exactly one of 'ref' and 'value'")
        return self


class SubjectFact(Fact):
    """A statement about an entity declared elsewhere (usually the registry)."""

    subject: EntityId


class EntityBase(_Strict):
    id: EntityId
    type: TermName | list[TermName]
    label: Labels
    alt: AltLabels | None = None
    same_as: list[SameAs] = []
    note: str | None = None

    @property
    def types(self) -> list[str]:
        return [self.type] if isinstance(self.type, str) else list(self.type)


class RegistryEntity(EntityBase):
    """A shared entity: identity only; the facts about it come from articles."""


class Entity(EntityBase):
    """An entity an article introduces, with the quote that names it and its facts."""

    quote: Quote
    facts: list[Fact] = []


class ArticleHeader(_Strict):
    """The article itself."""

    label: Labels
    language: Literal["vi", "en"] = "vi"
    dropped_lines: list[str] = Field(
        [], description="Boilerplate lines removed from the seed text when it was copied."
    )
    facts: list[Fact] = []


class ArticleMapping(_Strict):
    """One article's mapping file."""

    article: ArticleHeader
    entities: list[Entity] = []
    facts: list[SubjectFact] = []


class Registry(_Strict):
    """The shared registry file."""

    entities: list[RegistryEntity]
