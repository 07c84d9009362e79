"""The HTML of a term (a linked IRI with its label, or a literal with its language or datatype)
and of the quotes supporting a statement, as the entity and article pages show them.

Written in Python rather than as Jinja macros: an entity page shows a term for every value and
an article page hundreds, and a macro call cost more than the markup it wrote (a quarter of an
entity page's rendering, half of an article page's). Every piece of text is escaped as the
templates' autoescape would.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from markupsafe import Markup, escape

from scgraph.lookup import Evidence, LiteralValue, Resource

Href = Callable[[str], str]
_PLAIN_DATATYPES = ("xsd:string", "rdf:langString")


def term_html(term: Resource | LiteralValue, lang: str, href: Href) -> Markup:
    """`<a href title>label</a>` for an IRI; for a literal, its value and a tag with its
    language or (unless a plain string) its datatype."""
    if isinstance(term, Resource):
        return Markup(
            f'<a href="{escape(href(term.iri))}" title="{escape(term.iri)}">'
            f"{escape(term.label(lang))}</a>"
        )
    language = f' lang="{escape(term.language)}"' if term.language else ""
    html = f'<span class="literal"{language}>{escape(term.value)}</span>'
    if term.language:
        title = "ngôn ngữ" if lang == "vi" else "language"
        html += f' <span class="tag" title="{title}">{escape(term.language)}</span>'
    elif term.datatype_name not in _PLAIN_DATATYPES:
        html += (
            f' <span class="tag" title="{escape(term.datatype)}">'
            f"{escape(term.datatype_name)}</span>"
        )
    return Markup(html)


def sources_html(evidence: Sequence[Evidence], lang: str, href: Href) -> Markup:
    """The quotes supporting a statement, each linked to its place in its article."""
    if not evidence:
        return Markup("")
    items = "".join(
        f"\n  <li><q>{escape(e.quote)}</q> — "
        f'<a href="{escape(href(e.article.iri))}#{escape(e.iri.rsplit("/", 1)[-1])}">'
        f"{escape(e.article.label(lang))}</a></li>"
        for e in evidence
    )
    return Markup(f'<ul class="evidence">{items}\n</ul>')


def term_helpers(href: Href) -> dict[str, Callable[..., Markup]]:
    """`term(t, lang)` and `sources(evidence, lang)` for a template, linking with `href`."""
    return {
        "term": lambda term, lang: term_html(term, lang, href),
        "sources": lambda evidence, lang: sources_html(evidence, lang, href),
    }
