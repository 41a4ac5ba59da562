"""GraphQL types of consultations, one module per thing: the consultation, its comments and themes, campaigns, figures."""
