"""GraphQL for identity: sign-in, sessions, the signed-in person."""
