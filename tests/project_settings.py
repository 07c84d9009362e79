"""Settings of a project to build in the tests that compare two build paths
(tests/test_build_pool.py, test_stream_check.py): the seed mappings, or five generated articles.
(On pytest's path: see `pythonpath` in pyproject.toml.)"""

from __future__ import annotations

from pathlib import Path

from scgraph.settings import Settings
from test_bench_generate import generate

ROOT = Path(__file__).resolve().parent.parent


def seed_or_generated(kind: str, tmp_path: Path, seed: int) -> Settings:
    """The seed project (`kind` "seed") or five articles generated with `seed`, built into
    `tmp_path`."""
    mappings = ROOT / "mappings"
    if kind == "generated":
        generate(tmp_path / "project", 5, seed=seed)
        mappings = tmp_path / "project" / "mappings"
    return Settings(mappings_dir=mappings, ontology_dir=ROOT / "ontology", data_dir=tmp_path / "v")
