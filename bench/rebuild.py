"""Rebuild time after one article changes, against a full build of the same store, in one run.

`python -m bench.rebuild [--sizes 300,1000]` generates each project with bench/generate.py (seed
0) in a temporary folder, makes a full build (`scgraph build --full`), then three incremental
builds: one article's English label edited, one article removed, the same article added back.
It prints the seconds of each next to the full build's and their ratio, and, for the edit, the
seconds up to each progress line of the rebuild (so a stage that grows with the store shows).
The issue's target is a rebuild within 2 s on 10,000 articles; compare the rows of two sizes to
see whether a rebuild grows with the store.

`python -m bench.rebuild --project DIR [--edits 3]` times edits in a project already generated
(`python -m bench.generate --articles N --out DIR`) and built (`scgraph build --mappings
DIR/mappings --store DIR/var`): for sizes whose full build takes too long to repeat.
"""

from __future__ import annotations

import argparse
import itertools
import os
import shutil
import tempfile
import time
from pathlib import Path

from bench.generate import generate
from scgraph.incremental import rebuild
from scgraph.settings import Settings
from scgraph.store import open_store

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SIZES = (300, 1000)
TARGET_ARTICLES, TARGET_SECONDS = 10_000, 2.0  # issue 7


class _Clock:
    """Progress lines with the wall and CPU seconds since the build started (CPU: this process,
    steadier than wall time on a shared machine)."""

    def __init__(self) -> None:
        self.start, self.cpu = time.perf_counter(), time.process_time()
        self.lines: list[tuple[float, float, str]] = []

    def __call__(self, line: str) -> None:
        now = (time.perf_counter() - self.start, time.process_time() - self.cpu)
        self.lines.append((*now, line))


def _timed(settings: Settings, full: bool = False) -> tuple[float, float, _Clock]:
    """Wall and CPU seconds (this process and its finished children) of one build."""
    clock = _Clock()
    before = os.times()
    rebuild(settings, clock, full=full)
    after = os.times()
    cpu = sum(after[:4]) - sum(before[:4])
    return time.perf_counter() - clock.start, cpu, clock


def _edit_label(mappings: Path, article_id: str) -> None:
    mapping = mappings / "articles" / f"{article_id}.yaml"
    text = mapping.read_text(encoding="utf-8")
    start = text.index("en: '", text.index("entities:")) + len("en: '")
    mapping.write_text(text[:start] + "Edited " + text[start:], encoding="utf-8")


def measure(articles: int, only_edit: bool = False) -> tuple[list[str], float]:
    """The report lines of one size, and the seconds of the edit's rebuild."""
    with tempfile.TemporaryDirectory(prefix="scgraph-bench-rebuild-") as folder:
        mappings = generate(Path(folder), articles)
        settings = Settings(
            mappings_dir=mappings, ontology_dir=ROOT / "ontology", data_dir=Path(folder) / "var"
        )
        full, full_cpu, _ = _timed(settings, full=True)
        quads = len(open_store(settings.data_dir))
        article_id = f"bench_{articles // 2:06d}"
        _edit_label(mappings, article_id)
        edit, edit_cpu, edit_clock = _timed(settings)
        cases = [("edit one", edit, edit_cpu, edit_clock)]
        if not only_edit:
            aside = Path(folder) / "aside"
            aside.mkdir()
            for suffix in (".yaml", ".txt"):
                shutil.move(mappings / "articles" / f"{article_id}{suffix}", aside)
            cases.append(("remove one", *_timed(settings)))
            for suffix in (".yaml", ".txt"):
                shutil.move(aside / f"{article_id}{suffix}", mappings / "articles")
            cases.append(("add it back", *_timed(settings)))
        for *_, clock in cases:
            kind = clock.lines[0][2]
            if not kind.startswith("incremental build"):
                raise RuntimeError(f"expected an incremental build, got: {kind}")
        lines = [
            f"{articles} articles, {quads:,} quads in the store "
            f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)",
            f"  full build   {full:8.2f} s  cpu {full_cpu:7.2f} s",
        ]
        for name, seconds, cpu, _ in cases:
            lines.append(
                f"  {name:<12} {seconds:8.2f} s  cpu {cpu:7.2f} s  "
                f"= {seconds / full:.3f} × full build"
            )
        return lines + _steps("edit one", edit, edit_clock), edit


def _steps(name: str, seconds: float, clock: _Clock) -> list[str]:
    lines = [f"  {name}, wall seconds up to each step (+ wall, + CPU of this process):"]
    previous, previous_cpu = 0.0, 0.0
    for at, cpu, line in clock.lines:
        step = f"+{at - previous:5.2f}, +{cpu - previous_cpu:5.2f} cpu"
        lines.append(f"    {at:6.2f} ({step})  {line}")
        previous, previous_cpu = at, cpu
    lines.append(f"    {seconds:6.2f} (+{seconds - previous:5.2f})  done")
    return lines


def measure_existing(project: Path, edits: int) -> tuple[list[str], float]:
    """Edit one article of a generated project already built in `project`/var, `edits` times
    (the first rebuild after a build of another scgraph may read every input once)."""
    mappings = project / "mappings"
    settings = Settings(
        mappings_dir=mappings, ontology_dir=ROOT / "ontology", data_dir=project / "var"
    )
    articles = sorted((mappings / "articles").glob("*.yaml"))
    article_id = articles[len(articles) // 2].stem
    lines = [
        f"{len(articles)} articles in {project} "
        f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)"
    ]
    seconds = 0.0
    for number in range(1, edits + 1):
        _edit_label(mappings, article_id)
        seconds, cpu, clock = _timed(settings)
        lines.append(f"  edit {number}: {seconds:.2f} s, cpu {cpu:.2f} s")
        lines += _steps(f"edit {number}", seconds, clock)
    return lines, seconds


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.rebuild", description=__doc__)
    parser.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)))
    parser.add_argument("--only-edit", action="store_true", help="skip the remove and add cases")
    parser.add_argument(
        "--project",
        type=Path,
        help="a project made by `python -m bench.generate` and built into PROJECT/var: time "
        "edits of one article there (no generation, no full build)",
    )
    parser.add_argument("--edits", type=int, default=3, help="with --project: edits to time")
    args = parser.parse_args([] if argv is None and __name__ != "__main__" else argv)
    if args.project is not None:
        lines, seconds = measure_existing(args.project, args.edits)
        print("\n".join(lines))
        print(
            f"target: ≤ {TARGET_SECONDS:.0f} s on {TARGET_ARTICLES:,} articles; "
            f"last edit {seconds:.2f} s"
        )
        return
    edits: dict[int, float] = {}
    for articles in [int(size) for size in args.sizes.split(",")]:
        lines, edits[articles] = measure(articles, args.only_edit)
        for line in lines:
            print(line, flush=True)
    sizes = sorted(edits)
    for small, large in itertools.pairwise(sizes):
        print(
            f"edit rebuild {small} → {large} articles: ×{edits[large] / edits[small]:.2f} "
            f"for ×{large / small:.1f} the store"
        )
    largest = sizes[-1]
    print(
        f"target: ≤ {TARGET_SECONDS:.0f} s on {TARGET_ARTICLES:,} articles; "
        f"measured {edits[largest]:.2f} s on {largest:,}"
    )


if __name__ == "__main__":
    main()
