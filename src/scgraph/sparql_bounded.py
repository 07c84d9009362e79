"""Which queries are cheap by their shape: anchored at constant subjects, a walk of at most two
outgoing steps, no operator that could work without producing rows.

pyoxigraph cannot stop a query (PYOXIGRAPH.md), so the endpoint runs queries in processes it can
kill; the hop to one costs more than a cheap query itself. A query of the shape read here can only
make index look-ups from the constants it names: Oxigraph joins a pattern whose subject is bound by
looking it up (measured: the same ~50 µs on 300,000 entities whichever order the patterns are
written in), so the work between two rows is bounded by the out-degree of the nodes met, one and
two steps from a constant. Such a query may run in the server process itself
(server/sparql_inline.py), which still stops it if it runs past a small budget of time or bytes.

The grammar read is a strict subset of SPARQL 1.1, of at most two triple patterns, none naming
a variable twice: a prologue, then

    SELECT (vars | *) [WHERE] { triples } [LIMIT n] [OFFSET n ≤ 10,000]
    ASK [WHERE] { triples }
    DESCRIBE iri...

where the triples use `.`, `;` and `,`, terms are IRIs, prefixed names, variables, `a` and
literals, and nothing else (no FILTER, OPTIONAL, UNION, GRAPH, property paths, blank nodes,
DISTINCT, ORDER BY, aggregates, subqueries, FROM or escapes). Anything outside it, or not
anchored, is not bounded: it runs in a query process, as every query did before. This only
decides *where* a query runs; Oxigraph's parser still reads it.

>>> is_bounded("SELECT ?p ?o WHERE { <urn:x> ?p ?o }")
True
>>> is_bounded("SELECT ?o ?l { <urn:x> <urn:r> ?o . ?o <urn:label> ?l } LIMIT 10")
True
>>> is_bounded("SELECT ?s { ?s a <urn:Class> }")  # every instance of a class: unbounded
False
>>> is_bounded("SELECT * { <urn:x> ?p ?o FILTER(?o = 1) }")
False
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

MAX_PATTERNS = 2
"""Rows that a later pattern rejects are made but never written, so no budget sees them: with two
patterns that work is at most one fan-out (an out-degree). Two patterns on one subject that share
no variable are a product: a third pattern rejecting every row of it would work unseen for the
square of a hub's out-degree."""
MAX_OFFSET = 10_000
_IRI = re.compile(r"<[^<>\"'{}|^`\\\x00-\x20]*>")
"""An IRI reference without quotes: replaced by `<>`, the query reads as the same tokens. Outside a
string or a comment, a `<` starts an IRI token and this match is that token; inside a string or a
comment a match cannot end past it (no quote, no line break): the string or comment stays one."""
# SPARQL's white space is these four characters only, and a comment ends at either line break:
# read as Oxigraph reads them, or text after a `\r` in a comment would hide from this reader a
# pattern that Oxigraph evaluates.
_TOKEN = re.compile(
    r"""
    (?P<space>[\ \t\r\n]+|\#[^\r\n]*)
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$][^\W]\w*)
  | (?P<pname>(?:[^\W\d_][\w\-.]*)?:(?:[\w\-:%](?:[\w\-:%.]*[\w\-:%])?)?)
  | (?P<string>"[^"\\\n\r]*"|'[^'\\\n\r]*')
  | (?P<lang>@[a-zA-Z]+(?:-[a-zA-Z0-9]+)*)
  | (?P<datatype>\^\^)
  | (?P<number>\d*\.\d+(?:[eE][+-]?\d+)?|\d+(?:\.\d*)?[eE][+-]?\d+|\d+)
  | (?P<word>[A-Za-z]+)
  | (?P<punct>[{}.;,*])
    """,
    re.VERBOSE,
)
_CONSTANT_KINDS = frozenset({"iri", "pname"})


class _NotBounded(Exception):
    """The query leaves the subset read here (not an error: it goes to a query process)."""


@dataclass(frozen=True)
class _Pattern:
    subject: tuple[str, str]
    predicate: tuple[str, str]
    object: tuple[str, str]

    def terms(self) -> tuple[tuple[str, str], ...]:
        return (self.subject, self.predicate, self.object)


def is_bounded(query: str) -> bool:
    """Whether `query` is in the subset above and every pattern hangs from a constant subject,
    directly or through one variable bound by such a pattern."""
    if "\\" in query:
        return False  # escapes (\u in names, \" in strings): left to the full parser
    # Which IRIs a query names does not change its shape: clients repeat a few shapes with other
    # IRIs, and the shape is read once for each (a tenth of the time of reading the tokens).
    return _shape_is_bounded(_IRI.sub("<>", query))


@lru_cache(maxsize=1024)
def _shape_is_bounded(shape: str) -> bool:
    try:
        return _Reader(_tokens(shape)).query()
    except _NotBounded:
        return False


def _tokens(query: str) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    position = 0
    for match in _TOKEN.finditer(query):
        if match.start() != position:
            raise _NotBounded  # a character none of the tokens above starts with
        position = match.end()
        kind = match.lastgroup
        assert kind is not None
        if kind != "space":
            found.append((kind, match.group(0)))
    if position != len(query):
        raise _NotBounded
    return found


class _Reader:
    """A recursive-descent reader of the subset; raises _NotBounded at anything else."""

    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens, self.index = tokens, 0

    def peek(self) -> tuple[str, str]:
        return self.tokens[self.index] if self.index < len(self.tokens) else ("end", "")

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token[0] == "end":
            raise _NotBounded
        self.index += 1
        return token

    def keyword(self, *words: str) -> str | None:
        kind, text = self.peek()
        if kind == "word" and text.upper() in words:
            self.index += 1
            return text.upper()
        return None

    def expect(self, kind: str, text: str | None = None) -> str:
        found_kind, found_text = self.take()
        if found_kind != kind or (text is not None and found_text != text):
            raise _NotBounded
        return found_text

    def query(self) -> bool:
        self.prologue()
        form = self.keyword("SELECT", "ASK", "DESCRIBE")
        if form == "DESCRIBE":
            self.described()
        elif form == "SELECT":
            self.projection()
            self.keyword("WHERE")
            _check_anchored(self.group())
            self.modifiers()
        elif form == "ASK":
            self.keyword("WHERE")
            _check_anchored(self.group())
        else:
            return False
        return self.peek()[0] == "end"

    def prologue(self) -> None:
        while True:
            if self.keyword("PREFIX"):
                kind, text = self.take()
                if kind != "pname" or not text.endswith(":"):
                    raise _NotBounded
                self.expect("iri")
            elif self.keyword("BASE"):
                self.expect("iri")
            else:
                return

    def described(self) -> None:
        count = 0
        while self.peek()[0] in _CONSTANT_KINDS:
            self.take()
            count += 1
        if count == 0:
            raise _NotBounded  # DESCRIBE * or of variables needs a WHERE clause

    def projection(self) -> None:
        if self.peek() == ("punct", "*"):
            self.take()
            return
        count = 0
        while self.peek()[0] == "var":
            self.take()
            count += 1
        if count == 0:
            raise _NotBounded  # DISTINCT, REDUCED, expressions: not read here

    def modifiers(self) -> None:
        seen: set[str] = set()
        while (word := self.keyword("LIMIT", "OFFSET")) is not None:
            if word in seen:
                raise _NotBounded
            seen.add(word)
            number = self.expect("number")
            # Skipped rows are made but never written, so no budget sees them: a large OFFSET
            # over a product of patterns would work unseen for as long as it likes.
            if word == "OFFSET" and not (number.isdigit() and int(number) <= MAX_OFFSET):
                raise _NotBounded

    def group(self) -> list[_Pattern]:
        self.expect("punct", "{")
        patterns: list[_Pattern] = []
        while self.peek() != ("punct", "}"):
            subject = self.term({"iri", "pname", "var"})
            self.predicate_objects(subject, patterns)
            if self.peek() == ("punct", "."):
                self.take()
            elif self.peek() != ("punct", "}"):
                raise _NotBounded
        self.take()
        if len(patterns) > MAX_PATTERNS:
            raise _NotBounded
        return patterns

    def predicate_objects(self, subject: tuple[str, str], patterns: list[_Pattern]) -> None:
        while True:
            predicate = self.verb()
            while True:
                patterns.append(_Pattern(subject, predicate, self.object()))
                if self.peek() != ("punct", ","):
                    break
                self.take()
            if self.peek() != ("punct", ";"):
                return
            while self.peek() == ("punct", ";"):
                self.take()
            if self.peek() in (("punct", "."), ("punct", "}")):
                return

    def verb(self) -> tuple[str, str]:
        if self.peek() == ("word", "a"):
            self.take()
            return ("iri", "a")
        return self.term({"iri", "pname", "var"})

    def object(self) -> tuple[str, str]:
        kind, text = self.peek()
        if kind == "string":
            self.take()
            if self.peek()[0] == "lang":
                self.take()
            elif self.peek()[0] == "datatype":
                self.take()
                self.term({"iri", "pname"})
            return ("literal", text)
        if kind == "number":
            self.take()
            return ("literal", text)
        if kind == "word" and text in ("true", "false"):
            self.take()
            return ("literal", text)
        return self.term({"iri", "pname", "var"})

    def term(self, kinds: set[str]) -> tuple[str, str]:
        kind, text = self.take()
        if kind not in kinds:
            raise _NotBounded
        return (kind, text)


def _check_anchored(patterns: list[_Pattern]) -> None:
    """Every pattern's subject is a constant, or a variable that a pattern with a constant subject
    binds (its predicate or object): a walk of at most two outgoing steps from the constants. No
    pattern names a variable twice: `?o ?p ?o` fails for nearly every binding, after the work."""
    first_step: set[str] = set()  # variable names without their sigil: ?x and $x are one
    for pattern in patterns:
        names = [name[1:] for kind, name in pattern.terms() if kind == "var"]
        if len(names) != len(set(names)):
            raise _NotBounded
        if pattern.subject[0] in _CONSTANT_KINDS:
            first_step.update(names)
    for pattern in patterns:
        if pattern.subject[0] not in _CONSTANT_KINDS and pattern.subject[1][1:] not in first_step:
            raise _NotBounded
