"""scgraph: an open knowledge graph of smart-city news."""

__version__ = "0.1.0"

__all__ = ["__version__"]
