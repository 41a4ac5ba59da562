"""GraphQL types of consultations, one module each: consultation, comments and themes, campaigns, figures."""
