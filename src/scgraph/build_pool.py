"""Articles built in forked worker processes, each sent back as N-Quads text.

An article's quads depend only on the checked project, which a forked worker inherits, so the
parent sends article numbers and receives `ArticlePart`s (N-Quads bytes, origins, graph name),
in article order. A window of parts in flight bounds memory: the parent, busy bulk-loading a
chunk into the store (pyoxigraph releases the GIL meanwhile), never holds more than `_WINDOW`
finished articles. Fork is safe here because it happens before the sink opens a store
(`stream_quads` starts the pool before the first part), and workers touch no store.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Iterator
from multiprocessing.pool import AsyncResult

from scgraph.build import ArticlePart, QuadBuilder
from scgraph.dump_parts import render
from scgraph.mapping.checks import CheckedArticle

BUILD_WORKERS = min(2, os.cpu_count() or 1)  # the target machine has 2 cores
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
            pending: deque[AsyncResult[ArticlePart]] = deque()
            numbers = iter(range(len(articles)))
            for number in numbers:
                pending.append(pool.apply_async(_article_part, (number,)))
                if len(pending) >= _WINDOW:
                    break
            while pending:
                built = pending.popleft().get()
                following = next(numbers, None)
                if following is not None:
                    pending.append(pool.apply_async(_article_part, (following,)))
                yield built
    finally:
        _forked = None


def _article_part(number: int) -> ArticlePart:
    assert _forked is not None, "runs in a worker forked by article_parts"
    builder, articles, render_dumps = _forked
    return _rendered(builder.article_part(articles[number]), render_dumps)


def _rendered(built: ArticlePart, render_dumps: bool) -> ArticlePart:
    if render_dumps:
        built.part.rendered = render(built.part)
    return built
