"""scgraph: an open knowledge graph of smart-city news.

The Python API is `KnowledgeGraph`; see `scgraph.kg` for examples.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from scgraph.kg import IRI, KnowledgeGraph
    from scgraph.lookup import Description, Resource
    from scgraph.search import Hit

# The API is imported when first asked for (PEP 562): `scgraph build` imports the package for its
# version and would otherwise load the API's models too (~0.4 s of the command's start).
_EXPORTS = {
    "IRI": "scgraph.kg",
    "KnowledgeGraph": "scgraph.kg",
    "Description": "scgraph.lookup",
    "Resource": "scgraph.lookup",
    "Hit": "scgraph.search",
}

__all__ = ["IRI", "Description", "Hit", "KnowledgeGraph", "Resource", "__version__"]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'scgraph' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
