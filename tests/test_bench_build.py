"""bench/build.py: a size the free disk cannot hold is not started, and says why."""

from __future__ import annotations

import os
from pathlib import Path

from bench._build_run import disk_bytes
from bench.build import DISK_MARGIN, disk_shortfall

GB = 1_000_000_000


def test_disk_bytes_counts_the_blocks_of_every_file_below(tmp_path: Path) -> None:
    (tmp_path / "store").mkdir()
    (tmp_path / "store" / "a.sst").write_bytes(os.urandom(300_000))
    (tmp_path / "b.nq.gz").write_bytes(os.urandom(5_000))
    counted = disk_bytes(tmp_path)
    # Allocated blocks: at least the bytes written, at most one more block per file.
    assert 305_000 <= counted <= 305_000 + 2 * 64 * 1024


def test_a_size_that_fits_runs() -> None:
    measured = {"articles": 1_000, "disk_bytes": 5 * GB}
    assert disk_shortfall(10_000, measured, free_bytes=int(50 * GB * DISK_MARGIN)) is None


def test_a_size_past_the_free_disk_is_refused_with_its_need() -> None:
    measured = {"articles": 1_000, "disk_bytes": 5 * GB}
    message = disk_shortfall(50_000, measured, free_bytes=78 * GB)
    assert message is not None
    assert message.startswith("50000 articles: not run: needs ~250 GB of disk")
    assert "5.0 MB per article at 1000 articles" in message
    assert message.endswith("78 GB free")


def test_the_margin_refuses_a_size_that_would_just_fit() -> None:
    measured = {"articles": 100, "disk_bytes": 1 * GB}
    assert disk_shortfall(1_000, measured, free_bytes=11 * GB) is not None
