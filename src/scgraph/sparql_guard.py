"""Refuse, before evaluation, what a public read-only endpoint must not run: updates and SERVICE.

pyoxigraph offers no query algebra in Python, so this reads the query's tokens: strings, IRIs,
comments, variables and prefixed names are recognised first, so a `SERVICE` inside a string or
an IRI is not mistaken for the keyword, and `\\u` escapes are decoded first, as the SPARQL grammar
(§19.2) says, so an escaped keyword is refused too (erring on the safe side: Oxigraph's parser
rejects it anyway).

>>> refuse_unsafe("SELECT * { ?s ?p 'SERVICE <http://x/>' }", allowlist=[])
>>> refuse_unsafe("SELECT * { SERVICE <http://10.0.0.1/sparql> {} }", []) # doctest: +ELLIPSIS
Traceback (most recent call last):
...
scgraph.errors.QueryRefused: SERVICE <http://10.0.0.1/sparql> is not allowed on this endpoint...
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from scgraph.errors import QueryRefused

_CODEPOINT = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_TOKEN = re.compile(
    r"""
    (?P<comment>\#[^\r\n]*)
  | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
             |'(?:[^'\\\r\n]|\\.)*'|"(?:[^"\\\r\n]|\\.)*")
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$]\w+)
  | (?P<pname>(?:[^\W\d][\w.\-]*)?:[\w.\-:%\\]*)
  | (?P<word>[^\W\d]\w*)
  | (?P<other>\S)
  | \s+
    """,
    re.VERBOSE | re.DOTALL,
)
UPDATE_KEYWORDS = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}
)


def _decode_codepoints(query: str) -> str:
    def replace(match: re.Match[str]) -> str:
        code = int(match.group(1) or match.group(2), 16)
        return chr(code) if code <= 0x10FFFF else match.group(0)

    return _CODEPOINT.sub(replace, query)


def tokens(query: str) -> list[tuple[str, str]]:
    """The query's significant tokens as (kind, text); whitespace and comments dropped.

    >>> tokens("ASK { ?service <urn:x> 'SERVICE' } # SERVICE")
    [('word', 'ASK'), ('other', '{'), ('var', '?service'), ('iri', '<urn:x>'), \
('string', "'SERVICE'"), ('other', '}')]
    """
    found = []
    for match in _TOKEN.finditer(_decode_codepoints(query)):
        kind = match.lastgroup
        if kind is not None and kind != "comment":
            found.append((kind, match.group(0)))
    return found


def is_update(query: str) -> bool:
    """Whether the request's first keyword after the prologue starts a SPARQL Update.

    >>> is_update("PREFIX ex: <http://e/> INSERT DATA { ex:a ex:b ex:c }")
    True
    >>> is_update("PREFIX insert: <http://e/> SELECT * { ?s ?p ?o }")
    False
    """
    significant = tokens(query)
    index = 0
    while index < len(significant):
        kind, text = significant[index]
        keyword = text.upper() if kind == "word" else ""
        if keyword == "PREFIX":
            index += 3
        elif keyword == "BASE":
            index += 2
        else:
            return keyword in UPDATE_KEYWORDS
    return False


def service_targets(query: str) -> list[str]:
    """The endpoint of each SERVICE clause: an IRI, or the variable or prefixed name written.

    >>> service_targets("SELECT * { SERVICE SILENT <http://a/> {} SERVICE ?e {} }")
    ['<http://a/>', '?e']
    """
    significant = tokens(query)
    targets = []
    for index, (kind, text) in enumerate(significant):
        if kind != "word" or text.upper() != "SERVICE":
            continue
        following = significant[index + 1 : index + 3]
        if following and following[0][0] == "word" and following[0][1].upper() == "SILENT":
            following = following[1:]
        targets.append(following[0][1] if following else "")
    return targets


_WATCHED = (*sorted(UPDATE_KEYWORDS), "SERVICE")


def may_be_unsafe(query: str) -> bool:
    """Whether the query's text holds any word the guard looks for; if not, no token can be one.

    Most queries name none of them, and this costs ~1 µs where reading the tokens costs ~30.
    The test is on the upper-cased text, as the guard's own test is on each upper-cased token,
    and `str.upper` maps character by character, so a token's upper case is part of the text's.

    >>> may_be_unsafe("SELECT * { <urn:x> ?p ?o }"), may_be_unsafe("ASK { ?s ?p 'insert' }")
    (False, True)
    """
    text = _decode_codepoints(query) if "\\" in query else query
    upper = text.upper()
    return any(word in upper for word in _WATCHED)


def refuse_unsafe(query: str, allowlist: Sequence[str]) -> None:
    """Raise QueryRefused for an update or for a SERVICE whose endpoint is not allowlisted."""
    if not may_be_unsafe(query):
        return
    if is_update(query):
        raise QueryRefused(
            "this endpoint is read-only: SPARQL Update requests are refused; send a query"
        )
    allowed = {f"<{iri}>" for iri in allowlist}
    for target in service_targets(query):
        if target not in allowed:
            raise QueryRefused(
                f"SERVICE {target} is not allowed on this endpoint (federated queries are "
                "refused unless the endpoint is listed in the service allowlist)"
            )
