"""One real build, timed stage by stage; run in its own process by bench/build.py.

`python -m bench._build_run MAPPINGS DATA [--profile FILE]` runs `scgraph.pipeline.run_build`
unchanged, with each stage function the pipeline calls wrapped in a timer (the wrappers replace the
names in the pipeline module only for this process). It prints one JSON line: quads, total seconds,
seconds, CPU seconds and running peak RSS per stage. Its own process, so the peak RSS is this
build's alone.

Then the floor: the build's own N-Quads dump (every quad the store holds, named and default
graph) bulk-loaded into a fresh store in chunks of the build's size, which is what any build
of this data must at least spend in pyoxigraph's loader.
"""

from __future__ import annotations

import argparse
import cProfile
import gzip
import itertools
import json
import resource
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from scgraph import pipeline
from scgraph.dump_parts import NQUADS_GZ, parts_folder, parts_of, read_manifest
from scgraph.settings import Settings
from scgraph.store import CHUNK_QUADS, DUMPS_DIR

ROOT = Path(__file__).resolve().parent.parent

# Pipeline attribute → stage name, in the order a build reaches them.
STAGES = {
    "load_ontology": "ontology",
    "declare_project": "declare entities",
    "stream_into_store": "quads into store",  # each article checked there too
    "check_built_shapes": "SHACL",
    "build_index_file": "search index",
    "summarize": "summary",
    "input_digest": "input digest",
    "write_summary": "write summary",
    "publish_build": "publish",
}


def peak_rss_mb() -> float:
    """The largest peak of this process and of its (validation) worker processes."""
    # Linux reports ru_maxrss in KiB.
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024


def _timed(name: str, function: Callable[..., Any], record: dict[str, list[float]]) -> Any:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start, cpu = time.perf_counter(), _cpu_seconds()
        try:
            return function(*args, **kwargs)
        finally:
            seconds, _, cpu_seconds = record.setdefault(name, [0.0, 0.0, 0.0])
            record[name] = [
                seconds + time.perf_counter() - start,
                peak_rss_mb(),
                cpu_seconds + _cpu_seconds() - cpu,
            ]

    return wrapper


def _dump_lines(build: Path) -> Iterator[bytes]:
    """The lines of a build's N-Quads dump, part after part."""
    manifest = read_manifest(build / DUMPS_DIR)
    assert manifest is not None, "a build of this scgraph lists its dump parts"
    for part in parts_of(manifest, NQUADS_GZ):
        with gzip.open(parts_folder(build) / part.name, "rb") as lines:
            yield from lines


def disk_bytes(folder: Path) -> int:
    """Bytes the files under `folder` take on disk (allocated blocks, as `du` counts them)."""
    return sum(path.lstat().st_blocks * 512 for path in folder.rglob("*") if not path.is_dir())


def load_floor(build: Path) -> dict[str, float]:
    """Seconds and CPU seconds to bulk-load the build's N-Quads dump into a fresh on-disk store,
    `2 * CHUNK_QUADS` lines per call as the build does; decompression not counted."""
    seconds = cpu_seconds = 0.0
    with tempfile.TemporaryDirectory(prefix="scgraph-floor-") as folder:
        store = ox.Store(folder)
        # Read a chunk's lines (not timed), load them (timed): memory holds one chunk.
        lines = _dump_lines(build)
        while chunk := b"".join(itertools.islice(lines, 2 * CHUNK_QUADS)):
            start, cpu = time.perf_counter(), _cpu_seconds()
            store.bulk_load(chunk, ox.RdfFormat.N_QUADS)
            seconds, cpu_seconds = _add(seconds, cpu_seconds, start, cpu)
        start, cpu = time.perf_counter(), _cpu_seconds()
        store.flush()
        store.optimize()
        seconds, cpu_seconds = _add(seconds, cpu_seconds, start, cpu)
        quads = len(store)
        del store
        size = disk_bytes(Path(folder))
    return {"seconds": seconds, "cpu_seconds": cpu_seconds, "quads": quads, "disk_bytes": size}


def _add(seconds: float, cpu_seconds: float, start: float, cpu: float) -> tuple[float, float]:
    return seconds + time.perf_counter() - start, cpu_seconds + _cpu_seconds() - cpu


def run(mappings: Path, data: Path, profile: Path | None = None) -> dict[str, Any]:
    record: dict[str, list[float]] = {}
    for attribute, name in STAGES.items():
        setattr(pipeline, attribute, _timed(name, getattr(pipeline, attribute), record))
    settings = Settings(mappings_dir=mappings, ontology_dir=ROOT / "ontology", data_dir=data)
    profiler = cProfile.Profile() if profile else None
    start = time.perf_counter()
    if profiler is not None:
        profiler.enable()
    result = pipeline.run_build(settings)
    if profiler is not None:
        profiler.disable()
        assert profile is not None
        profiler.dump_stats(profile)
    total = time.perf_counter() - start
    stages = {name: record[name] for name in STAGES.values() if name in record}
    measured = {
        "quads": result.summary["quads"],
        "triples": result.summary["triples"],
        "seconds": total,
        "stages": stages,
        "cpu_seconds": _cpu_seconds(),
        "peak_rss_mb": peak_rss_mb(),
    }
    measured["floor"] = load_floor(result.build_dir)
    return measured


def _cpu_seconds() -> float:
    # CPU time is what a shared machine does not distort; wall time is what a user waits.
    # Worker processes (SHACL queries run in two) count too.
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    return total


def main_cli() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench._build_run")
    parser.add_argument("mappings", type=Path)
    parser.add_argument("data", type=Path)
    parser.add_argument("--profile", type=Path, default=None)
    args = parser.parse_args()
    print(json.dumps(run(args.mappings, args.data, args.profile)))


if __name__ == "__main__":
    main_cli()
