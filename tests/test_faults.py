"""A build that runs out of disk space fails with a clear StoreError and leaves no trace."""

from __future__ import annotations

import errno
import hashlib
import os
from pathlib import Path

import pyoxigraph as ox
import pytest

import scgraph.dump_parts as dump_parts
import scgraph.store as store_module
from scgraph.errors import StoreError
from scgraph.pipeline import run_build
from scgraph.settings import Settings


def disk_full() -> OSError:
    return OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


@pytest.fixture
def project(mini_project: Settings) -> Settings:
    settings = mini_project
    # A changed input, so the failed build would have produced a different build id.
    article = settings.mappings_dir / "articles" / "a2.yaml"
    article.write_text(article.read_text(encoding="utf-8") + "# edited\n", encoding="utf-8")
    return settings


def snapshot(data_dir: Path) -> dict[str, str]:
    """Every file and link under the data directory, with the bytes of each file."""
    result = {}
    for path in sorted(data_dir.rglob("*")):
        name = str(path.relative_to(data_dir))
        if path.is_symlink():
            result[name] = "-> " + os.readlink(path)
        elif path.is_file() and path.name != ".build.lock":
            result[name] = hashlib.sha256(path.read_bytes()).hexdigest()
    return result


def _half_filled_store(store: ox.Store, text: bytes) -> None:
    """Write half of the quads for real, then run out of space as RocksDB would report it."""
    lines = text.splitlines(keepends=True)
    store.bulk_load(b"".join(lines[: len(lines) // 2]), ox.RdfFormat.N_QUADS)
    store.flush()
    raise disk_full()


_real_write_part = dump_parts._write_part
_parts_written: list[Path] = []


def _half_written_part(path: Path, data: bytes) -> None:
    """Write one new part for real, then half of the next, and run out of space."""
    if not _parts_written:
        _real_write_part(path, data)
        _parts_written.append(path)
        return
    path.with_name(f".{path.name}.partial").write_bytes(data[: len(data) // 2])
    raise disk_full()


@pytest.mark.parametrize(
    ("target", "name", "fake", "stage"),
    [
        (store_module, "_bulk_load", _half_filled_store, "the store"),
        (dump_parts, "_write_part", _half_written_part, "the dump part"),
    ],
    ids=["store", "dumps"],
)
def test_a_full_disk_fails_the_build_cleanly(
    project: Settings,
    monkeypatch: pytest.MonkeyPatch,
    target: object,
    name: str,
    fake: object,
    stage: str,
) -> None:
    before = snapshot(project.data_dir)
    _parts_written.clear()
    monkeypatch.setattr(target, name, fake)
    with pytest.raises(StoreError) as failed:
        run_build(project)
    message = str(failed.value)
    assert message.startswith(f"cannot write {stage} ")
    assert message.endswith(os.strerror(errno.ENOSPC))
    assert isinstance(failed.value.__cause__, OSError)
    assert failed.value.__cause__.errno == errno.ENOSPC
    # The served build is byte for byte what it was; the staging directory and the parts only
    # the failed build wrote (one whole, one half) are gone.
    assert snapshot(project.data_dir) == before
    assert not list((project.data_dir / "builds").glob(".staging-*"))
    if target is dump_parts:
        assert _parts_written and not _parts_written[0].exists()
