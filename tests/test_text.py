"""Accent folding for search and whitespace-tolerant quote finding."""

from __future__ import annotations

import pytest

from scgraph.text import collapse_whitespace, find_quote, fold, nfc


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Bình Dương", "binh duong"),
        ("Đà Nẵng", "da nang"),
        ("đô thị thông minh", "do thi thong minh"),
        ("TP Hồ Chí Minh", "tp ho chi minh"),
        ("  Phạm   Hồng\tHà ", "pham hong ha"),
        ("VINASA", "vinasa"),
        # Decomposed input (NFD) folds the same as composed input.
        ("Bi\u0300nh Du\u031bo\u031b\u0300ng", "binh duong"),
    ],
)
def test_fold(text: str, folded: str) -> None:
    assert fold(text) == folded


def test_nfc_composes() -> None:
    assert nfc("Bi\u0300nh") == "Bình"


def test_collapse_whitespace() -> None:
    assert collapse_whitespace(" a\n\n b\t c ") == "a b c"


@pytest.mark.parametrize(
    ("text", "quote", "expected"),
    [
        ("Sáng 17-7, Việt Nam", "Việt Nam", (11, 19)),
        ("Sáng  17-7,\nViệt Nam", "17-7, Việt Nam", (6, 20)),
        ("a “quoted” b", "“quoted”", (2, 10)),
        ("abc", "abd", None),
        ("abc", "   ", None),
        # A decomposed quote still matches the composed text.
        ("Bình Dương", "Bi\u0300nh", (0, 4)),
    ],
)
def test_find_quote(text: str, quote: str, expected: tuple[int, int] | None) -> None:
    assert find_quote(text, quote) == expected


def test_find_quote_offsets_point_into_the_original_text() -> None:
    text = "Một\n\n  đoạn   văn bản dài"
    start, end = find_quote(text, "đoạn văn") or (0, 0)
    assert text[start:end] == "đoạn   văn"
