"""Routes of the linked-data surface: entity IRIs, their HTML and RDF documents, home and lists.

The URI scheme is documented in `linked_data.py`; the ontology, VoID, dumps and sitemap have their
own modules. Every route answers GET and HEAD and returns through `represent` (ETag, 304).
"""

from fastapi import APIRouter

from scgraph.server import warm_up
from scgraph.server.pages import dereference, documents, entity, lists

router = APIRouter()
for _part in (dereference, documents, entity, lists, warm_up):
    router.include_router(_part.router)
