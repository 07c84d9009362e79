"""Input digests: an article whose files are as recorded keeps its recorded digest unread; any
sign of a change (size, times, inode), or a file too fresh to trust its time, reads it again."""

from __future__ import annotations

import os
import time
from dataclasses import replace
from pathlib import Path

import pytest

from scgraph.build_inputs import BuildInputs, digest_of, read_inputs
from scgraph.settings import Settings

SETTLED = 10  # seconds back: older than the 2 s a time stamp needs to be trusted


def _settle(settings: Settings) -> None:
    """Date every article file back, as files that were not touched for a while."""
    then = time.time() - SETTLED
    for path in (settings.mappings_dir / "articles").iterdir():
        os.utime(path, (then, then))


def _bogus(inputs: BuildInputs, article_id: str) -> BuildInputs:
    """The record with a digest no file has for `article_id`: seen again only if not read."""
    return replace(inputs, articles={**inputs.articles, article_id: "0" * 64})


def _real_digest(settings: Settings, article_id: str) -> str:
    mapping = settings.mappings_dir / "articles" / f"{article_id}.yaml"
    return digest_of(mapping.read_bytes(), mapping.with_suffix(".txt").read_bytes())


@pytest.fixture
def settled(mini_project: Settings) -> Settings:
    _settle(mini_project)
    # The ctime cannot be set back: wait until it is older than the 2 s too.
    time.sleep(max(0.0, 2.1 - (time.time() - _newest_ctime(mini_project))))
    return mini_project


def _newest_ctime(settings: Settings) -> float:
    return max(p.stat().st_ctime for p in (settings.mappings_dir / "articles").iterdir())


def test_unchanged_files_keep_their_recorded_digest(settled: Settings) -> None:
    recorded = read_inputs(settled)
    assert recorded.stats.keys() == recorded.articles.keys()  # every article settled
    again = read_inputs(settled, _bogus(recorded, "a1"))
    assert again.articles["a1"] == "0" * 64  # taken from the record: the files were not read
    assert again.articles["a2"] == recorded.articles["a2"] == _real_digest(settled, "a2")


def test_a_rewrite_that_keeps_size_and_modification_time_is_read_again(
    settled: Settings,
) -> None:
    recorded = read_inputs(settled)
    text = settled.mappings_dir / "articles" / "a1.txt"
    before = text.stat()
    data = text.read_bytes()
    text.write_bytes(data[:-1] + (b"!" if data[-1:] != b"!" else b"?"))  # same size
    os.utime(text, ns=(before.st_atime_ns, before.st_mtime_ns))  # same modification time
    again = read_inputs(settled, _bogus(recorded, "a1"))
    # Its change time moved (no call sets it back): the article was read.
    assert again.articles["a1"] == _real_digest(settled, "a1") != recorded.articles["a1"]
    assert "a1" not in again.stats  # and too fresh to be trusted next time


def test_a_file_replaced_by_another_is_read_again(settled: Settings, tmp_path: Path) -> None:
    recorded = read_inputs(settled)
    mapping = settled.mappings_dir / "articles" / "a1.yaml"
    copy = tmp_path / "a1.yaml"
    copy.write_bytes(mapping.read_bytes())
    os.replace(copy, mapping)  # the same bytes, another inode
    again = read_inputs(settled, _bogus(recorded, "a1"))
    assert again.articles["a1"] == recorded.articles["a1"] == _real_digest(settled, "a1")


def test_fresh_files_are_not_recorded(mini_project: Settings) -> None:
    now = time.time()
    for path in (mini_project.mappings_dir / "articles").iterdir():
        os.utime(path, (now, now))
    assert read_inputs(mini_project).stats == {}
