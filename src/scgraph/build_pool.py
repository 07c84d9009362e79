"""Articles built in forked worker processes, each sent back as N-Quads text.

An article's quads depend only on the checked project, which a forked worker inherits, so the
parent sends article numbers and receives `ArticlePart`s (N-Quads bytes, origins, graph name),
in article order. A full build's workers also check the article first (`checked_article_parts`):
they inherit the declared identities (mapping/stream_check.py) instead of the checked project.
A window of parts in flight bounds memory: the parent, busy bulk-loading a chunk into the store
(pyoxigraph releases the GIL meanwhile), never holds more than `_WINDOW` finished articles.
Fork is safe here because it happens before the sink opens a store (the pool starts before
the first part), and workers touch no store.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterator
from multiprocessing.pool import AsyncResult, Pool
from typing import Any, TypeVar

from scgraph.build import ArticlePart, QuadBuilder
from scgraph.dump_parts import render
from scgraph.errors import MappingError
from scgraph.mapping.checks import CheckedArticle
from scgraph.mapping.stream_check import DeclaredArticle, DeclaredProject, check_article

BUILD_WORKERS = min(2, os.cpu_count() or 1)  # the target machine has 2 cores
T = TypeVar("T")
_WINDOW = 64  # parts in flight: ~2 MB each for a generated article of 4,500 quads
_forked: tuple[QuadBuilder, list[CheckedArticle], bool] | None = None  # what workers inherit


def article_parts(
    builder: QuadBuilder, articles: list[CheckedArticle], workers: int, render_dumps: bool = False
) -> Iterator[ArticlePart]:
    """Each article's part, in order: made in `workers` forked processes, or here when
    `workers` < 2 or there is one article; with `render_dumps`, each with its dump part's bytes
    (the parent, loading the store, was the slower side)."""
    if workers < 2 or len(articles) < 2:
        for article in articles:
            yield _rendered(builder.article_part(article), render_dumps)
        return
    global _forked
    _forked = (builder, articles, render_dumps)
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            _forked = None  # the workers have their copy
            yield from _in_order(pool, _article_part, len(articles))
    finally:
        _forked = None


def _in_order(pool: Pool, function: Callable[[int], T], count: int) -> Iterator[T]:
    """`function` of 0 … count - 1 in the pool's processes, in order, at most `_WINDOW` ahead
    of the consumer."""
    pending: deque[AsyncResult[T]] = deque()
    numbers = iter(range(count))
    for number in numbers:
        pending.append(pool.apply_async(function, (number,)))
        if len(pending) >= _WINDOW:
            break
    while pending:
        result = pending.popleft().get()
        following = next(numbers, None)
        if following is not None:
            pending.append(pool.apply_async(function, (following,)))
        yield result


Checked = tuple[ArticlePart | None, list[MappingError]]
"""An article's part (None when a problem was found in it or before it) and its problems."""
_streamed: tuple[QuadBuilder, DeclaredProject, bool, Any] | None = None  # likewise


def checked_article_parts(
    builder: QuadBuilder, project: DeclaredProject, workers: int, render_dumps: bool = False
) -> Iterator[Checked]:
    """Each article of a declared project checked (stream_check.py) and, while no problem has
    been found in it or in an article before, built: in order, in `workers` forked processes (or
    here). The parts stop at the first problem: a build with problems writes nothing, but goes on
    reading the articles for the problems they have."""
    articles = project.articles
    # Shared with the workers, which stop making parts once it is set.
    failed = multiprocessing.get_context("fork").RawValue("b", bool(project.problems))
    if workers < 2 or len(articles) < 2:
        for article in articles:
            checked = _checked_part(builder, project, render_dumps, failed, article)
            failed.value = failed.value or bool(checked[1])
            yield checked
        return
    global _streamed
    _streamed = (builder, project, render_dumps, failed)
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            _streamed = None  # the workers have their copy
            for checked in _in_order(pool, _checked_article, len(articles)):
                failed.value = failed.value or bool(checked[1])
                yield checked
    finally:
        _streamed = None


def _checked_article(number: int) -> Checked:
    assert _streamed is not None, "runs in a worker forked by checked_article_parts"
    builder, project, render_dumps, failed = _streamed
    return _checked_part(builder, project, render_dumps, failed, project.articles[number])


def _checked_part(
    builder: QuadBuilder,
    project: DeclaredProject,
    render_dumps: bool,
    failed: Any,
    declared: DeclaredArticle,
) -> Checked:
    article, problems = check_article(project.checker, declared)
    if article is None or problems or failed.value:
        return None, problems
    return _rendered(builder.article_part(article), render_dumps), []


def _article_part(number: int) -> ArticlePart:
    assert _forked is not None, "runs in a worker forked by article_parts"
    builder, articles, render_dumps = _forked
    return _rendered(builder.article_part(articles[number]), render_dumps)


def _rendered(built: ArticlePart, render_dumps: bool) -> ArticlePart:
    if render_dumps:
        built.part.rendered = render(built.part)
    return built
