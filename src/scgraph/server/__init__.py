"""The web service: SPARQL endpoint, linked-data pages and JSON API over one built store."""
