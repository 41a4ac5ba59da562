"""GraphQL for districts."""
