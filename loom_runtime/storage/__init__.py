"""Storage: the SQLAlchemy models of the head schema, engines, fact search, export and import."""
