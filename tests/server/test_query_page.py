"""The query page: editor, example picker, permalinks, and a real browser running a query."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import httpx
from fastapi.testclient import TestClient

from scgraph.queries import load_examples
from scgraph.server.app import create_app
from scgraph.server.query_page import FALLBACK_QUERY
from scgraph.settings import Settings

EXAMPLE = """# title: Every label
# title@vi: Mọi nhãn
# description: Labels of everything.
# description@vi: Nhãn của mọi thứ.
SELECT ?s ?label WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label } LIMIT 3
"""


class _Page(HTMLParser):
    """The parts of the query page the tests look at."""

    def __init__(self) -> None:
        super().__init__()
        self.textarea: str | None = None
        self.options: list[str] = []
        self.select_disabled = False
        self.form: dict[str, str | None] = {}
        self.scripts: list[str] = []
        self.stylesheets: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "textarea" and attributes.get("id") == "query":
            self._in, self.textarea = "textarea", ""
        elif tag == "select" and attributes.get("id") == "example":
            self.select_disabled = "disabled" in attributes
        elif tag == "option":
            self._in = "option"
            self.options.append("")
        elif tag == "form" and attributes.get("id") == "query-form":
            self.form = attributes
        elif tag == "script" and attributes.get("src"):
            self.scripts.append(str(attributes["src"]))
        elif tag == "link" and attributes.get("rel") == "stylesheet":
            self.stylesheets.append(str(attributes["href"]))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("textarea", "option"):
            self._in = None

    def handle_data(self, data: str) -> None:
        if self._in == "textarea" and self.textarea is not None:
            self.textarea += data
        elif self._in == "option":
            self.options[-1] += data.strip()


def _parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


def _client_with_queries(built: Settings, queries_dir: Path) -> TestClient:
    return TestClient(create_app(built.model_copy(update={"queries_dir": queries_dir})))


def test_page_lists_every_example_and_preloads_the_first(
    client: TestClient, built: Settings
) -> None:
    response = client.get("/query")
    assert response.status_code == 200
    page = _parse(response.text)
    examples = load_examples(built.queries_dir)
    assert page.options == [e.title for e in examples] or (not examples and page.select_disabled)
    expected = examples[0].text if examples else FALLBACK_QUERY
    assert page.textarea is not None and page.textarea.strip() == expected.strip()
    assert page.form["data-base-iri"] == built.base_iri
    # Everything the page needs is served here: no CDN.
    for path in page.scripts + page.stylesheets:
        assert path.startswith("/static/")
        assert client.get(path).status_code == 200


def test_page_with_a_queries_directory_of_its_own(built: Settings, tmp_path: Path) -> None:
    empty, one = tmp_path / "empty", tmp_path / "one"
    empty.mkdir()
    one.mkdir()
    (one / "01-labels.rq").write_text(EXAMPLE, encoding="utf-8")
    with _client_with_queries(built, empty) as client:
        page = _parse(client.get("/query").text)
        assert page.select_disabled
        assert page.textarea is not None and page.textarea.strip() == FALLBACK_QUERY.strip()
    with _client_with_queries(built, one) as client:
        page = _parse(client.get("/query").text)
        assert page.options == ["Every label"]
        assert page.textarea is not None and page.textarea.strip() == EXAMPLE.strip()


def test_permalink_loads_its_query(live_server: str) -> None:
    query = "ASK { ?s ?p <https://example.org/a&b> }"
    response = httpx.get(live_server + "/query", params={"query": query})
    page = _parse(response.text)
    assert page.textarea == query
    assert page.form["data-autorun"] == "true"


def test_a_browser_runs_a_query_and_sees_the_table(
    browser: object, live_server: str, built: Settings
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.remote.webdriver import WebDriver
    from selenium.webdriver.support.ui import Select, WebDriverWait

    assert isinstance(browser, WebDriver)
    browser.get(live_server + "/query")
    editor = browser.find_element(By.ID, "query")
    editor.clear()
    editor.send_keys("SELECT ?g WHERE { GRAPH ?g { } } ORDER BY ?g", Keys.CONTROL, Keys.ENTER)
    wait = WebDriverWait(browser, 20)
    table = wait.until(lambda d: d.find_element(By.ID, "result-table"))
    links = [a.get_attribute("href") for a in table.find_elements(By.TAG_NAME, "a")]
    assert live_server + "/graph/registry" in links
    assert "/query?query=" in browser.current_url
    # A bad query shows the parser's message instead of a table.
    editor.clear()
    editor.send_keys("SELEC nothing")
    browser.find_element(By.ID, "run").click()
    error = wait.until(
        lambda d: (
            d.find_element(By.ID, "error")
            if d.find_element(By.ID, "error").is_displayed()
            else None
        )
    )
    assert "400" in error.text
    # An example chosen in the picker replaces the editor's text and runs through the button.
    examples = load_examples(built.queries_dir)
    if examples:
        Select(browser.find_element(By.ID, "example")).select_by_index(len(examples) - 1)
        assert editor.get_attribute("value") == examples[-1].text
        browser.find_element(By.ID, "run").click()
        wait.until(
            lambda d: d.find_elements(By.CSS_SELECTOR, "#result-table, #result-graph, .answer")
        )
        assert not browser.find_element(By.ID, "error").is_displayed()
