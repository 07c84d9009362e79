"""Accept header in, chosen representation out (RFC 9110 §12.5.1, q-values included).

The most specific media range that matches an offer decides its quality; `q=0` means "not
acceptable"; among equally acceptable offers the server's order of preference wins. A header that
cannot be parsed at all is treated as absent, as RFC 9110 allows.

>>> offers = ["text/html", "text/turtle", "application/ld+json"]
>>> negotiate("text/turtle;q=0.9, application/ld+json", offers)
'application/ld+json'
>>> negotiate("text/html;q=0, */*", offers)
'text/turtle'
>>> negotiate("image/png", ["text/html"]) is None
True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class MediaRange:
    type: str
    subtype: str
    quality: float
    params: tuple[tuple[str, str], ...]

    def specificity(self, offer: str) -> int | None:
        """How specifically this range matches `offer` (higher is more specific), or None."""
        offer_type, _, rest = offer.partition("/")
        offer_subtype, *offer_params = [part.strip() for part in rest.split(";")]
        if self.type == "*":
            return 0
        if self.type != offer_type.lower():
            return None
        if self.subtype == "*":
            return 1
        if self.subtype != offer_subtype.lower():
            return None
        if self.params:
            wanted = dict(self.params)
            given = dict(_param(p) for p in offer_params if "=" in p)
            if any(given.get(k) != v for k, v in wanted.items()):
                return None
            return 3
        return 2


def _param(text: str) -> tuple[str, str]:
    key, _, value = text.partition("=")
    return key.strip().lower(), value.strip().strip('"')


def parse_accept(header: str | None) -> list[MediaRange] | None:
    """The media ranges of an Accept header; None when it is absent, empty or unparseable."""
    if header is None or not header.strip():
        return None
    ranges = []
    for item in header.split(","):
        if not item.strip():
            continue
        media, *raw_params = [part.strip() for part in item.split(";")]
        type_, slash, subtype = media.lower().partition("/")
        if not slash or not type_ or not subtype or (type_ == "*" and subtype != "*"):
            continue
        quality = 1.0
        params = []
        for raw in raw_params:
            if "=" not in raw:
                continue
            key, value = _param(raw)
            if key == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = -1.0
                if not 0.0 <= quality <= 1.0:
                    break
            else:
                params.append((key, value))
        else:
            ranges.append(MediaRange(type_, subtype, quality, tuple(params)))
    return ranges or None


def quality_of(offer: str, ranges: list[MediaRange]) -> float:
    """The quality the client gives `offer`: that of the most specific matching range."""
    best: tuple[int, float] | None = None
    for media_range in ranges:
        specificity = media_range.specificity(offer)
        if specificity is not None and (best is None or specificity > best[0]):
            best = (specificity, media_range.quality)
    return best[1] if best else 0.0


def negotiate(header: str | None, offers: Sequence[str]) -> str | None:
    """The offer to send, in the server's preference order among the best; None for 406."""
    ranges = parse_accept(header)
    if ranges is None:
        return offers[0] if offers else None
    best_offer, best_quality = None, 0.0
    for offer in offers:
        quality = quality_of(offer, ranges)
        if quality > best_quality:
            best_offer, best_quality = offer, quality
    return best_offer
