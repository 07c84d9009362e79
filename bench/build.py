"""Build time and peak memory against the number of articles: is `scgraph build` linear?

`python -m bench.build [--sizes 30,100,300] [--profile-largest FILE]` generates each project with
bench/generate.py (seed 0) in a temporary folder, runs the real build in a fresh process
(bench/_build_run.py) and prints articles, quads, total and per-stage seconds (wall, then CPU of
the build process and its workers), peak RSS, and the growth between consecutive sizes:
seconds-per-article ratio 1.00 means linear, 2.00 means each article costs twice as much at the
larger size.

Each size also measures its floor in the same run: the build's own N-Quads dump (every quad the
store holds) bulk-loaded into a fresh store, in chunks of the build's size. "×floor" is build time
over that floor: what a build spends beyond pyoxigraph's loader. Both are then projected linearly
to the target's 10,000 articles and set against its 120 s. 10,000 and 50,000 articles take
long; ask for them with --sizes. A size whose build passes --timeout is stopped and the table
ends there. A size the free disk cannot hold, projected from the size before it, is not started:
the line says what it needs.
"""

from __future__ import annotations

import argparse
import itertools
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench._build_run import disk_bytes
from bench.generate import generate

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SIZES = (30, 100)  # larger sizes with --sizes (see docs/scaling.md for their cost)
TARGET_ARTICLES, TARGET_SECONDS, TARGET_RSS_MB = 10_000, 120.0, 2048.0  # issue 7
DISK_MARGIN = 1.2
"""A size runs only if the free disk holds its projected need (the previous size's bytes per
article, times its articles) with this margin, for what a build holds only while it runs (its
staging, the store's compaction: ~20% more at 10,000 articles). A build that fills the disk
fails after hours."""
SHORT = {
    "declare entities": "declare",
    "quads into store": "check+quads",
    "SHACL": "shacl",
    "search index": "index",
}


def measure(articles: int, timeout: float, profile: Path | None = None) -> dict[str, Any] | None:
    """Generate and build `articles` articles; None when the build ran past `timeout` seconds."""
    with tempfile.TemporaryDirectory(prefix="scgraph-bench-") as folder:
        start = time.perf_counter()
        mappings = generate(Path(folder), articles)
        generated = time.perf_counter() - start
        command = [sys.executable, "-m", "bench._build_run", str(mappings), f"{folder}/var"]
        if profile is not None:
            command += ["--profile", str(profile)]
        try:
            done = subprocess.run(
                command, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False
            )
        except subprocess.TimeoutExpired:
            return None
        if done.returncode != 0:
            raise RuntimeError(f"build of {articles} articles failed:\n{done.stderr[-3000:]}")
        result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
        result["articles"] = articles
        result["generate_seconds"] = generated
        # Mappings, the build (store, dump parts, index) and the floor's store, which exist
        # at the same time while the floor loads.
        result["disk_bytes"] = disk_bytes(Path(folder)) + result["floor"]["disk_bytes"]
        return result


def disk_shortfall(articles: int, measured: dict[str, Any], free_bytes: int) -> str | None:
    """Why `articles` articles cannot run on `free_bytes` of disk, projected from a measured
    size; None when they fit."""
    per_article = measured["disk_bytes"] / measured["articles"]
    need = per_article * articles
    if need * DISK_MARGIN <= free_bytes:
        return None
    return (
        f"{articles} articles: not run: needs ~{need / 1e9:.0f} GB of disk "
        f"({per_article / 1e6:.1f} MB per article at {measured['articles']} articles: mappings, "
        f"store, dump parts and the floor's store), {free_bytes / 1e9:.0f} GB free"
    )


def _stage_row(row: dict[str, Any], total: float, column: int) -> str:
    stages = row["stages"]
    timed = [stages.get(name, [0.0, 0.0, 0.0])[column] for name in SHORT]
    line = " ".join(f"{seconds:>7.1f}" for seconds in timed)
    return line + f" {total - sum(timed):>6.1f}"


def table(results: list[dict[str, Any]]) -> str:
    """The measured rows, the floor, then the growth of seconds and RSS per article."""
    head = f"{'articles':>8} {'quads':>10} {'':>5} {'total s':>8} "
    head += " ".join(f"{short:>7}" for short in SHORT.values())
    head += f" {'other':>6} {'floor s':>8} {'×floor':>7} {'peak MB':>8}"
    lines = [head]
    for row in results:
        floor = row["floor"]
        for kind, total, column, floor_seconds in (
            ("wall", row["seconds"], 0, floor["seconds"]),
            ("cpu", row["cpu_seconds"], 2, floor["cpu_seconds"]),
        ):
            line = f"{row['articles']:>8} {row['quads']:>10} {kind:>5} {total:>8.1f} "
            line += _stage_row(row, total, column)
            line += f" {floor_seconds:>8.1f} {total / floor_seconds:>7.2f}"
            line += f" {row['peak_rss_mb']:>8.0f}" if kind == "wall" else ""
            lines.append(line)
    lines.append(
        "(quads: in named graphs; the store holds them and their merge in the default graph, "
        "which the floor loads too. check+quads includes rendering the dump parts, which the "
        "build's worker processes do while the parent loads)"
    )
    lines.append(
        f"against the targets ({TARGET_SECONDS:.0f} s and {TARGET_RSS_MB:.0f} MB for "
        f"{TARGET_ARTICLES:,} articles; smaller sizes projected linearly, 1.00 = on target):"
    )
    for row in results:
        scale = TARGET_ARTICLES / row["articles"]
        floor = row["floor"]
        lines.append(
            f"  {row['articles']:>6}: wall ×{row['seconds'] * scale / TARGET_SECONDS:.1f}"
            f"  cpu ×{row['cpu_seconds'] * scale / TARGET_SECONDS:.1f}"
            f"  (loader floor alone: wall ×{floor['seconds'] * scale / TARGET_SECONDS:.1f},"
            f" {floor['seconds'] * scale:.0f} s)"
            f"  peak RSS ×{row['peak_rss_mb'] / TARGET_RSS_MB:.2f} (measured, not projected)"
        )
    lines.append("growth per article (1.00 = linear):")
    for small, large in itertools.pairwise(results):
        scale = large["articles"] / small["articles"]
        per_time = large["seconds"] / small["seconds"] / scale
        per_cpu = large["cpu_seconds"] / small["cpu_seconds"] / scale
        per_quad = large["quads"] / small["quads"] / scale
        lines.append(
            f"  {small['articles']:>6} → {large['articles']:<6} seconds ×{per_time:.2f}"
            f"  cpu ×{per_cpu:.2f}"
            f"  quads ×{per_quad:.2f}  peak RSS ×{large['peak_rss_mb'] / small['peak_rss_mb']:.2f}"
            f" (sizes ×{scale:.1f})"
        )
    return "\n".join(lines)


def peak_stages(results: list[dict[str, Any]]) -> str:
    """Which stage first reached the peak RSS of each build."""
    lines = []
    for row in results:
        steps = " → ".join(f"{name} {rss:.0f}" for name, (_, rss, _) in row["stages"].items())
        lines.append(f"  {row['articles']:>6}: running peak RSS (MB) after {steps}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.build", description=__doc__)
    parser.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)))
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds per build")
    parser.add_argument("--profile-largest", type=Path, default=None, help="cProfile stats file")
    args = parser.parse_args([] if argv is None and __name__ != "__main__" else argv)
    sizes = [int(size) for size in args.sizes.split(",")]
    results: list[dict[str, Any]] = []
    for articles in sizes:
        if results:
            free = shutil.disk_usage(tempfile.gettempdir()).free
            shortfall = disk_shortfall(articles, results[-1], free)
            if shortfall is not None:
                print(shortfall, flush=True)
                continue
        profile = args.profile_largest if articles == max(sizes) else None
        result = measure(articles, args.timeout, profile)
        if result is None:
            print(f"{articles} articles: build passed {args.timeout:.0f} s, stopped")
            break
        results.append(result)
        # The table so far after every size: a long run stopped later still leaves its rows.
        print(
            f"{articles} articles generated in {result['generate_seconds']:.1f} s; "
            f"disk in use once built {result['disk_bytes'] / 1e9:.2f} GB"
        )
        print(table(results), flush=True)
    print(peak_stages(results))


if __name__ == "__main__":
    main()
