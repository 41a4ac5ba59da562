"""GraphQL for departments."""
