"""Substitutions for a remote SPARQL server: terms written into the query as a VALUES block.

The SPARQL 1.1 Protocol has no bindings, so `GraphStore.query(q, substitutions=…)` becomes a query
whose WHERE group starts with `VALUES (?x …) { (<term> …) }`. A trailing VALUES clause would be
shorter but Virtuoso refuses it outside SELECT ("BINDINGS is not supported at top level"). Terms
are written by `sparql_term` from pyoxigraph's already validated terms, with every character that
could end a string escaped, so a value can never become query syntax (tests/test_sparql_values.py
sends hostile literals to real servers).

>>> import pyoxigraph as ox
>>> with_values("ASK { ?x ?p ?o }", {ox.Variable("x"): ox.NamedNode("http://a")})
'ASK { VALUES (?x) { (<http://a>) } ?x ?p ?o }'
>>> with_values(
...     "CONSTRUCT { ?x ?p 1 } WHERE { ?x ?p ?o }", {ox.Variable("x"): ox.Literal('a"}')}
... )
'CONSTRUCT { ?x ?p 1 } WHERE { VALUES (?x) { ("a\\\\"}") } ?x ?p ?o }'
"""

from __future__ import annotations

import re

import pyoxigraph as ox

from scgraph.errors import QuerySyntaxError
from scgraph.graph_store import Substitutions

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_ESCAPES = {
    "\\": "\\\\",
    '"': '\\"',
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\b": "\\b",
    "\f": "\\f",
}
# Other control characters as \uXXXX: Virtuoso takes a raw NUL for the end of the query text.
_ESCAPES |= {chr(c): f"\\u{c:04X}" for c in (*range(0x20), 0x7F) if chr(c) not in _ESCAPES}

# Tokens that may hold a brace which is not syntax: strings (long forms first), IRIs, comments.
_SKIPPED = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n\r]|\\.)*"'
    r"|'(?:[^'\\\n\r]|\\.)*'"
    r'|<[^<>"{}|^`\\\s]*>'
    r"|#[^\n\r]*",
    re.DOTALL,
)
# A whole word, so that `?ask`, `ask:` or `selected` is never taken for a query form.
_WORD = re.compile(r"[?$]?[\w-]+(?::[\w.-]*)?")


_FORMS = ("SELECT", "CONSTRUCT", "DESCRIBE", "ASK")


def sparql_term(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> str:
    """A term in SPARQL syntax; blank nodes and triple terms cannot be sent.

    >>> sparql_term(ox.Literal("Đà Nẵng", language="vi"))
    '"Đà Nẵng"@vi'
    >>> sparql_term(ox.Literal("3", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#int")))
    '"3"^^<http://www.w3.org/2001/XMLSchema#int>'
    """
    if isinstance(term, ox.NamedNode):
        return f"<{term.value}>"  # pyoxigraph has checked it is an IRI: no '>', no space
    if isinstance(term, ox.Literal):
        text = '"' + "".join(_ESCAPES.get(ch, ch) for ch in term.value) + '"'
        if term.language:
            return f"{text}@{term.language}"
        if term.datatype.value != _XSD_STRING:
            return f"{text}^^<{term.datatype.value}>"
        return text
    raise QuerySyntaxError(f"a remote store cannot be sent {type(term).__name__} {term}")


def with_values(query: str, substitutions: Substitutions) -> str:
    """`query` with `substitutions` as a VALUES block opening its WHERE group and the WHERE
    group of every sub-SELECT: pyoxigraph substitutes a variable inside sub-queries too, so a
    sub-query's LIMIT applies to the bound solutions only, not to all of them.

    >>> with_values(
    ...     "SELECT ?x WHERE { { SELECT ?x WHERE { ?x ?p ?o } LIMIT 1 } }",
    ...     {ox.Variable("x"): ox.NamedNode("http://a")},
    ... ).count("VALUES")
    2
    """
    if not substitutions:
        return query
    names = " ".join(f"?{variable.value}" for variable in substitutions)
    terms = " ".join(sparql_term(term) for term in substitutions.values())
    block = f" VALUES ({names}) {{ ({terms}) }}"
    starts = _scan(query)[1]
    if not starts:  # CONSTRUCT WHERE { … } may hold triples only
        raise QuerySyntaxError("cannot find the WHERE group of the query to bind its variables")
    pieces, last = [], 0
    for at in starts:
        pieces += [query[last:at], block]
        last = at
    return "".join([*pieces, query[last:]])


def query_form(query: str) -> str:
    """SELECT, CONSTRUCT, DESCRIBE or ASK: the form of `query`, to ask a server for the right
    kind of result (Virtuoso sends a CONSTRUCT as JSON solutions if asked for JSON first).

    >>> query_form("PREFIX ask: <http://a#> # SELECT\\nconstruct WHERE { ?s ?p ?o }")
    'CONSTRUCT'
    """
    return _scan(query)[0]


def _scan(query: str) -> tuple[str, list[int]]:
    """The query form, and the offsets just after the `{` opening the WHERE group of the query
    and of each sub-SELECT."""
    depth, position, form, template_done = 0, 0, "", False
    starts: list[int] = []
    waiting_select = False  # a SELECT seen whose WHERE group has not opened yet
    while position < len(query):
        skipped = _SKIPPED.match(query, position)
        if skipped and skipped.end() > position:
            position = skipped.end()
            continue
        word = _WORD.match(query, position)
        if word:
            keyword = word.group().upper()
            if depth == 0 and not form and keyword in _FORMS:
                form = keyword
            if keyword == "SELECT":
                waiting_select = True
            position = word.end()
            continue
        if query[position] == "{":
            top = depth == 0 and form and (form != "CONSTRUCT" or template_done)
            if top or waiting_select:
                starts.append(position + 1)
                waiting_select = False
            depth += 1
        elif query[position] == "}":
            depth -= 1
            if depth == 0 and form == "CONSTRUCT":
                template_done = True
        position += 1
    if not form:
        raise QuerySyntaxError("the query has no SELECT, CONSTRUCT, DESCRIBE or ASK form")
    return form, starts
