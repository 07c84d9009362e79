"""The text of a page's h1, parsed with the standard library's HTML parser (tests that follow a
label across builds)."""

from __future__ import annotations

from html.parser import HTMLParser


class _Heading(HTMLParser):
    def __init__(self, page: str) -> None:
        super().__init__()
        self.inside, self.text = False, ""
        self.feed(page)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.inside = self.inside or tag == "h1"

    def handle_endtag(self, tag: str) -> None:
        self.inside = self.inside and tag != "h1"

    def handle_data(self, data: str) -> None:
        if self.inside:
            self.text += data


def page_heading(page: str) -> str:
    """The h1's text, stripped."""
    return _Heading(page).text.strip()
