"""GraphQL for topics."""
