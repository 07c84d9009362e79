"""bench/generate.py: the synthetic project passes `scgraph validate` and is the same for a seed."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def generate(out: Path, articles: int, seed: int) -> None:
    """The generator's command line, in a real process, from the project folder."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.generate",
            "--articles",
            str(articles),
            "--out",
            str(out),
            "--seed",
            str(seed),
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )


def files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*.*"))}


def test_generated_project_passes_validate(tmp_path: Path) -> None:
    generate(tmp_path, 3, seed=1)
    shutil.copytree(ROOT / "ontology", tmp_path / "ontology")
    result = subprocess.run(
        [sys.executable, "-m", "scgraph.cli", "validate"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "All mappings are valid" in result.stdout
    articles = sorted((tmp_path / "mappings" / "articles").glob("*.yaml"))
    assert len(articles) == 3
    for path in articles:
        mapping = yaml.safe_load(path.read_text(encoding="utf-8"))
        entities = mapping["entities"]
        facts = len(mapping["article"]["facts"]) + len(mapping["facts"])
        facts += sum(len(entity["facts"]) for entity in entities)
        assert 20 <= len(entities) <= 40
        assert 80 <= facts <= 150
        assert 3000 <= len(path.with_suffix(".txt").read_bytes()) <= 5500
        # Shared registry entities are the subjects of article facts: cross-article dedupe.
        registry = yaml.safe_load((tmp_path / "mappings" / "registry.yaml").read_text("utf-8"))
        shared = {entity["id"] for entity in registry["entities"]}
        assert {fact["subject"] for fact in mapping["facts"]} <= shared


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path: Path) -> None:
    generate(tmp_path / "one", 3, seed=7)
    generate(tmp_path / "two", 3, seed=7)
    generate(tmp_path / "other", 3, seed=8)
    one, two, other = (files(tmp_path / name) for name in ("one", "two", "other"))
    assert len(one) == 7  # the registry, three mappings and three texts
    assert one == two
    assert one.keys() == other.keys()
    assert one != other
