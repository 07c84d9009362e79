"""scgraph: an open knowledge graph of smart-city news.

The Python API is `KnowledgeGraph`; see `scgraph.kg` for examples.
"""

# __version__ comes before the imports below: the modules they load import it.
__version__ = "0.1.0"

from scgraph.kg import IRI, KnowledgeGraph
from scgraph.lookup import Description, Resource
from scgraph.search import Hit

__all__ = ["IRI", "Description", "Hit", "KnowledgeGraph", "Resource", "__version__"]
