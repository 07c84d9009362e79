"""The query page, `/query`: an editor and the example queries; static/query.js runs them."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from scgraph.queries import load_examples
from scgraph.server.deps import SettingsDep

router = APIRouter()

FALLBACK_QUERY = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?entity ?label WHERE {
  ?entity rdfs:label ?label .
}
LIMIT 20
"""


@router.get("/query", response_class=HTMLResponse, name="query_page", include_in_schema=False)
def query_page(request: Request, settings: SettingsDep, query: str | None = None) -> HTMLResponse:
    """The editor, preloaded with `query` (a permalink) or else the first example."""
    directory = settings.queries_dir
    examples = load_examples(directory) if directory.is_dir() else []
    listed = [
        {
            "name": example.name,
            "title": example.title,
            "title_vi": example.title_vi,
            "description": example.description,
            "description_vi": example.description_vi,
            "text": example.text,
        }
        for example in examples
    ]
    initial = query if query is not None else (examples[0].text if examples else FALLBACK_QUERY)
    response: HTMLResponse = request.app.state.templates.TemplateResponse(
        request,
        "query.html",
        {
            "examples": listed,
            "initial_query": initial,
            "autorun": query is not None,
            "base_iri": settings.base_iri,
            "lang": "en",
        },
    )
    return response
