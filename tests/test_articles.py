"""The project's article copies are the seeds minus the boilerplate lines the mappings list."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from scgraph.text import find_quote

ROOT = Path(__file__).parent.parent
ARTICLES = ROOT / "mappings" / "articles"
SEEDS = ROOT.parent / "shared" / "seeds"
IDS = sorted(p.stem for p in ARTICLES.glob("*.yaml"))


def test_all_five_seed_articles_are_mapped() -> None:
    assert len(IDS) >= 5
    if SEEDS.is_dir():
        assert {p.stem for p in SEEDS.glob("*.txt")} <= set(IDS)


@pytest.mark.parametrize("article_id", IDS)
def test_copy_is_the_seed_minus_dropped_lines(article_id: str) -> None:
    if not SEEDS.is_dir():
        pytest.skip(f"the seed articles are not beside the project ({SEEDS} is missing)")
    seed = (SEEDS / f"{article_id}.txt").read_text(encoding="utf-8")
    copy = (ARTICLES / f"{article_id}.txt").read_text(encoding="utf-8")
    mapping = yaml.safe_load((ARTICLES / f"{article_id}.yaml").read_text(encoding="utf-8"))
    dropped = set(mapping["article"].get("dropped_lines", []))
    kept = [line for line in seed.splitlines() if line.strip() not in dropped]
    # Blank lines left at the very end by the removal do not matter.
    assert copy.rstrip().splitlines() == "\n".join(kept).rstrip().splitlines()
    for line in dropped:
        assert line in seed.splitlines(), f"dropped line not in the seed: {line!r}"


@pytest.mark.parametrize("article_id", IDS)
def test_no_boilerplate_left(article_id: str) -> None:
    copy = (ARTICLES / f"{article_id}.txt").read_text(encoding="utf-8")
    for boilerplate in ("Trả lời", "Email của bạn sẽ không được hiển thị", "PublishingPortal"):
        assert find_quote(copy, boilerplate) is None
