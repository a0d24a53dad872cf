"""Page routes, one module per use case."""
