"""GraphQL for consultations (意见征集)."""
