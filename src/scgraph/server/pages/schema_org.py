"""The summary line and the schema.org JSON-LD that an entity page carries for search engines."""

from __future__ import annotations

from typing import Any

from scgraph.iris import SC
from scgraph.lookup import Description, LiteralValue, Resource
from scgraph.ontology import SCHEMA

_DESCRIPTIONS = (SC + "description", "http://www.w3.org/2004/02/skos/core#definition")


def summary_text(description: Description, lang: str) -> str:
    for prop in _DESCRIPTIONS:
        values = [v.term for v in description.values_of(prop) if not v.is_iri]
        for value in values:
            if getattr(value, "language", None) == lang:
                return str(getattr(value, "value", ""))
        if values:
            return str(getattr(values[0], "value", ""))
    types = ", ".join(t.label(lang) for t in description.types[:2])
    return f"{description.label(lang)} ({types}) · scgraph"


def schema_org(description: Description, label: str, summary: str, url: str) -> dict[str, Any]:
    types = [t.iri[len(SCHEMA) :] for t in description.types if t.iri.startswith(SCHEMA)]
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": types[0] if len(types) == 1 else (types or "Thing"),
        "@id": description.iri,
        "name": label,
        "url": url,
        "description": summary,
    }
    if SCHEMA + "NewsArticle" in {t.iri for t in description.types}:
        data["headline"] = label
        data.update(_article_fields(description))
    others = sorted({v for k, v in description.labels.items() if v != label})
    if others:
        data["alternateName"] = others
    return data


def _article_fields(description: Description) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    dates = [v.term for v in description.values_of(SC + "datePublished")]
    if dates and isinstance(dates[0], LiteralValue):
        fields["datePublished"] = dates[0].value
    authors = [
        {"@type": "Thing", "name": v.term.label("vi")}
        if isinstance(v.term, Resource)
        else {"@type": "Thing", "name": v.term.value}
        for v in description.values_of(SC + "author")
    ]
    if authors:
        fields["author"] = authors
    fields["inLanguage"] = "vi"
    return fields
